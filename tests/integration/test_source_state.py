"""The fetcher's per-source state in StateTable (shared/adapters/source_state.py WatermarkStore), on moto.

The watermark and the memory of every record seen in the poll window must survive a window of any realistic size
(catching up after a week's outage, GOV.UK's long keys) within DynamoDB's 400 KB item, at one read per poll and
writes only for what changed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.adapters.dynamodb import DYNAMODB_ITEM_LIMIT
from shared.adapters.source_state import SEEN_SHARDS, WatermarkStore
from shared.sources.incremental import SeenRecord, SourceState

SOURCE = "govuk-publications"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def govuk_key(number: int) -> str:
    """A record key as long as GOV.UK's base paths are."""
    return f"/government/publications/school-funding-allocations-and-statistics-for-the-year-{number:06d}"


def seen(count: int, day: str = "2026-11-26", key: Any = govuk_key) -> dict[str, SeenRecord]:
    return {key(n): SeenRecord(f"{n:020x}", f"{n + 1:020x}", day, 1_764_200_000 + n) for n in range(count)}


@pytest.fixture
def store(stack) -> WatermarkStore:
    return WatermarkStore(stack.dynamodb, stack.output("StateTableName"))


@pytest.fixture
def calls(stack) -> Iterator[Counter[str]]:
    """Operation name → how many state requests (BatchWriteItem counted per item written)."""
    counts: Counter[str] = Counter()

    def count(model: Any, params: dict[str, Any], **_: Any) -> None:
        counts[model.name] += 1
        for writes in params.get("RequestItems", {}).values():
            if isinstance(writes, list):
                counts["items written"] += len(writes)

    stack.dynamodb.meta.events.register("before-parameter-build.dynamodb", count)
    yield counts
    stack.dynamodb.meta.events.unregister("before-parameter-build.dynamodb", count)


def stored_rows(stack) -> dict[str, dict[str, Any]]:
    rows = stack.dynamodb.scan(TableName=stack.output("StateTableName"), ConsistentRead=True)["Items"]
    return {row["id"]["S"]: row for row in rows if row["id"]["S"].endswith(SOURCE) or f"#{SOURCE}#" in row["id"]["S"]}


def test_a_window_far_beyond_one_item_is_remembered_whole_in_items_within_the_limit(stack, store, calls):
    # GIVEN a window of 25,000 GOV.UK records (~3.5 MB of memory: nine times what one item may hold)
    state = SourceState(watermark=NOW, seen=seen(25_000))

    # WHEN it is saved and read back
    store.put(SOURCE, state)
    read = store.get(SOURCE)

    # THEN every record is remembered as it was, and the watermark too
    assert read == state
    # AND every stored item is within DynamoDB's item limit
    for row_id, row in stored_rows(stack).items():
        size = sum(len(name.encode()) + len(value.get("S", "").encode()) for name, value in row.items())
        assert size < DYNAMODB_ITEM_LIMIT, row_id
    # AND it took one read, and one batch of shard writes plus the watermark
    assert calls["BatchGetItem"] == 1
    assert calls["BatchWriteItem"] == 1 and calls["items written"] == SEEN_SHARDS
    assert calls["PutItem"] == 1


def test_a_poll_writes_only_the_shard_whose_records_changed(store, calls):
    # GIVEN a saved window of 1,000 records
    store.put(SOURCE, SourceState(watermark=NOW, seen=seen(1_000)))
    calls.clear()

    # WHEN the next poll reads it, one record changes, and the state is saved
    state = store.get(SOURCE)
    changed = dict(state.seen)
    first = govuk_key(0)
    changed[first] = SeenRecord("f" * 20, "e" * 20, "2026-11-27", 1_764_300_000)
    store.put(SOURCE, SourceState(watermark=NOW, seen=changed))

    # THEN one item of memory was written, then the watermark
    assert calls["BatchWriteItem"] == 1 and calls["items written"] == 1
    assert calls["PutItem"] == 1
    assert store.get(SOURCE).seen == changed


def test_the_memory_kept_in_the_watermark_item_before_the_shards_is_read_then_moved(stack, store):
    # GIVEN state written before the memory was sharded: everything in the watermark item
    legacy = {govuk_key(n): [f"{n:020x}", f"{n:020x}", "2026-11-26", 1_764_200_000] for n in range(300)}
    table = stack.output("StateTableName")
    stack.dynamodb.put_item(
        TableName=table,
        Item={
            "id": {"S": f"watermark#{SOURCE}"},
            "value": {"S": NOW.isoformat()},
            "seen": {"S": json.dumps(legacy)},
        },
    )

    # WHEN the first poll after the upgrade reads it
    state = store.get(SOURCE)

    # THEN nothing is forgotten (forgetting would re-queue, and re-read the details of, the whole window)
    assert state.watermark == NOW
    assert state.seen == {key: SeenRecord(*entry) for key, entry in legacy.items()}

    # WHEN it saves the state
    store.put(SOURCE, state)

    # THEN the memory has moved to the shards and the watermark item holds the watermark only
    rows = stored_rows(stack)
    assert set(rows[f"watermark#{SOURCE}"]) == {"id", "value"}
    assert store.get(SOURCE) == state


def test_a_shard_over_its_budget_forgets_the_oldest_days_first_and_the_poll_goes_on(stack):
    # GIVEN one shard with room for about 40 records (3,000 bytes), and 30 records seen on each of three days
    store = WatermarkStore(stack.dynamodb, stack.output("StateTableName"), shards=1, budget=3_000)
    records = {
        **seen(30, "2026-11-25", key=lambda n: f"/old/{n}"),
        **seen(30, "2026-11-26", key=lambda n: f"/middle/{n}"),
        **seen(30, "2026-11-27", key=lambda n: f"/new/{n}"),
    }

    # WHEN the state is saved
    store.put(SOURCE, SourceState(watermark=NOW, seen=records))

    # THEN the stored memory fits the budget, and what is kept is the newest days: all of the last day, part of the
    # day before, none of the oldest
    stored = stack.dynamodb.get_item(
        TableName=stack.output("StateTableName"), Key={"id": {"S": f"seen#{SOURCE}#0"}}, ConsistentRead=True
    )["Item"]["seen"]["S"]
    assert len(stored.encode()) <= 3_000
    kept = store.get(SOURCE).seen
    days = Counter(entry.day for entry in kept.values())
    assert days["2026-11-27"] == 30
    assert 0 < days["2026-11-26"] < 30
    assert days["2026-11-25"] == 0
    assert all(kept[key] == records[key] for key in kept)
