"""Polls as messages: the poll queue's contract, what a schedule or a backfill request dispatches, and the delivery a
new poll chooses.

The schedule (or a manual backfill) invokes the fetcher, which sends one `PollMessage` per source to the FIFO poll
queue, in the message group of the source's upstream host: SQS hands a group's messages to one consumer at a time, in
order, so polls of one host never overlap (the client's per-host pace is the deployment's), while the event-source
mapping runs different hosts' groups in parallel (its MaximumConcurrency). A poll that runs out of time checkpoints
and sends its continuation to the same group (shared/pipeline/fetching.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.domain.poll_message import PollMessage
from shared.domain.raw_record import Delivery
from shared.domain.timeutil import LONDON, london_date
from shared.sources.incremental import PollCheckpoint, SourceState


@dataclass(frozen=True)
class DeliveryPolicy:
    """The delivery of a poll nobody chose one for: a source's first poll (no watermark) is a backfill; a poll
    whose watermark is older than `catch_up_after` is catching up after an outage; any other is the usual one."""

    first_poll: Delivery = Delivery.QUIET
    catch_up: Delivery = Delivery.NOTIFY
    catch_up_after: timedelta = timedelta(hours=72)

    def choose(self, watermark: datetime | None, now: datetime) -> Delivery:
        if watermark is None:
            return self.first_poll
        if now - watermark > self.catch_up_after:
            return self.catch_up
        return Delivery.NOTIFY


@dataclass(frozen=True)
class SweepPolicy:
    """When a source's scheduled poll also runs its daily sweep (`Source.sweep_requests`): the first poll at or after
    `hour` (London) on a day with no completed sweep yet; over the records dated up to `age` before it.

    Issue #12: a question withdrawn or given a holding answer weeks after it was tabled changes no date the API
    filters on, so the poll's windows never list it again. A sweep in the scheduled poll costs no resource, no
    invocation and no message of its own: its list requests follow the poll's, paged, resumed and remembered alike.
    """

    hour: int = 6
    age: timedelta = timedelta(days=60)

    def start(self, swept: str, now: datetime) -> datetime | None:
        """Where a poll starting `now` sweeps from, or None when no sweep is due (`swept`: the last one's day)."""
        if self.age <= timedelta(0):
            return None
        today = london_date(now)
        if swept >= today.isoformat() or now.astimezone(LONDON).hour < self.hour:
            return None
        return now - self.age

    @staticmethod
    def day(now: datetime) -> str:
        """The day a sweep run at `now` counts for."""
        return london_date(now).isoformat()


POLL_DUE_SLACK = timedelta(minutes=2, seconds=30)
"""Half the default schedule's interval: a source polled every hour runs on the 12th five-minute schedule after its
last poll, not the 13th, whatever the jitter of the schedule and of the poll's start."""


def always_due(every: timedelta, message: PollMessage) -> bool:
    """Whether a poll message polls whatever the source's state: a source polled on every schedule, a backfill, a
    continuation (the fetcher then reads the whole state at once, not the watermark item first)."""
    return every <= timedelta(0) or message.since is not None or message.step > 0


def poll_due(every: timedelta, message: PollMessage, state: SourceState, now: datetime) -> bool:
    """Whether a scheduled poll message should poll a source that asks to be polled only `every` so often. A backfill,
    a continuation, an unfinished poll and a source never polled are always due."""
    if always_due(every, message) or state.checkpoint is not None:
        return True
    return state.watermark is None or now - state.watermark >= every - POLL_DUE_SLACK


def poll_id(source: str, occasion: str) -> str:
    """A short poll id (it marks every record the poll handles in the source's memory): the source and a digest of
    what asked for it (the schedule's time, the backfill's request)."""
    return f"{hashlib.blake2b(f'{source}#{occasion}'.encode(), digest_size=6).hexdigest()}"


def dispatched(
    sources: Sequence[tuple[str, str]], occasion: str, since: datetime | None, delivery: Delivery | None
) -> list[PollMessage]:
    """One poll message per (source name, poll group), for one occasion (a scheduled time, a request id)."""
    return [
        PollMessage(source=name, poll_id=poll_id(name, occasion), since=since, delivery=delivery, group=group)
        for name, group in sources
    ]


def continuation_of(source: str, group: str, checkpoint: PollCheckpoint) -> PollMessage:
    """The message that resumes a poll stopped for time at its checkpoint."""
    return PollMessage(source=source, poll_id=checkpoint.poll_id, step=checkpoint.step, group=group)
