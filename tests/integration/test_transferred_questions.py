"""A question transferred to another department, on real stream records through the real handlers (moto): the
department it left is told once on its own topic ("transferred to …", its `department` attribute), the department it
went to is told once ("transferred from …"), a replay publishes nothing more, and the read side lists the question
only under the department it is in now."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.adapters.publish_ledger import ledger_key
from shared.domain.raw_record import RawRecordMessage
from shared.watching.watch import Watch
from tests.helpers import queue_raw, recorded

T0 = datetime(2024, 4, 20, 9, 0, tzinfo=UTC)
DFE, DHSC = "department-for-education", "department-of-health-and-social-care"
ORAL_ANSWER = "oral-questions/constructed_2024-04-29_2024-04-30.json"


def oral_question() -> dict[str, Any]:
    """A tabled oral question to the Department for Education (answering body 60), as the API lists it."""
    return next(r for r in recorded(ORAL_ANSWER)["Response"] if r["Id"] == 60001)


def written_question(detail_record: dict[str, Any]) -> dict[str, Any]:
    """A written question to the Department for Education (answering body 60), its real detail record."""
    assert detail_record["answeringBodyId"] == 60
    return copy.deepcopy(detail_record)


def moved_oral(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "AnsweringBodyId": 17, "AnsweringBody": "Department of Health and Social Care"}


def moved_written(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "answeringBodyId": 17, "answeringBodyName": "Department of Health and Social Care"}


CASES = {
    "oral-questions": (lambda _: oral_question(), moved_oral),
    "written-questions": (written_question, moved_written),
}


def store(stack, source: str, record: dict[str, Any], fetched_at: datetime) -> list[dict[str, Any]]:
    """The record sent as the fetcher sends it, processed, and the stream records of what was stored."""
    queue_raw(stack, [RawRecordMessage(source=source, record=record, fetched_at=fetched_at, origin="tests")])
    while stack.pump_queue(stack.queue_mapping("ProcessorFunction")):
        pass
    return [r for r in stack.read_stream(stack.stream_mappings[0]) if "item" in r["dynamodb"].get("NewImage", {})]


def ledger_status(stack, key: str) -> str | None:
    row = stack.dynamodb.get_item(
        TableName=stack.output("StateTableName"), Key={"id": {"S": key}}, ConsistentRead=True
    ).get("Item")
    return row["status"]["S"] if row else None


def timeline(stack, slug: str) -> list[str]:
    rows = stack.dynamodb.query(
        TableName=stack.output("ReadTableName"),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"dept#{slug}"}},
    )["Items"]
    return [row["item_id"]["S"] for row in rows]


@pytest.mark.parametrize("source", list(CASES))
def test_the_department_left_is_told_once_and_the_new_one_once(stack, source, detail_record):
    before_of, moved = CASES[source]
    before = before_of(detail_record)
    # GIVEN a question tabled to DfE, notified to DfE
    first = store(stack, source, before, T0)
    assert stack.invoke("NotifierFunction", {"Records": first}) == {"batchItemFailures": []}
    assert [d.department for d in stack.collect_deliveries()] == [DFE]
    item_id = json.loads(first[0]["dynamodb"]["NewImage"]["item"]["S"])["id"]
    assert item_id in timeline(stack, DFE)

    # WHEN its next version names the Department of Health and Social Care
    second = store(stack, source, moved(before), T0.replace(hour=10))
    assert stack.invoke("NotifierFunction", {"Records": second}) == {"batchItemFailures": []}

    # THEN DfE's topic gets one `transferred` message naming DHSC, with DfE's department attribute
    deliveries = stack.collect_deliveries()
    by_topic = {d.topic_arn.rsplit(":", 1)[-1].removeprefix("deptwatch-local-"): d for d in deliveries}
    assert sorted(by_topic) == [DFE, DHSC] and len(deliveries) == 2
    left = by_topic[DFE]
    assert left.attributes["department"] == DFE and left.attributes["event"] == ["transferred"]
    assert left.message["event"] == "transferred" and left.message["item"]["department"]["slug"] == DFE
    assert [d["slug"] for d in left.message["transfer"]["to_departments"]] == [DHSC]
    assert [d["slug"] for d in left.message["item"]["departments"]] == [DHSC]
    assert "Transferred to the Department of Health and Social Care" in left.email
    assert "Question to the Department of Health and Social Care:" in left.email
    assert left.subject and left.subject.startswith("Transferred")
    # AND DHSC's topic gets its `transferred` message, saying where it came from
    went = by_topic[DHSC]
    assert went.attributes["department"] == DHSC and "transferred" in went.attributes["event"]
    assert [d["slug"] for d in went.message["transfer"]["from_departments"]] == [DFE]
    assert "Transferred from the Department for Education" in went.email
    # AND the ledger records the two messages under two keys
    for slug in (DFE, DHSC):
        assert ledger_status(stack, ledger_key(item_id, 2, slug)) == "COMPLETED"
    # AND the read side lists it under DHSC only
    assert item_id in timeline(stack, DHSC) and item_id not in timeline(stack, DFE)

    # WHEN the same stream records are delivered again (a retry or replay)
    assert stack.invoke("NotifierFunction", {"Records": first + second}) == {"batchItemFailures": []}

    # THEN nothing more is published
    assert stack.collect_deliveries() == []


def test_a_watch_on_the_department_left_is_told_too(stack, detail_record):
    # GIVEN a watch on DfE and a DfE question it was told of
    stack.add_watches([Watch(name="dfe", departments=(DFE,))])
    before = written_question(detail_record)
    first = store(stack, "written-questions", before, T0)
    assert stack.invoke("NotifierFunction", {"Records": first}) == {"batchItemFailures": []}
    assert [d.watch for d in stack.collect_deliveries() if d.watch] == ["dfe"]

    # WHEN the question moves to DHSC
    second = store(stack, "written-questions", moved_written(before), T0.replace(hour=10))
    assert stack.invoke("NotifierFunction", {"Records": second}) == {"batchItemFailures": []}

    # THEN the watch gets DfE's `transferred` message, once
    to_watch = [d for d in stack.collect_deliveries() if d.watch]
    assert [(d.watch, d.message["item"]["department"]["slug"], d.message["event"]) for d in to_watch] == [
        ("dfe", DFE, "transferred")
    ]
    assert stack.invoke("NotifierFunction", {"Records": second}) == {"batchItemFailures": []}
    assert stack.collect_deliveries() == []


def test_ingest_of_two_recorded_versions_tells_each_department_once(deptwatch, detail_record, tmp_path):
    # GIVEN two recorded answers of the detail endpoint: the question to DfE, then the same question to DHSC
    before = written_question(detail_record)
    files = []
    for number, record in enumerate((before, moved_written(before), moved_written(before)), start=1):
        path = tmp_path / f"{number}.json"
        path.write_text(json.dumps({"value": record}), encoding="utf-8")
        files.append(str(path))

    # WHEN `deptwatch ingest` runs them through the local stack in order (the third is the second seen again)
    code, out, err = deptwatch("ingest", "--json", "--source", "written-questions", *files)

    # THEN DfE hears of it twice (tabled, then transferred to DHSC), DHSC once (transferred from DfE)
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    seen = sorted((line["message"]["item"]["version"], line["department"], line["message"]["event"]) for line in lines)
    assert seen == [(1, DFE, "new"), (2, DFE, "transferred"), (2, DHSC, "transferred")]
    left = next(line for line in lines if line["department"] == DFE and line["message"]["item"]["version"] == 2)
    assert "Transferred to the Department of Health and Social Care" in left["email"]
