"""The notifier publishing to immediate watches' topics on real stream records, with the publish ledger: a replayed
record publishes nothing again, to a watch as to a department."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.watching.watch import Watch

T0 = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)


def ledger_status(stack, key: str) -> str | None:
    row = stack.dynamodb.get_item(
        TableName=stack.output("StateTableName"), Key={"id": {"S": key}}, ConsistentRead=True
    ).get("Item")
    return row["status"]["S"] if row else None


def test_a_matching_version_is_published_to_the_watch_once(stack, enqueue, detail_record, list_records):
    # GIVEN an immediate watch on the Department for Education, a digest watch, and stored items of several
    stack.add_watches(
        [
            Watch(name="dfe", departments=("department-for-education",)),
            Watch(name="dfe-daily", departments=("department-for-education",), frequency="daily"),
        ]
    )
    enqueue([detail_record, *list_records[:3]], fetched_at=T0)
    while stack.pump_queue(stack.queue_mapping("ProcessorFunction")):
        pass
    records = stack.read_stream(stack.stream_mappings[0])

    # WHEN the notifier gets their stream records
    assert stack.invoke("NotifierFunction", {"Records": records}) == {"batchItemFailures": []}

    # THEN the one DfE question went to the watch's topic once, beside its department's, and the ledger says so
    to_watches = [d for d in stack.collect_deliveries() if d.watch]
    assert [(d.watch, d.message["item"]["id"]) for d in to_watches] == [("dfe", "written-questions:1679416")]
    assert to_watches[0].topic_arn.endswith(":deptwatch-local-watch-dfe")
    assert ledger_status(stack, "published#written-questions:1679416#v1#watch:dfe") == "COMPLETED"
    assert ledger_status(stack, "published#written-questions:1679416#v1#watch:dfe-daily") is None

    # WHEN the same batch is delivered again / THEN nothing is published again
    assert stack.invoke("NotifierFunction", {"Records": records}) == {"batchItemFailures": []}
    assert stack.collect_deliveries() == []
