"""Queue → processor → table → stream → notifier → department topics, with the real handlers on the local stack.

Records go in through the raw-records queue as the fetcher sends them; LocalStack turns the real SQS messages and
stream records into Lambda events; what subscribers receive is read from SQS inboxes subscribed to each topic.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

DFE = "department-for-education"
DEFRA = "department-for-environment-food-rural-affairs"
DHSC = "department-of-health-and-social-care"
MOJ = "ministry-of-justice"
HOME_OFFICE = "home-office"
MHCLG = "ministry-of-housing-communities-local-government"
FCDO = "foreign-commonwealth-development-office"

BODY_TO_DEPARTMENT = {60: DFE, 13: DEFRA, 17: DHSC, 54: MOJ, 1: HOME_OFFICE, 211: MHCLG, 208: FCDO}
"""The answering bodies in the recorded responses and the departments they must reach (211 is DLUHC, now MHCLG)."""

DETAIL_ID = "written-questions:1679416"
T0 = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)


# --- helpers ---


def expected_routing(records: list[dict[str, Any]]) -> dict[str, list[str]]:
    routing: dict[str, list[str]] = defaultdict(list)
    for record in records:
        routing[BODY_TO_DEPARTMENT[record["answeringBodyId"]]].append(f"written-questions:{record['id']}")
    return {slug: sorted(ids) for slug, ids in routing.items()}


def delivered_by_department(stack, deliveries) -> dict[str, list[str]]:
    slug_of = {arn: slug for slug, arn in stack.topic_arns().items()}
    routing: dict[str, list[str]] = defaultdict(list)
    for delivery in deliveries:
        routing[slug_of[delivery.topic_arn]].append(delivery.message["item"]["id"])
    return {slug: sorted(ids) for slug, ids in routing.items()}


def stored(stack, item_id: str) -> dict[str, Any] | None:
    row = stack.dynamodb.get_item(
        TableName=stack.output("ItemsTableName"), Key={"item_id": {"S": item_id}}, ConsistentRead=True
    ).get("Item")
    if row is None:
        return None
    return {
        "version": int(row["version"]["N"]),
        "fetched_at": row["fetched_at"]["S"],
        "item": json.loads(row["item"]["S"]),
    }


def queue_is_empty(stack, output: str = "RawRecordsQueueUrl") -> bool:
    attributes = stack.sqs.get_queue_attributes(
        QueueUrl=stack.output(output),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return attributes == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}


# --- routing and the published contract ---


def test_each_department_gets_exactly_its_records_on_its_own_topic(stack, enqueue, list_records, detail_record):
    # GIVEN the 20 real list records of six departments and the real detail record of the Department for Education
    records = [*list_records, detail_record]
    enqueue(records, fetched_at=T0)

    # WHEN the pipeline runs
    stack.drain()
    deliveries = stack.collect_deliveries()

    # THEN each department's topic got exactly its own records, once each
    assert delivered_by_department(stack, deliveries) == expected_routing(records)
    by_department = delivered_by_department(stack, deliveries)
    assert len(by_department[DEFRA]) == 10
    assert DETAIL_ID not in by_department[DEFRA]
    assert by_department[DFE] == [DETAIL_ID]
    assert len(by_department[MHCLG]) == 3  # answering body 211 (DLUHC) reaches today's MHCLG
    # AND nothing was rejected
    assert stack.dead_letters() == []
    assert queue_is_empty(stack)


def test_published_messages_carry_filterable_attributes_and_the_versioned_contract(
    stack, enqueue, list_records, detail_record
):
    # GIVEN real records of several departments
    enqueue([*list_records[:9], detail_record], fetched_at=T0)

    # WHEN the pipeline runs
    stack.drain()
    deliveries = stack.collect_deliveries()

    # THEN every message has lower-case department/source/kind/event/house attributes matching its topic
    slug_of = {arn: slug for slug, arn in stack.topic_arns().items()}
    assert len(deliveries) == 10
    for delivery in deliveries:
        assert {"department", "source", "kind", "event", "house"} <= set(delivery.attributes)
        assert all(value == value.lower() and value for value in delivery.attributes.values() if isinstance(value, str))
        assert delivery.attributes["department"] == slug_of[delivery.topic_arn]
        assert delivery.attributes["source"] == "written-questions"
        assert delivery.attributes["kind"] == "written-question"
        # (the event attribute lists every event of the version: an answered question first seen is new and answered)
        assert delivery.attributes["event"] == delivery.message["events"]
        assert delivery.attributes["event"] in (["new"], ["new", "answered"])
        assert delivery.attributes["house"] == "commons"
        # AND the message is the versioned notification contract for that department
        assert delivery.message["schema"] == "deptwatch.notification/1"
        assert delivery.message["event"] == "new"
        assert delivery.message["item"]["department"]["slug"] == slug_of[delivery.topic_arn]
        assert delivery.message["item"]["version"] == 1
        assert delivery.message.get("changes") is None
        assert delivery.message["item"]["published_at"].endswith("+00:00")
        assert delivery.subject and len(delivery.subject) <= 100 and "\n" not in delivery.subject

    # AND the Department for Education's subscribers get the plain-text email of the real answer
    dfe = next(d for d in deliveries if d.message["item"]["id"] == DETAIL_ID)
    assert dfe.message["item"]["url"] == (
        "https://questions-statements.parliament.uk/written-questions/detail/2024-01-05/7926"
    )
    assert "Question to the Department for Education:" in dfe.email
    assert "<p>" not in dfe.email and "<a " not in dfe.email
    assert "https://explore-education-statistics.service.gov.uk/find-statistics/apprenticeships-and-traineeships" in (
        dfe.email
    )


# --- versions: nothing for the unchanged, one new version for a change ---


def test_unchanged_records_seen_again_write_nothing(stack, enqueue, list_records, detail_record):
    # GIVEN records processed and notified once
    records = [*list_records[:5], detail_record]
    enqueue(records, fetched_at=T0)
    stack.drain()
    assert len(stack.collect_deliveries()) == 6

    # WHEN the same records are fetched again later
    enqueue(records, fetched_at=T0 + timedelta(hours=1))
    stack.drain()

    # THEN no item was written again (still version 1, still the first fetch) and nobody is notified
    for record in records:
        row = stored(stack, f"written-questions:{record['id']}")
        assert row is not None
        assert row["version"] == 1
        assert datetime.fromisoformat(row["fetched_at"]) == T0
    assert stack.collect_deliveries() == []
    assert queue_is_empty(stack)


ANSWERED_LATER = {"answerText": None, "dateAnswered": None, "answeringMemberId": None}


def first_state(before: dict[str, Any]) -> str:
    return "holding-answer" if before.get("answerIsHolding") else "answered"


@pytest.mark.parametrize(
    ("before", "after", "event"),
    [
        pytest.param({}, {"answerText": "EDIT"}, "updated", id="answer-edited"),
        pytest.param(ANSWERED_LATER, {}, "answered", id="tabled-then-answered"),
        pytest.param(
            {"answerIsHolding": True, "answerText": "<p>I will reply as soon as possible.</p>"},
            {},
            "answered",
            id="holding-then-answered",
        ),
        pytest.param(
            {},
            {"answerText": "EDIT", "answerIsCorrection": True, "dateAnswerCorrected": "2024-01-20T00:00:00"},
            "corrected",
            id="answer-corrected",
        ),
        pytest.param({}, {"isWithdrawn": True}, "withdrawn", id="withdrawn"),
    ],
)
def test_a_changed_record_makes_version_two_with_its_event(stack, enqueue, detail_record, before, after, event):
    # GIVEN the real record stored and notified as version 1
    edited = detail_record["answerText"].replace("There are now 44 FJAAs", "There are now 45 FJAAs")
    first = {**detail_record, **before}
    second = {**detail_record, **{k: edited if v == "EDIT" else v for k, v in after.items()}}
    enqueue([first], fetched_at=T0)
    stack.drain()
    assert [d.message["item"]["version"] for d in stack.collect_deliveries()] == [1]

    # WHEN a changed version of it is fetched later
    enqueue([second], fetched_at=T0 + timedelta(hours=1))
    stack.drain()

    # THEN the item is version 2 and its department hears of it once, with the event of the change
    row = stored(stack, DETAIL_ID)
    assert row is not None
    assert row["version"] == 2
    deliveries = stack.collect_deliveries()
    assert len(deliveries) == 1
    assert deliveries[0].attributes["department"] == DFE
    assert deliveries[0].attributes["event"] == [event]
    assert deliveries[0].message["event"] == event
    assert deliveries[0].message["item"]["version"] == 2
    # AND the message says what changed since version 1
    changes = deliveries[0].message["changes"]
    assert changes is not None
    if after.get("answerText") == "EDIT":
        assert "There are now 45 FJAAs" in deliveries[0].message["item"]["body"]
        assert "body" in changes["fields"]
        assert any('"44" became "45"' in line for line in changes["summary"])
    if event != "updated":
        assert changes["previous"]["state"] == ("tabled" if before is ANSWERED_LATER else first_state(before))


def test_an_older_fetch_never_overwrites_a_newer_version(stack, enqueue, detail_record):
    # GIVEN the edited answer stored from a fetch at 10:00
    edited = {**detail_record, "answerText": detail_record["answerText"].replace("44 FJAAs", "45 FJAAs")}
    enqueue([edited], fetched_at=T0 + timedelta(hours=1))
    stack.drain()
    stack.collect_deliveries()

    # WHEN a message from an earlier fetch (09:00, the old text) arrives late
    enqueue([detail_record], fetched_at=T0)
    stack.drain()

    # THEN it is ignored: still version 1 with the newer text, and no notification
    row = stored(stack, DETAIL_ID)
    assert row is not None
    assert row["version"] == 1
    assert "45 FJAAs" in row["item"]["body"]
    assert stack.collect_deliveries() == []


BST = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("newer_at", "older_at"),
    [
        # 10:30 UTC is newer than 11:00+01:00 (10:00 UTC), but "10:30" < "11:00" as text.
        pytest.param(T0.replace(hour=10, minute=30), T0.replace(hour=11, tzinfo=BST), id="late-bst-message"),
    ],
)
def test_an_older_fetch_with_another_offset_never_overwrites_a_newer_version(
    stack, enqueue, detail_record, newer_at, older_at
):
    # GIVEN the edited answer stored from the newer fetch
    edited = {**detail_record, "answerText": detail_record["answerText"].replace("44 FJAAs", "45 FJAAs")}
    assert older_at < newer_at
    enqueue([edited], fetched_at=newer_at)
    stack.drain()
    stack.collect_deliveries()

    # WHEN the older fetch, written with the +01:00 offset, arrives late
    enqueue([detail_record], fetched_at=older_at)
    stack.drain()

    # THEN it is ignored
    row = stored(stack, DETAIL_ID)
    assert row is not None
    assert row["version"] == 1
    assert stack.collect_deliveries() == []


def test_a_newer_fetch_is_stored_whatever_the_offset_of_the_stored_one(stack, enqueue, detail_record):
    # GIVEN the record stored from a fetch at 11:00+01:00 (10:00 UTC)
    enqueue([detail_record], fetched_at=T0.replace(hour=11, tzinfo=BST))
    stack.drain()
    stack.collect_deliveries()

    # WHEN the answer changes and is fetched at 10:30 UTC (later)
    edited = {**detail_record, "answerText": detail_record["answerText"].replace("44 FJAAs", "45 FJAAs")}
    enqueue([edited], fetched_at=T0.replace(hour=10, minute=30))
    stack.drain()

    # THEN the change is stored and notified
    row = stored(stack, DETAIL_ID)
    assert row is not None
    assert row["version"] == 2
    assert len(stack.collect_deliveries()) == 1


# --- at-least-once delivery does not mean twice ---


@pytest.mark.parametrize("together", [True, False], ids=["in-one-batch", "after-processing"])
def test_a_redelivered_sqs_message_publishes_once(stack, enqueue, detail_record, together):
    # GIVEN a message on the queue
    [body] = enqueue([detail_record], fetched_at=T0)
    if not together:
        stack.drain()

    # WHEN SQS delivers the identical body again
    stack.sqs.send_message(QueueUrl=stack.output("RawRecordsQueueUrl"), MessageBody=body)
    stack.drain()

    # THEN the department is notified once, and the item stays version 1
    deliveries = stack.collect_deliveries()
    assert [(d.attributes["department"], d.message["item"]["id"]) for d in deliveries] == [(DFE, DETAIL_ID)]
    row = stored(stack, DETAIL_ID)
    assert row is not None and row["version"] == 1
    assert queue_is_empty(stack)


# --- a bad record fails alone ---


def _without(record: dict[str, Any], field: str) -> dict[str, Any]:
    return {name: value for name, value in record.items() if name != field}


def _raw(record: dict[str, Any], **overrides: Any) -> str:
    return json.dumps(
        {"schema": "deptwatch.raw/1", "source": "written-questions", "record": record, "fetched_at": T0.isoformat()}
        | overrides
    )


@pytest.mark.parametrize(
    ("bad_body", "reason"),
    [
        pytest.param(lambda r: _raw(_without(r, "heading")), "heading", id="missing-heading"),
        pytest.param(lambda r: "{not json at all", "not a deptwatch raw-record message", id="not-json"),
        pytest.param(
            lambda r: _raw({**r, "answeringBodyId": 999_999}), "answering body 999999", id="unknown-answering-body"
        ),
        pytest.param(lambda r: _raw({**r, "dateTabled": "2024-02-30T00:00:00"}), "dateTabled", id="impossible-date"),
        pytest.param(lambda r: _raw(r, source="hansard"), "unknown source", id="unknown-source"),
        pytest.param(lambda r: _raw(r, schema="deptwatch.raw/9"), "schema", id="unknown-schema"),
        pytest.param(
            lambda r: _raw({**r, "heading": "   "}),
            "heading",
            id="blank-heading",
        ),
    ],
)
def test_a_malformed_record_fails_alone_and_goes_to_the_dead_letter_queue_with_its_reason(
    stack, enqueue, list_records, detail_record, bad_body, reason
):
    # GIVEN one batch of three good records with a bad message among them
    url = stack.output("RawRecordsQueueUrl")
    enqueue(list_records[:2], fetched_at=T0)
    bad = bad_body(detail_record)
    stack.sqs.send_message(QueueUrl=url, MessageBody=bad)
    enqueue([detail_record], fetched_at=T0)

    # WHEN the processor takes that one batch
    assert stack.pump_queue(stack.queue_mapping("ProcessorFunction"))

    # THEN the whole batch is settled: nothing comes back to the queue to be retried
    assert queue_is_empty(stack)
    # AND the good records are stored and notified
    stack.drain()
    good = [*list_records[:2], detail_record]
    assert delivered_by_department(stack, stack.collect_deliveries()) == expected_routing(good)
    for record in good:
        assert stored(stack, f"written-questions:{record['id']}") is not None
    # AND the bad one is on the dead-letter queue, as it was sent, with the reason
    [dead] = stack.dead_letters()
    assert dead["Body"] == bad
    assert reason in dead["MessageAttributes"]["reason"]["StringValue"]
    assert dead["MessageAttributes"]["error_type"]["StringValue"] == "PoisonRecord"


def test_the_processor_logs_how_old_the_newest_item_of_each_source_is(stack, enqueue, list_records, caplog):
    # GIVEN the real list records (the newest answered on 12 March 2024)
    enqueue(list_records, fetched_at=T0)
    caplog.clear()

    # WHEN the processor handles them
    stack.drain()

    # THEN it logs the freshness of the source, the age of the newest item it saw, with the batch's outcomes: one
    # line per source (issue #17: a log line for Logs Insights, not a metric per source)
    lines = [r.__dict__ for r in caplog.records if r.getMessage() == "records processed"]
    [line] = [m for m in lines if m["source"] == "written-questions"]
    newest = max(datetime.fromisoformat(r["dateAnswered"]) for r in list_records).replace(tzinfo=UTC)
    age_when_logged = (datetime.now(UTC) - newest).total_seconds()
    assert abs(line["newest_item_age_seconds"] - age_when_logged) < 120
    assert line["new"] == len(list_records)
