"""Digests on the local stack: the notifier recording daily/weekly matches from real stream records, and the digester
as Lambda runs it from its schedule (the template's Input), publishing once per watch and period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.adapters.digest_store import PART_ENTRIES, DigestMatch, DigestMatchStore, day_key
from shared.watching.watch import Watch

DFE = "department-for-education"


def _stored(stack: Any, enqueue: Any, records: list[dict[str, Any]], stored_at: datetime) -> list[dict[str, Any]]:
    """The records stored by the processor; their stream records, stamped as stored at `stored_at`."""
    enqueue(records, fetched_at=stored_at)
    while stack.pump_queue(stack.queue_mapping("ProcessorFunction")):
        pass
    stack.stored_at = stored_at
    return stack.read_stream(stack.stream_mappings[0])  # type: ignore[no-any-return]


def _matches(stack: Any, watch: str, day: datetime) -> set[str]:
    row = stack.dynamodb.get_item(
        TableName=stack.output("StateTableName"), Key={"id": {"S": day_key(watch, day.strftime("%Y-%m-%d"))}}
    ).get("Item", {})
    return set(row.get("matches", {}).get("SS", []))


def test_the_scheduled_digest_publishes_each_watch_once_however_often_it_runs(
    stack: Any, enqueue: Any, detail_record: dict[str, Any], list_records: list[dict[str, Any]]
) -> None:
    # GIVEN a daily watch on the DfE, and versions stored an hour ago, notified
    stack.add_watches([Watch(name="dfe-daily", departments=(DFE,), frequency="daily")])
    records = _stored(stack, enqueue, [detail_record, *list_records[:3]], datetime.now(UTC) - timedelta(hours=1))
    assert stack.invoke("NotifierFunction", {"Records": records}) == {"batchItemFailures": []}
    stack.collect_deliveries()  # the department messages

    # WHEN the digester's schedules fire (daily and weekly, with the template's Input), and the same occurrence is
    # run again (the scheduler's retry, or a second delivery)
    stack.scheduled_at = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    stack.run_schedule("DigesterFunction")
    first = stack.collect_deliveries()
    stack.run_schedule("DigesterFunction")
    second = stack.collect_deliveries()

    # THEN the daily watch's digest was published once, with the one DfE question, and the repeat published nothing
    assert [(d.watch, d.attributes["digest"]) for d in first] == [("dfe-daily", "daily")]
    assert [item["id"] for item in first[0].message["items"]] == ["written-questions:1679416"]
    assert first[0].message["schema"] == "deptwatch.digest/1"
    assert second == []


def test_a_stream_retry_records_nothing_more(
    stack: Any, enqueue: Any, detail_record: dict[str, Any], list_records: list[dict[str, Any]]
) -> None:
    # GIVEN a daily watch matching everything, and stored versions
    stack.add_watches([Watch(name="all-daily", frequency="daily")])
    stored_at = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)
    records = _stored(stack, enqueue, [detail_record, *list_records[:3]], stored_at)
    # WHEN the notifier gets their stream records, then the same again (the stream's retry)
    stack.invoke("NotifierFunction", {"Records": records})
    recorded = _matches(stack, "all-daily", stored_at)
    stack.invoke("NotifierFunction", {"Records": records})
    # THEN each item was recorded once, at the moment its version was stored, and the retry changed nothing
    assert len(recorded) == 4
    assert {entry.partition("|")[0] for entry in recorded} == {f"{int(stored_at.timestamp()):010d}"}
    assert _matches(stack, "all-daily", stored_at) == recorded


def test_quiet_versions_are_not_recorded_and_digest_ones_are(
    stack: Any, enqueue: Any, detail_record: dict[str, Any], list_records: list[dict[str, Any]]
) -> None:
    # GIVEN a daily watch matching everything, and stored versions whose rows carry a delivery (as the `delivery`
    # work stores it): the first quiet, the second digest, the others none (notify)
    stack.add_watches([Watch(name="all-daily", frequency="daily")])
    stored_at = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)
    records = _stored(stack, enqueue, [detail_record, *list_records[:3]], stored_at)
    versions = [r["dynamodb"]["NewImage"] for r in records if "item" in r["dynamodb"].get("NewImage", {})]
    versions[0]["delivery"] = {"S": "quiet"}
    versions[1]["delivery"] = {"S": "digest"}
    quiet = versions[0]["item_id"]["S"]
    # WHEN the notifier gets them
    stack.invoke("NotifierFunction", {"Records": records})
    # THEN every version but the quiet one is recorded for the digest
    recorded = {entry.partition("|")[2] for entry in _matches(stack, "all-daily", stored_at)}
    assert len(recorded) == 3 and quiet not in recorded


def test_a_day_of_more_matches_than_one_row_holds_is_read_back_whole(stack: Any) -> None:
    # GIVEN more matches of one watch in one day than one row part takes (DynamoDB's 400 KB)
    store = DigestMatchStore(stack.dynamodb, stack.output("StateTableName"))
    day = datetime(2024, 1, 10, tzinfo=UTC)
    matches = [
        DigestMatch("busy", day + timedelta(seconds=n), f"govuk-publications:/guidance/{n:05d}")
        for n in range(PART_ENTRIES + 150)
    ]
    # WHEN they are recorded, some of them twice (a retry)
    store.record(matches)
    store.record(matches[:120])
    # THEN they went to more than one part, and the day's read finds each item once
    assert _matches(stack, "busy", day) and stack.dynamodb.get_item(
        TableName=stack.output("StateTableName"), Key={"id": {"S": day_key("busy", "2024-01-10", 1)}}
    ).get("Item")
    found = store.read("busy", day - timedelta(hours=1), day + timedelta(days=1))
    assert found == [m.item_id for m in matches]
    # AND a period reads only its own moments
    assert store.read("busy", day + timedelta(seconds=9), day + timedelta(seconds=19)) == [
        m.item_id for m in matches[10:20]
    ]
