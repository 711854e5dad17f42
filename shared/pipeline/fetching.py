"""The fetcher's logic: poll each source incrementally, queue its raw records, then advance its watermark."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from shared.adapters.http import UpstreamClient, UpstreamError, UpstreamUnreachableError
from shared.adapters.poll_queue import PollQueue
from shared.adapters.source_state import WatermarkStore
from shared.adapters.sqs import RawRecordQueue
from shared.domain.departments import Department
from shared.domain.poll_message import PollMessage
from shared.domain.raw_record import Delivery, RawRecordMessage
from shared.domain.timeutil import in_london
from shared.observability import logger
from shared.pipeline.polls import DeliveryPolicy, SweepPolicy, always_due, continuation_of, dispatched, poll_due
from shared.sources.base import Source
from shared.sources.incremental import FetchedRecord, ListPosition, PollCheckpoint, RecordMemory, SourceState

SEND_CHUNK = 100
"""Records are queued as they are fetched, in chunks, rather than all held until the end."""
DETAIL_RECHECK = timedelta(hours=1)
"""A record whose listed form is unchanged has its detail read again at least this often (edits beyond the cut)."""


CHECKPOINT_EVERY_SECONDS = 60.0
"""A poll that runs long saves its progress this often (and when its time is up, and when it fails), so that a crash
repeats at most this much work."""


class PollRequest(BaseModel):
    """The fetcher's event: EventBridge's "Scheduled Event", or a manual invoke asking for a backfill."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    since: datetime | None = None
    """Read from this time (naive: London) instead of the watermark, e.g. {"since": "2026-01-01"}."""
    delivery: Delivery | None = None
    """What becomes of the backfill's versions (quiet, notify, digest); by default as a scheduled poll's."""


@dataclass
class Budget:
    """The time a poll may take, on an injectable clock: past `deadline`, it checkpoints and hands over."""

    deadline: float | None = None
    clock: Callable[[], float] = time.monotonic

    def spent(self) -> bool:
        return self.deadline is not None and self.clock() >= self.deadline


@dataclass(frozen=True, kw_only=True)
class SourceReport:
    source: str
    since: datetime
    queued: int = 0
    unchanged: int = 0
    """Records fetched again exactly as they were last queued: not queued again."""
    error: str | None = None
    unreachable_host: str | None = None
    last_success: datetime | None = None
    """The source's watermark after this poll: when it last completed a poll."""
    delivery: Delivery = Delivery.NOTIFY
    complete: bool = True
    """False when the poll stopped for time (or failed) and saved a checkpoint to resume from."""
    continuation: PollMessage | None = field(default=None, repr=False)
    """The poll message that resumes it at once (its time ran out), for the fetcher to send."""

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "since": self.since.isoformat(),
            "queued": self.queued,
            "unchanged": self.unchanged,
            "error": self.error,
            "unreachable_host": self.unreachable_host,
            "last_success": self.last_success.isoformat() if self.last_success else None,
            "delivery": self.delivery.value,
            "complete": self.complete,
        }


def oldest_success_age(reports: Sequence[SourceReport], now: datetime) -> float | None:
    """Seconds since the source that has gone longest without a complete poll last completed one (staleness).

    A source that failed before it ever completed a poll counts from the start of its window: the sources-stale alarm
    is the one alarm on failing sources, so one failing from its first poll must not be left out."""
    ages = [(now - r.last_success).total_seconds() for r in reports if r.last_success]
    ages += [(now - r.since).total_seconds() for r in reports if not r.last_success and not r.ok]
    return max(ages, default=None)


@dataclass(frozen=True)
class PollWindow:
    overlap: timedelta
    backfill: timedelta
    since: datetime | None = None
    """Read from here instead of the watermark (a backfill asked for by the operator)."""

    def start(self, watermark: datetime | None, now: datetime) -> datetime:
        if self.since is not None:
            return self.since
        return watermark - self.overlap if watermark else now - self.backfill


