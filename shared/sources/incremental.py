"""The incremental-fetch contract: what a poll yields per record, and what it remembers of each between polls.

A poll re-reads an overlap before its watermark (the APIs lag), so most records it meets were queued before. The
memory keeps, per record seen within the window, digests of its listed and queued forms: a record listed as when it
was last queued needs no detail request (until its recheck is due: an edit beyond the list's cut changes no listed
field), and one whose content is unchanged is not queued again. The fetcher drives it; the source-state store
persists it (shared/adapters/source_state.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.domain.raw_record import Delivery


@dataclass(frozen=True)
class ListPosition:
    """Where a poll is in its lists: the list request (in the order the source declares them) and the offset of the
    page being read. A poll stopped for time resumes by asking that page again."""

    request: int = 0
    offset: int = 0


@dataclass(frozen=True)
class FetchedRecord:
    record: dict[str, Any]
    department: str | None = None
    """The department the query was for, for records that do not name their department."""
    origin: str | None = None
    listed: dict[str, Any] | None = None
    """The record as the list endpoint gave it, for a source whose list cuts records (whether or not it was
    completed this time): its detail was read, or found unneeded, now."""
    known: bool = False
    """Listed exactly as when it was last queued: not completed, and not to be queued again."""
    detail_missing: bool = False
    """Its detail endpoint did not have it (404): `record` is the list's form (queued flagged only by a source whose
    list cuts texts, `Source.list_cuts_texts`)."""
    position: ListPosition | None = None
    """Where its page is in the poll's lists (None: a source whose lists are a conversation, read from the start)."""


KnownRecord = Callable[[dict[str, Any]], bool]
"""Whether a listed record is known well enough that its detail need not be read again."""


@dataclass(frozen=True)
class SeenRecord:
    """What the fetcher last queued of one upstream record."""

    listed: str
    """Digest of the record as the list endpoint gave it."""
    content: str
    """Digest of the record as queued (completed from its detail endpoint where the list cuts it)."""
    day: str
    """The day it was last seen (ISO date): records out of the poll window are forgotten."""
    checked: int
    """When its detail endpoint was last read (epoch seconds)."""
    poll: str = ""
    """The unfinished poll that handled it (its id), so that the poll, resumed, neither reads nor queues it again;
    cleared when the poll completes."""


class PollCheckpoint(BaseModel):
    """A poll stopped for time, saved in its source's state: the next invocation resumes it from here.

    The window is fixed when the poll starts (`until`): a poll of many invocations reads one window, and the watermark
    advances to `until` only when the whole poll completes. `step` counts the invocations: a continuation message
    names the step it continues, so a stale one (its step taken by another message) does nothing.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    poll_id: str = Field(min_length=1, max_length=80)
    step: int = Field(ge=0)
    since: AwareDatetime
    until: AwareDatetime
    delivery: Delivery
    requeue_all: bool = False
    request: int = Field(default=0, ge=0)
    """The list request reached (ListPosition)."""
    offset: int = Field(default=0, ge=0)
    """The offset of the page reached within it."""
    sweep_since: AwareDatetime | None = None
    """The poll also runs its source's daily sweep, of records dated from here to `since`."""

    @property
    def position(self) -> ListPosition:
        return ListPosition(self.request, self.offset)


@dataclass(frozen=True)
class SourceState:
    watermark: datetime | None = None
    """When the source last completed a poll: the next one starts here, less the overlap."""
    seen: dict[str, SeenRecord] = field(default_factory=dict)
    """Record key → what was last queued of it, for the records seen within the poll window."""
    checkpoint: PollCheckpoint | None = None
    """The unfinished poll to resume, if any."""
    completed_poll: str = ""
    """The id of the last poll that completed: a poll message delivered again after it is not run again."""
    swept: str = ""
    """The day (London, ISO date) of the last completed sweep: the next is due the next day."""


class RecordIdentity(Protocol):
    """What the memory needs of a source: a record's stable key and a digest of its content."""

    def record_key(self, record: dict[str, Any]) -> str: ...

    def digest(self, record: dict[str, Any]) -> str: ...


MEMORY_SHARDS = 16
"""The record memory of one source is kept in this many parts, by a hash of the record key (`shard_of`): the store
writes only the parts that changed (shared/adapters/source_state.py), and the recheck goes part by part."""


