"""The hourly detail recheck of records the list cuts, spread over the hour (shared/sources/incremental.py): each poll
rechecks one or two of the memory's parts, and every record is still read again within the period."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.sources.incremental import MEMORY_SHARDS, FetchedRecord, RecordMemory, SourceState, recheck_due, shard_of

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
POLL = timedelta(minutes=5)


class Identity:
    def record_key(self, record: dict[str, Any]) -> str:
        return str(record["id"])

    def digest(self, record: dict[str, Any]) -> str:
        return json.dumps(record, sort_keys=True)


def listing(count: int) -> list[dict[str, Any]]:
    return [{"id": 1_700_000 + n, "answerText": f"cut answer {n}..."} for n in range(count)]


def one_poll(
    state: SourceState, records: list[dict[str, Any]], now: datetime, recheck: timedelta = HOUR
) -> tuple[SourceState, list[str]]:
    """A poll as the fetcher runs it over a list that cuts every record: the detail of each record that is not known
    is read (here it is the listed form itself); returns the state saved and the keys whose detail was read."""
    memory = RecordMemory(Identity(), state, now, recheck, requeue_all=False)
    read: list[str] = []
    for record in records:
        if memory.known(record):
            memory.remember(FetchedRecord(record, listed=record, known=True))
        else:
            read.append(str(record["id"]))
            memory.remember(FetchedRecord(dict(record), listed=record))
    return memory.next_state(now - timedelta(days=3)) or state, read


def test_after_a_backfill_each_poll_rechecks_one_or_two_parts_of_the_window_not_all_in_one():
    # GIVEN 2,400 cut records whose details were all read together by one poll (a backfill, a first poll)
    records = listing(2_400)
    state, first = one_poll(SourceState(), records, T0)
    assert len(first) == 2_400

    # WHEN the schedule polls every 5 minutes for the next two hours, nothing changing upstream
    per_poll = []
    for number in range(1, 25):
        before = state
        state, read = one_poll(state, records, T0 + number * POLL)
        per_poll.append(len(read))
        # THEN each poll rechecks the records of at most two of the memory's 16 parts, and rewrites only those parts
        # (a part is one state item: rewriting all 16 every poll would cost 12 times the writes of an hourly recheck)
        assert len({shard_of(key) for key in read}) <= 2
        changed = {shard_of(key) for key, entry in state.seen.items() if before.seen.get(key) != entry}
        assert changed <= {shard_of(key) for key in read}

    # AND no poll rechecks more than two parts' worth (2/16 of the window, with the hash's unevenness), none the whole
    part = 2_400 / MEMORY_SHARDS
    assert max(per_poll) <= 2 * 1.3 * part, per_poll
    # AND each record was rechecked exactly once per hour: 2 hours, 2 rechecks each
    assert sum(per_poll) == 2 * 2_400


def test_every_record_is_read_again_within_the_period_plus_one_poll():
    # GIVEN 600 cut records, first read at different polls (they appear upstream over the first hour)
    records = listing(600)
    last_read = {}
    state = SourceState()
    longest = timedelta(0)
    # WHEN the schedule polls every 5 minutes for 5 hours
    for number in range(60):
        now = T0 + number * POLL
        shown = records[: min(600, 50 * (number + 1))]
        state, read = one_poll(state, shown, now)
        for key in read:
            if key in last_read:
                longest = max(longest, now - last_read[key])
            last_read[key] = now
        # THEN no record listed now goes unread for a period or more
        overdue = [key for key in (str(r["id"]) for r in shown) if now - last_read[key] >= HOUR + POLL]
        assert overdue == [], f"poll {number}: {len(overdue)} overdue"
    assert HOUR - POLL <= longest <= HOUR


def test_a_record_whose_detail_was_last_read_a_period_ago_is_always_due():
    # GIVEN any record, last read at any second / WHEN a period or more has passed / THEN its recheck is due
    period = 3_600
    for key in (str(n) for n in range(500)):
        checked = int(T0.timestamp()) + hash(key) % 7_919
        assert recheck_due(key, checked, checked + period, period)
        assert recheck_due(key, checked, checked + 5 * period, period)
        assert not recheck_due(key, checked, checked, period)


def test_a_slot_comes_once_per_period_so_a_recheck_is_not_repeated_at_the_next_poll():
    # GIVEN records just rechecked at their slot
    records = listing(300)
    state, _ = one_poll(SourceState(), records, T0)
    rechecked_at: Counter[str] = Counter()
    for number in range(1, 13):
        state, read = one_poll(state, records, T0 + number * POLL)
        rechecked_at.update(read)
    # WHEN polls run through one whole period / THEN each record was rechecked once, never at two polls
    assert set(rechecked_at.values()) == {1}


def test_after_a_gap_longer_than_the_period_everything_is_due_at_once():
    # GIVEN records read, then no poll for three hours (a night without polls, an outage)
    records = listing(200)
    state, _ = one_poll(SourceState(), records, T0)

    # WHEN the next poll runs / THEN every record's detail is read again: each one's slot has come round
    _, read = one_poll(state, records, T0 + 3 * HOUR)
    assert len(read) == 200


@pytest.mark.parametrize("recheck", [timedelta(0), timedelta(seconds=0.5)])
def test_a_recheck_period_under_a_second_reads_every_detail_at_every_poll(recheck):
    # GIVEN DETAIL_RECHECK_MINUTES=0 (the fault tests' setting) / WHEN two polls run a second apart
    records = listing(20)
    state, _ = one_poll(SourceState(), records, T0, recheck)
    _, read = one_poll(state, records, T0 + timedelta(seconds=1), recheck)
    # THEN every detail was read again
    assert len(read) == 20


def test_a_changed_listing_is_read_whatever_its_slot():
    # GIVEN records just read / WHEN one's listed form changes a minute later
    records = listing(50)
    state, _ = one_poll(SourceState(), records, T0)
    changed = [dict(r) for r in records]
    changed[7]["answerText"] = "a corrected answer..."
    _, read = one_poll(state, changed, T0 + timedelta(minutes=1))
    # THEN its detail is read (and any other only if its slot fell in that minute)
    assert str(changed[7]["id"]) in read
    assert len(read) <= 1 + math.ceil(50 * 2 / 60) + 3
