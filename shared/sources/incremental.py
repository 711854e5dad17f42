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


@dataclass(frozen=True)
class SourceState:
    watermark: datetime | None = None
    """When the source last completed a poll: the next one starts here, less the overlap."""
    seen: dict[str, SeenRecord] = field(default_factory=dict)
    """Record key → what was last queued of it, for the records seen within the poll window."""


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

    The slots spread the rechecks of a window over the period instead of all falling due in one poll an hour after a
    backfill read them together. A record's slot is its memory part's (`shard_of`): the records of one part are
    rechecked by the same poll, so a recheck poll changes (and the store rewrites) one or two of the 16 parts, not
    all of them, at the price of each poll rechecking 1/16 or 2/16 of the window rather than exactly its share. A slot
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
    only changes.
    """

    def __init__(
        self, source: RecordIdentity, state: SourceState, now: datetime, detail_recheck: timedelta, requeue_all: bool
    ) -> None:
        self._source = source
        self._state = state
        self._now = now
        self._stamp = int(now.timestamp())
        self._today = now.date().isoformat()
        self._detail_recheck = int(detail_recheck.total_seconds())
        self._seen_now: dict[str, SeenRecord] = {}
        self.requeue_all = requeue_all
        self.unchanged = 0
        """Records met again exactly as they were last queued: not queued again."""

    def known(self, listed: dict[str, Any]) -> bool:
        """Listed as when last queued, and its recheck not due: no need to read the detail again."""
        key = self._source.record_key(listed)
        entry = self._state.seen.get(key)
        return (
            entry is not None
            and entry.listed == self._source.digest(listed)
            and not recheck_due(key, entry.checked, self._stamp, self._detail_recheck)
        )

    def detail_check(self) -> KnownRecord | None:
        """What the source asks before reading a detail: nothing is known during an explicit backfill."""
        return None if self.requeue_all else self.known

    def remember(self, fetched: FetchedRecord) -> bool:
        """Note the record as seen now; whether it is to be queued (new, or changed since it was last queued)."""
        listed = fetched.listed or fetched.record
        key = self._source.record_key(listed)
        last = self._state.seen.get(key)
        if fetched.known and last is not None:
            self._seen_now[key] = replace(last, day=self._today)
            self.unchanged += 1
            return False
        content = self._source.digest(fetched.record)
        checked = self._stamp if fetched.listed is not None else (last.checked if last else self._stamp)
        self._seen_now[key] = SeenRecord(self._source.digest(listed), content, self._today, checked)
        if last is not None and last.content == content and not self.requeue_all:
            self.unchanged += 1
            return False
        return True

    def next_state(self, since: datetime) -> SourceState | None:
        """The state to save once every record of the poll is on the queue: the watermark advanced to now, and the
        records still in the window. None when nothing seen changed and the stored watermark is recent: idle polls
        cost no write."""
        oldest_kept = since.date().isoformat()
        merged = {**self._state.seen, **self._seen_now}
        seen = {key: entry for key, entry in merged.items() if entry.day >= oldest_kept}
        watermark = self._state.watermark
        if seen == self._state.seen and watermark is not None and self._now - watermark < WATERMARK_REFRESH:
            return None
        return SourceState(watermark=self._now, seen=seen)