def shard_of(key: str, shards: int = MEMORY_SHARDS) -> int:
    """The part of the memory a record key belongs to."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest()) % shards


def recheck_due(key: str, checked: int, now: int, period: int) -> bool:
    """Whether a record's detail is due to be read again: once its slot in the period has come round since it was last
    read (`checked`, `now`: epoch seconds).

    The slots spread the rechecks of a window over the period instead of all falling due in one poll a period after a
    backfill read them together. A record's slot is its memory part's (`shard_of`): the records of one part are
    rechecked by the same poll, so a recheck poll changes (and the store rewrites) one of the 16 parts, not all of
    them (slots come period / 16 apart: 675 s at the 180-minute default, more than the 5 minutes between polls), at
    the price of a poll rechecking a whole part (1/16 of the window) or none rather than its share. A slot
    comes once per period, so a record is read again at the first poll at least one period after it was last read, at
    the latest, and once per period for its recheck (a detail read for a changed listing does not move its slot).
    """
    if period <= 0:
        return True
    phase = shard_of(key) * period // MEMORY_SHARDS
    return (now - phase) // period > (checked - phase) // period


WATERMARK_REFRESH = timedelta(hours=1)
"""An idle poll leaves the stored watermark alone until it is this old (the window start moves at least hourly)."""


class RecordMemory:
    """One source's poll: what it knew of each record before, and what it learns now.

    `requeue_all` (an explicit backfill) queues every record whatever was queued before; the processor still writes
    only changes. `poll_id` marks what this poll handled, so that, stopped for time and resumed, it neither reads nor
    queues a record twice. `recheck_budget`: at most this many details read again for a recheck alone per poll (the
    others stay due, for the next polls): a busy window's recheck never costs one poll more than its budget.
    """

    def __init__(
        self,
        source: RecordIdentity,
        state: SourceState,
        now: datetime,
        detail_recheck: timedelta,
        requeue_all: bool,
        poll_id: str = "",
        recheck_budget: int | None = None,
    ) -> None:
        self._source = source
        self._state = state
        self._now = now
        self._stamp = int(now.timestamp())
        self._today = now.date().isoformat()
        self._detail_recheck = int(detail_recheck.total_seconds())
        self._seen_now: dict[str, SeenRecord] = {}
        self._poll_id = poll_id
        self._recheck_budget = recheck_budget
        self.requeue_all = requeue_all
        self.unchanged = 0
        """Records met again exactly as they were last queued: not queued again."""
        self.rechecks = 0
        """Details read again for their recheck alone (listed unchanged)."""

    def handled(self, listed: dict[str, Any]) -> bool:
        """Already handled by this poll before it was stopped for time and resumed."""
        entry = self._state.seen.get(self._source.record_key(listed))
        return bool(self._poll_id) and entry is not None and entry.poll == self._poll_id

    def known(self, listed: dict[str, Any]) -> bool:
        """Listed as when last queued, and its recheck not due (or the poll's recheck budget spent): no need to read
        the detail again."""
        key = self._source.record_key(listed)
        entry = self._state.seen.get(key)
        if entry is None or entry.listed != self._source.digest(listed):
            return False
        if entry.poll and entry.poll == self._poll_id:
            return True
        if not recheck_due(key, entry.checked, self._stamp, self._detail_recheck):
            return True
        if self._recheck_budget is not None and self.rechecks >= self._recheck_budget:
            return True  # stays due: a later poll reads it
        self.rechecks += 1
        return False

    def listed_unchanged(self, listed: dict[str, Any]) -> bool:
        """Listed as when last queued (or handled by this poll already): the sweep's test, with no recheck."""
        entry = self._state.seen.get(self._source.record_key(listed))
        return entry is not None and (entry.listed == self._source.digest(listed) or self.handled(listed))

    def detail_check(self) -> KnownRecord | None:
        """What the source asks before reading a detail: during an explicit backfill, only what this poll handled
        before it was resumed is known."""
        if self.requeue_all:
            return self.handled if self._poll_id else None
        return self.known

    def remember(self, fetched: FetchedRecord) -> bool:
        """Note the record as seen now; whether it is to be queued (new, or changed since it was last queued)."""
        listed = fetched.listed or fetched.record
        key = self._source.record_key(listed)
        last = self._state.seen.get(key)
        if last is not None and (fetched.known or self.handled(listed)):
            self._seen_now[key] = replace(last, day=self._today, poll=self._poll_id)
            self.unchanged += 1
            return False
        listed_digest = self._source.digest(listed)
        if fetched.detail_missing and last is not None and last.listed == listed_digest and not self.requeue_all:
            # Its detail gone on a recheck, listed as when last queued: the list's cut of what was queued, no news
            # (queued, its digest unlike the full record's would replace the full texts). Checked now: not re-read
            # on every poll.
            self._seen_now[key] = replace(last, day=self._today, checked=self._stamp, poll=self._poll_id)
            self.unchanged += 1
            return False
        content = self._source.digest(fetched.record)
        checked = self._stamp if fetched.listed is not None else (last.checked if last else self._stamp)
        self._seen_now[key] = SeenRecord(listed_digest, content, self._today, checked, self._poll_id)
        if last is not None and last.content == content and not self.requeue_all:
            self.unchanged += 1
            return False
        return True

    def forget(self, keys: list[str]) -> None:
        """Unlearn what this poll noted of these records (they did not reach the queue): as if not met."""
        for key in keys:
            self._seen_now.pop(key, None)

    def next_state(
        self, since: datetime, until: datetime | None = None, completed_poll: str = "", swept: str = ""
    ) -> SourceState | None:
        """The state to save once every record of the poll is on the queue: the watermark advanced to the poll's end
        (`until`, by default now), and the records still in the window. None when nothing seen changed and the
        stored watermark is recent: idle polls cost no write. `swept`: the day of the sweep the poll ran."""
        oldest_kept = since.date().isoformat()
        merged = {**self._state.seen, **self._seen_now}
        seen = {key: replace(entry, poll="") for key, entry in merged.items() if entry.day >= oldest_kept}
        watermark = self._state.watermark
        if (
            seen == self._state.seen
            and self._state.checkpoint is None
            and not completed_poll
            and swept in ("", self._state.swept)
            and watermark is not None
            and self._now - watermark < WATERMARK_REFRESH
        ):
            return None
        return SourceState(
            watermark=until or self._now, seen=seen, completed_poll=completed_poll, swept=swept or self._state.swept
        )

    def checkpoint_state(self, checkpoint: PollCheckpoint) -> SourceState:
        """The state to save when the poll stops for time: the watermark unmoved, everything seen so far (marked as
        this poll's), and where to resume."""
        merged = {**self._state.seen, **self._seen_now}
        return SourceState(
            watermark=self._state.watermark,
            seen=merged,
            checkpoint=checkpoint,
            completed_poll=self._state.completed_poll,
            swept=self._state.swept,
        )
