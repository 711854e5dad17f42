"""The fetcher's logic: poll each source incrementally, queue its raw records, then advance its watermark."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from shared.adapters.http import UpstreamClient, UpstreamError, UpstreamUnreachableError
from shared.adapters.source_state import WatermarkStore
from shared.adapters.sqs import RawRecordQueue
from shared.domain.departments import Department
from shared.domain.raw_record import RawRecordMessage
from shared.observability import logger
from shared.sources.base import Source
from shared.sources.incremental import FetchedRecord, RecordMemory

SEND_CHUNK = 100
"""Records are queued as they are fetched, in chunks, rather than all held until the end."""
DETAIL_RECHECK = timedelta(hours=1)
"""A record whose listed form is unchanged has its detail read again at least this often (edits beyond the cut)."""


class PollRequest(BaseModel):
    """The fetcher's event: EventBridge's "Scheduled Event", or a manual invoke asking for a backfill."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    since: datetime | None = None
    """Read from this time (naive: London) instead of the watermark, e.g. {"since": "2026-01-01"}."""


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
        }


def oldest_success_age(reports: Sequence[SourceReport], now: datetime) -> float | None:
    """Seconds since the source that has gone longest without a complete poll last completed one (staleness)."""
    ages = [(now - r.last_success).total_seconds() for r in reports if r.last_success]
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
    listed form changed, and at least every `detail_recheck` otherwise (an edit beyond the cut changes no listed field).
    A backfill asked for explicitly (`since`) re-queues everything; the processor still writes only changes.
    """

    def __init__(
        self,
        http: UpstreamClient,
        queue: RawRecordQueue,
        watermarks: WatermarkStore,
        detail_recheck: timedelta = DETAIL_RECHECK,
    ) -> None:
        self._http = http
        self._queue = queue
        self._watermarks = watermarks
        self._detail_recheck = detail_recheck

    def poll(
        self, sources: Sequence[Source], departments: Sequence[Department], window: PollWindow, now: datetime
    ) -> list[SourceReport]:
        """Every source in turn; one that fails is reported and keeps its watermark, and the others go on."""
        return [self._poll_source(source, departments, window, now) for source in sources]

    def _poll_source(
        self, source: Source, departments: Sequence[Department], window: PollWindow, now: datetime
    ) -> SourceReport:
        state = self._watermarks.get(source.name)
        since = window.start(state.watermark, now)
        memory = RecordMemory(source, state, now, self._detail_recheck, requeue_all=window.since is not None)
        queued = 0
        try:
            chunk: list[RawRecordMessage] = []
            for fetched in source.fetch(self._http, departments, since, now, memory.detail_check()):
                if memory.remember(fetched):
                    chunk.append(_message(source, fetched, now))
                if len(chunk) >= SEND_CHUNK:
                    queued += self._queue.send(chunk)
                    chunk = []
            queued += self._queue.send(chunk)
            # Every record of the poll is on the queue: the watermark may advance.
            if (next_state := memory.next_state(since)) is not None:
                self._watermarks.put(source.name, next_state)
        except Exception as error:  # one broken source must never stop the others
            reason, unreachable_host = _failure(source, error)
            return SourceReport(
                source=source.name,
                since=since,
                queued=queued,
                unchanged=memory.unchanged,
                error=reason,
                unreachable_host=unreachable_host,
                last_success=state.watermark,
            )
        logger.info(
            "source polled",
            extra={"source": source.name, "queued": queued, "unchanged": memory.unchanged, "since": since.isoformat()},
        )
        return SourceReport(
            source=source.name, since=since, queued=queued, unchanged=memory.unchanged, last_success=now
        )


def _message(source: Source, fetched: FetchedRecord, now: datetime) -> RawRecordMessage:
    return RawRecordMessage(
        source=source.name, record=fetched.record, department=fetched.department, fetched_at=now, origin=fetched.origin
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