class Poller:
    """Polls sources; queues only the records that are new or changed since they were last queued.

    Each source's state keeps, per record seen within the poll window, the digest of what was last queued, so the
    overlap that every poll re-reads (for the APIs' lag) costs nothing downstream: an idle poll queues nothing and,
    most of the time, writes nothing. A record the list endpoint cuts is completed from its detail endpoint when its
    listed form changed, and at least every `detail_recheck` otherwise (an edit beyond the cut changes no listed field),
    at most `recheck_budget` such rechecks a poll. A backfill asked for explicitly (`since`) re-queues everything; the
    processor still writes only changes.

    A poll runs within its `Budget`: when the time is up it saves a checkpoint (`PollCheckpoint`: its fixed window,
    the list position reached, the memory so far, its delivery) and reports the continuation to send; the next
    invocation resumes there. The watermark advances only when the whole poll completes.
    """

    def __init__(
        self,
        http: UpstreamClient,
        queue: RawRecordQueue,
        watermarks: WatermarkStore,
        detail_recheck: timedelta = DETAIL_RECHECK,
        deliveries: DeliveryPolicy | None = None,
        recheck_budget: int | None = None,
        polls: PollQueue | None = None,
        sweep: SweepPolicy | None = None,
    ) -> None:
        self._http = http
        self._queue = queue
        self._watermarks = watermarks
        self._detail_recheck = detail_recheck
        self._deliveries = deliveries or DeliveryPolicy()
        self._recheck_budget = recheck_budget
        self._polls = polls
        self._sweep = sweep

    def dispatch(self, sources: Sequence[Source], request: PollRequest, occasion: str) -> list[PollMessage]:
        """One poll message per source on the poll queue, in its host's group; `occasion` (the schedule's time, a
        backfill's request id) makes them one message each however often the dispatch is retried."""
        if self._polls is None:
            raise RuntimeError("no poll queue to dispatch to")
        since = in_london(request.since) if request.since else None
        messages = dispatched([(s.name, s.poll_group) for s in sources], occasion, since, request.delivery)
        self._polls.send(messages)
        logger.info("polls dispatched", extra={"sources": [m.source for m in messages], "occasion": occasion})
        return messages

    def run(
        self,
        source: Source,
        departments: Sequence[Department],
        message: PollMessage,
        window: PollWindow,
        now: datetime,
        budget: Budget,
    ) -> SourceReport:
        """One poll message: the poll within `budget`, and its continuation sent to the poll queue if it stopped for
        time (to the same group: it runs next in its host's turn)."""
        report = self.poll_source(source, departments, message, window, now, budget)
        if report.continuation is not None and self._polls is not None:
            self._polls.send([report.continuation])
        return report

    def poll(
        self, sources: Sequence[Source], departments: Sequence[Department], window: PollWindow, now: datetime
    ) -> list[SourceReport]:
        """Every source in turn, to completion; one that fails is reported and keeps its watermark, and the others go
        on. (The deployed fetcher polls one source per poll message: `poll_source`.)"""
        return [self._poll_source(source, departments, window, now) for source in sources]

    def _poll_source(
        self, source: Source, departments: Sequence[Department], window: PollWindow, now: datetime
    ) -> SourceReport:
        message = PollMessage(source=source.name, poll_id=f"{source.name}@{now.isoformat()}", since=window.since)
        return self.poll_source(source, departments, message, window, now, Budget())

    def poll_source(
        self,
        source: Source,
        departments: Sequence[Department],
        message: PollMessage,
        window: PollWindow,
        now: datetime,
        budget: Budget,
    ) -> SourceReport:
        """One poll message of one source: a new poll, or the unfinished one resumed, within `budget`."""
        if always_due(source.poll_every, message):
            state = self._watermarks.get(source.name)
        else:
            # The watermark item decides; the record memory (16 items) is read only for a poll that runs.
            head = self._watermarks.head(source.name)
            if not poll_due(source.poll_every, message, head, now):
                # Polled less often than scheduled (Source.poll_every): not stale, so no last success to age.
                logger.info("poll not due", extra={"source": source.name, "last_poll": str(head.watermark)})
                return SourceReport(source=source.name, since=now)
            state = self._watermarks.get(source.name, head)
        checkpoint = self._checkpoint_to_run(source, message, state, window, now)
        if checkpoint is None:  # a stale continuation: its poll completed, or another message took it on
            logger.info("stale poll message skipped", extra={"source": source.name, "poll": message.poll_id})
            return SourceReport(
                source=source.name, since=now, last_success=state.watermark, complete=state.checkpoint is None
            )
        memory = RecordMemory(
            source,
            state,
            now,
            self._detail_recheck,
            requeue_all=checkpoint.requeue_all,
            poll_id=checkpoint.poll_id,
            recheck_budget=self._recheck_budget,
        )
        progress = _Progress(checkpoint, budget.clock() + CHECKPOINT_EVERY_SECONDS)
        try:
            stopped = self._run(source, departments, checkpoint, memory, now, budget, progress)
            if stopped:
                next_checkpoint = progress.checkpoint(step=checkpoint.step + 1)
                self._watermarks.put(source.name, memory.checkpoint_state(next_checkpoint))
                return self._report(
                    source,
                    checkpoint,
                    memory,
                    progress,
                    state,
                    continuation_of(source.name, source.poll_group, next_checkpoint),
                )
            # Every record of the poll is on the queue: the watermark may advance, to where the poll's window ends.
            # A poll of many invocations, or a backfill, keeps its id: a duplicate of its message finds it done.
            done = checkpoint.poll_id if checkpoint.step > 0 or checkpoint.requeue_all else ""
            swept = SweepPolicy.day(checkpoint.until) if checkpoint.sweep_since else ""
            if (next_state := memory.next_state(checkpoint.since, checkpoint.until, done, swept)) is not None:
                self._watermarks.put(source.name, next_state)
        except Exception as error:  # one broken source must never stop the others
            reason, unreachable_host = _failure(source, error)
            self._save_progress(source, memory, progress, checkpoint)
            return self._report(source, checkpoint, memory, progress, state, None, reason, unreachable_host)
        logger.info(
            "source polled",
            extra={
                "source": source.name,
                "queued": progress.queued,
                "unchanged": memory.unchanged,
                "since": checkpoint.since.isoformat(),
                "delivery": checkpoint.delivery.value,
            },
        )
        return SourceReport(
            source=source.name,
            since=checkpoint.since,
            queued=progress.queued,
            unchanged=memory.unchanged,
            last_success=checkpoint.until,
            delivery=checkpoint.delivery,
        )

    def _checkpoint_to_run(
        self, source: Source, message: PollMessage, state: SourceState, window: PollWindow, now: datetime
    ) -> PollCheckpoint | None:
        """The poll this message runs: the unfinished one resumed (a continuation of its current step, a redelivered
        backfill, or any scheduled poll, which takes it on), or a new one; None for a stale continuation."""
        unfinished = state.checkpoint
        if message.poll_id == state.completed_poll:
            return None  # delivered again after its poll completed
        if message.step > 0:
            same = unfinished is not None and (unfinished.poll_id, unfinished.step) == (message.poll_id, message.step)
            return unfinished if same else None
        if message.since is None and unfinished is not None:
            return unfinished
        if message.since is not None and unfinished is not None and unfinished.poll_id == message.poll_id:
            return unfinished
        since = window.start(state.watermark, now) if message.since is None else message.since
        delivery = message.delivery or self._deliveries.choose(state.watermark, now)
        sweep = self._sweep if self._sweep and source.sweeps and message.since is None else None
        return PollCheckpoint(
            poll_id=message.poll_id,
            step=0,
            since=since,
            until=now,
            delivery=delivery,
            requeue_all=message.since is not None,
            sweep_since=sweep.start(state.swept, now) if sweep else None,
        )

    def _run(
        self,
        source: Source,
        departments: Sequence[Department],
        checkpoint: PollCheckpoint,
        memory: RecordMemory,
        now: datetime,
        budget: Budget,
        progress: _Progress,
    ) -> bool:
        """The poll from its checkpoint on, records queued in chunks; True when it stopped for time."""
        chunk = progress.unsent
        resume = checkpoint.position if checkpoint.step > 0 or checkpoint.position != ListPosition() else None
        records = source.fetch(
            self._http,
            departments,
            checkpoint.since,
            checkpoint.until,
            memory.detail_check(),
            resume=resume,
            sweep_since=checkpoint.sweep_since,
            unchanged=memory.listed_unchanged,
        )
        stopped = False
        for fetched in records:
            if memory.remember(fetched):
                chunk.append(_message(source, fetched, now, checkpoint.delivery))
                progress.unsent_keys.append(source.record_key(fetched.listed or fetched.record))
            if fetched.position is not None and fetched.position != progress.position:
                # A new page: what came before it is all handled (and queued, once the chunk is sent).
                progress.send(self._queue)
                progress.position = fetched.position
            if len(chunk) >= SEND_CHUNK:
                progress.send(self._queue)
            if budget.spent():
                stopped = True
                break
            if budget.clock() >= progress.next_save:
                progress.send(self._queue)
                self._watermarks.put(source.name, memory.checkpoint_state(progress.checkpoint(checkpoint.step)))
                progress.next_save = budget.clock() + CHECKPOINT_EVERY_SECONDS
        progress.send(self._queue)
        return stopped

    def _save_progress(
        self, source: Source, memory: RecordMemory, progress: _Progress, checkpoint: PollCheckpoint
    ) -> None:
        """A failed poll keeps what it queued: its progress is saved (if the state table answers) for the next
        scheduled poll to resume."""
        try:  # the records completed before the failure are queued, or forgotten (the resumed poll reads them again)
            progress.send(self._queue)
        except Exception:
            logger.exception("records of a failed poll not queued", extra={"source": source.name})
            memory.forget(progress.unsent_keys)
        if progress.queued == 0 and memory.unchanged == 0:
            return
        try:
            self._watermarks.put(source.name, memory.checkpoint_state(progress.checkpoint(checkpoint.step)))
        except Exception:  # the poll already failed: its watermark stays, and the next poll reads again
            logger.exception("progress of a failed poll not saved", extra={"source": source.name})

    @staticmethod
    def _report(
        source: Source,
        checkpoint: PollCheckpoint,
        memory: RecordMemory,
        progress: _Progress,
        state: SourceState,
        continuation: PollMessage | None,
        error: str | None = None,
        unreachable_host: str | None = None,
    ) -> SourceReport:
        return SourceReport(
            source=source.name,
            since=checkpoint.since,
            queued=progress.queued,
            unchanged=memory.unchanged,
            error=error,
            unreachable_host=unreachable_host,
            last_success=state.watermark,
            delivery=checkpoint.delivery,
            complete=False,
            continuation=continuation,
        )


