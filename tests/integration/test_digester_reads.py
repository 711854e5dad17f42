"""The digester reads the latest items once per run, for every watch: watches matching the same items cost no more
item reads than one (it used to read them once per watch)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.adapters import items_store
from shared.adapters.dynamodb import batch_get
from shared.watching.watch import Watch

WATCHES = 5


def test_item_reads_do_not_grow_with_the_watches_matching_the_same_items(
    stack: Any,
    enqueue: Any,
    detail_record: dict[str, Any],
    list_records: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN five daily watches matching every item, and four versions stored an hour ago, notified
    stack.add_watches([Watch(name=f"all-daily-{n}", frequency="daily") for n in range(WATCHES)])
    enqueue([detail_record, *list_records[:3]], fetched_at=datetime.now(UTC) - timedelta(hours=1))
    while stack.pump_queue(stack.queue_mapping("ProcessorFunction")):
        pass
    stack.stored_at = datetime.now(UTC) - timedelta(hours=1)
    records = stack.read_stream(stack.stream_mappings[0])
    assert stack.invoke("NotifierFunction", {"Records": records}) == {"batchItemFailures": []}
    stack.collect_deliveries()
    # (the items table's reads counted where ItemStore makes them: one BatchGetItem each, of up to 100 keys)
    item_reads: list[int] = []

    def counted(client: Any, table: str, request: dict[str, Any], **kwargs: Any) -> Any:
        if table == stack.output("ItemsTableName"):
            item_reads.append(len(request["Keys"]))
        return batch_get(client, table, request, **kwargs)

    monkeypatch.setattr(items_store, "batch_get", counted)

    # WHEN the digester's schedules fire
    stack.scheduled_at = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    stack.run_schedule("DigesterFunction")

    # THEN every watch's digest was published with the four items, read in one BatchGetItem of the four
    digests = stack.collect_deliveries()
    assert sorted(d.watch for d in digests) == [f"all-daily-{n}" for n in range(WATCHES)]
    assert {len(d.message["items"]) for d in digests} == {4}
    assert item_reads == [4]
