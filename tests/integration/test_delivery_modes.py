"""Quiet and digest deliveries through the pipeline (issue #12): the processor stores the delivery of the version it
writes, the notifier publishes a quiet or digest version nowhere (neither department nor watch topics), visibly;
`deptwatch ingest --delivery` chooses it."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from infra.local.replay import RECORDED
from shared.domain.raw_record import Delivery, RawRecordMessage
from tests.helpers import queue_raw
from tests.integration.deployed import Deptwatch

QUESTIONS = RECORDED / "written-questions" / "list_2024-01-05.json"
DETAIL = RECORDED / "written-questions" / "detail_1679416.json"
ITEM_ID = "written-questions:1679416"
T0 = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)


def send(stack, record: dict[str, Any], delivery: Delivery, fetched_at: datetime = T0) -> None:
    queue_raw(
        stack,
        [
            RawRecordMessage(
                source="written-questions", record=record, fetched_at=fetched_at, origin="test", delivery=delivery
            )
        ],
    )


def row(stack, item_id: str = ITEM_ID) -> dict[str, Any]:
    return stack.dynamodb.get_item(
        TableName=stack.output("ItemsTableName"), Key={"item_id": {"S": item_id}}, ConsistentRead=True
    )["Item"]


def tabled(detail_record: dict[str, Any]) -> dict[str, Any]:
    record = copy.deepcopy(detail_record)
    record.update(answerText=None, dateAnswered=None, answeringMember=None, answeringMemberId=None)
    return record


@pytest.mark.parametrize("delivery", [Delivery.QUIET, Delivery.DIGEST])
def test_a_withheld_version_is_stored_with_its_delivery_and_published_nowhere(stack, detail_record, delivery) -> None:
    # GIVEN a watch that matches everything of the item's department
    stack.add_watches([_watch("all-dfe")])
    # WHEN a record arrives with a quiet (or digest) delivery
    send(stack, detail_record, delivery)
    stack.drain()
    # THEN it is stored, version 1, saying how it is to be delivered and when it was stored
    stored = row(stack)
    assert stored["version"]["N"] == "1"
    assert stored["delivery"]["S"] == delivery.value
    assert datetime.fromisoformat(stored["stored_at"]["S"]) > datetime.now(UTC) - timedelta(minutes=5)
    # AND nothing reached a department topic or a watch topic, and nothing was claimed in the ledger
    assert stack.collect_deliveries() == []
    assert not _ledger_keys(stack)
    # AND the local stack counted the withheld version
    assert stack.versions_stored[delivery.value] == 1


def test_a_notified_version_after_a_quiet_one_reads_as_its_change(stack, detail_record) -> None:
    # GIVEN a question stored quietly while tabled (a backfill)
    send(stack, tabled(detail_record), Delivery.QUIET)
    stack.drain()
    assert stack.collect_deliveries() == []
    # WHEN the same record comes back answered, in an ordinary poll
    send(stack, detail_record, Delivery.NOTIFY, fetched_at=T0 + timedelta(hours=1))
    stack.drain()
    # THEN version 2 is published once, as the answer to the quiet version
    deliveries = stack.collect_deliveries()
    assert [(d.message["item"]["version"], d.message["event"]) for d in deliveries] == [(2, "answered")]
    assert row(stack)["delivery"]["S"] == "notify"


def test_a_quiet_record_delivered_again_writes_nothing(stack, detail_record) -> None:
    send(stack, detail_record, Delivery.QUIET)
    stack.drain()
    first = row(stack)
    # WHEN the same record is delivered again, quiet or not
    send(stack, detail_record, Delivery.QUIET, fetched_at=T0 + timedelta(minutes=5))
    send(stack, detail_record, Delivery.NOTIFY, fetched_at=T0 + timedelta(minutes=10))
    stack.drain()
    # THEN the row is the one first written (same version, same time of storing), and nothing was published
    assert row(stack) == first
    assert stack.collect_deliveries() == []


def test_a_row_without_a_delivery_reads_as_notify(stack, detail_record) -> None:
    # GIVEN an item stored before deliveries existed: its row has no `delivery` (nor `stored_at`)
    send(stack, tabled(detail_record), Delivery.QUIET)
    stack.drain()
    stack.dynamodb.update_item(
        TableName=stack.output("ItemsTableName"),
        Key={"item_id": {"S": ITEM_ID}},
        UpdateExpression="REMOVE delivery, stored_at SET version = :two",
        ExpressionAttributeValues={":two": {"N": "2"}},
    )
    # WHEN the stream carries that version to the notifier / THEN it is published, as every version was then
    stack.drain()
    assert [d.message["item"]["version"] for d in stack.collect_deliveries()] == [2]


# --- through the command --------------------------------------------------------------------------------------------


def ingest(deptwatch: Deptwatch, *arguments: str | Path) -> tuple[int, list[dict[str, Any]], str]:
    code, out, err = deptwatch("ingest", "--json", "--source", "written-questions", *map(str, arguments))
    return code, [json.loads(line) for line in out.splitlines()], err


def test_ingest_quiet_publishes_nothing_and_says_so(deptwatch: Deptwatch, tmp_path: Path) -> None:
    watches = tmp_path / "watches.json"
    watches.write_text(json.dumps([{"name": "everything"}]), encoding="utf-8")
    code, lines, err = ingest(deptwatch, "--delivery", "quiet", "--watches", watches, QUESTIONS)
    assert code == 0, err
    assert lines == []
    count = len(json.loads(QUESTIONS.read_text(encoding="utf-8"))["results"])
    assert f"deptwatch: {count} new version(s) stored quietly, published to no topic" in err


def test_ingest_digest_publishes_nothing_one_by_one_and_says_so(deptwatch: Deptwatch) -> None:
    code, lines, err = ingest(deptwatch, "--delivery", "digest", DETAIL)
    assert (code, lines) == (0, [])
    assert "deptwatch: 1 new version(s) stored for the digest, not one by one" in err


def test_ingest_notifies_by_default(deptwatch: Deptwatch) -> None:
    code, lines, err = ingest(deptwatch, DETAIL)
    assert (code, err) == (0, "")
    assert [line["message"]["item"]["id"] for line in lines] == [ITEM_ID]


def _watch(name: str) -> Any:
    from shared.watching.watch import Watch

    return Watch(name=name, departments=["department-for-education"])


def _ledger_keys(stack) -> list[str]:
    items = stack.dynamodb.scan(TableName=stack.output("StateTableName"))["Items"]
    return [i["id"]["S"] for i in items if i["id"]["S"].startswith("published#")]