@dataclass
class _Progress:
    """How far one invocation of a poll has come."""

    started: PollCheckpoint
    next_save: float
    position: ListPosition | None = None
    queued: int = 0
    unsent: list[RawRecordMessage] = field(default_factory=list)
    """Records to queue, not sent yet (the chunk)."""
    unsent_keys: list[str] = field(default_factory=list)
    """Their record keys: a poll that fails forgets them before saving its progress."""

    def send(self, queue: RawRecordQueue) -> None:
        self.queued += queue.send(self.unsent)
        self.unsent.clear()
        self.unsent_keys.clear()

    def checkpoint(self, step: int) -> PollCheckpoint:
        position = self.position or self.started.position
        return self.started.model_copy(update={"step": step, "request": position.request, "offset": position.offset})


def _message(source: Source, fetched: FetchedRecord, now: datetime, delivery: Delivery) -> RawRecordMessage:
    return RawRecordMessage(
        source=source.name,
        record=fetched.record,
        department=fetched.department,
        fetched_at=now,
        origin=fetched.origin,
        delivery=delivery,
        detail_missing=fetched.detail_missing and source.list_cuts_texts,  # only a parse that reads it gets it
    )


def _failure(source: Source, error: Exception) -> tuple[str, str | None]:
    """Why the source's poll failed, and the host when it could not be reached at all; logged as it deserves."""
    if isinstance(error, UpstreamUnreachableError):
        logger.error("source unreachable", extra={"source": source.name, "host": error.host, "error": str(error)})
        return str(error), error.host
    if isinstance(error, UpstreamError):
        logger.error("source failed", extra={"source": source.name, "url": error.url, "error": str(error)})
        return str(error), None
    logger.exception("source failed unexpectedly", extra={"source": source.name})
    return f"{error.__class__.__name__}: {error}", None
