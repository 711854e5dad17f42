"""The notifier on real stream records: a replayed record (the stream delivers at least once) publishes once."""

from __future__ import annotations

from datetime import UTC, datetime

T0 = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)


def process_queue_only(stack) -> None:
    """Run the processor until the queue is empty, leaving the stream records unread."""
    while stack.pump_queue(stack.queue_mapping("ProcessorFunction")):
        pass


def versions_in(records: list[dict]) -> list[tuple[str, str]]:
    """(item id, version) of the records that carry an item version. moto also emits a key-only INSERT before the
    real one when update_item creates an item (AWS does not): the notifier must skip it, and the tests not count it."""
    return [
        (r["dynamodb"]["NewImage"]["item_id"]["S"], r["dynamodb"]["NewImage"]["version"]["N"])
        for r in records
        if "item" in r["dynamodb"].get("NewImage", {})
    ]


def ledger_status(stack, key: str) -> str | None:
    row = stack.dynamodb.get_item(
        TableName=stack.output("StateTableName"), Key={"id": {"S": key}}, ConsistentRead=True
    ).get("Item")
    return row["status"]["S"] if row else None


def test_a_replayed_stream_record_publishes_once(stack, enqueue, list_records, detail_record):
    # GIVEN four records stored, and their stream records as Lambda would receive them
    enqueue([detail_record, *list_records[:3]], fetched_at=T0)
    process_queue_only(stack)
    records = stack.read_stream(stack.stream_mappings[0])
    assert len(versions_in(records)) == 4

    # WHEN the notifier gets them
    first = stack.invoke("NotifierFunction", {"Records": records})

    # THEN each is published once, and the ledger says so
    assert first == {"batchItemFailures": []}
    assert len(stack.collect_deliveries()) == 4
    key = "published#written-questions:1679416#v1#department-for-education"
    assert ledger_status(stack, key) == "COMPLETED"

    # WHEN the same batch is delivered again (a retry after a timeout, or a replay)
    second = stack.invoke("NotifierFunction", {"Records": records})

    # THEN nothing is published again and nothing is reported as failed
    assert second == {"batchItemFailures": []}
    assert stack.collect_deliveries() == []


def test_a_replayed_record_in_a_batch_with_a_new_one_publishes_only_the_new_one(stack, enqueue, list_records):
    # GIVEN one record already notified
    enqueue(list_records[:1], fetched_at=T0)
    process_queue_only(stack)
    mapping = stack.stream_mappings[0]
    old = stack.read_stream(mapping)
    assert stack.invoke("NotifierFunction", {"Records": old}) == {"batchItemFailures": []}
    assert len(stack.collect_deliveries()) == 1

    # WHEN a batch arrives with that record again and a new one
    enqueue(list_records[1:2], fetched_at=T0)
    process_queue_only(stack)
    new = stack.read_stream(mapping)
    result = stack.invoke("NotifierFunction", {"Records": old + new})

    # THEN only the new one is published
    assert result == {"batchItemFailures": []}
    deliveries = stack.collect_deliveries()
    assert [d.message["item"]["id"] for d in deliveries] == [f"written-questions:{list_records[1]['id']}"]
