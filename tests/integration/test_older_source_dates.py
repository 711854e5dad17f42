"""Every source's upstream dates are range-checked where they are read (`base.Moment`): a record dated where London time
cannot go (year 9999 with an offset west of UTC, year 1 with one east of it) fails alone, dead-lettered with the
upstream field named, while the rest of its batch is stored.

Before, the older sources read such a date as a plain datetime and moved it to London time while parsing: an
OverflowError in the processor's `_prepare` that failed the whole SQS batch, every good record with it, and sent them
all to the dead-letter queue after five receives with no reason. This drives the processor's handler as Lambda runs
it, on the moto stack built from template.yaml, with one batch per source."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.domain.raw_record import RawRecordMessage
from shared.sources import get_source
from tests.helpers import queue_raw, recorded

WEST_OF_9999 = "9999-12-31T23:00:00-05:00"
"""Year 9999 in an offset west of UTC: past datetime's last year once moved to London (or UTC) time."""
EAST_OF_YEAR_1 = "0001-01-01T00:00:00+01:00"
"""Year 1 in an offset east of UTC: before datetime's first year once moved to London time."""
NAIVE_9999 = "9999-12-31T23:59:59"
"""A naive (London) time in year 9999: no overflow, but outside the item's years all the same."""
DFE = "department-for-education"

CASES = {
    "written-questions": (
        "written-questions/detail_1679416.json",
        [
            ("dateTabled", WEST_OF_9999),
            ("dateTabled", EAST_OF_YEAR_1),
            ("dateForAnswer", WEST_OF_9999),
            ("dateAnswered", EAST_OF_YEAR_1),
            ("dateHoldingAnswer", WEST_OF_9999),
            ("dateAnswerCorrected", WEST_OF_9999),
            ("dateAnswered", NAIVE_9999),
        ],
    ),
    "written-statements": (
        "written-statements/detail_1701201.json",
        [
            ("dateMade", WEST_OF_9999),
            ("dateMade", EAST_OF_YEAR_1),
            ("dateMade", NAIVE_9999),
            ("linkDate", WEST_OF_9999),
            ("linkDate", EAST_OF_YEAR_1),
        ],
    ),
    "deposited-papers": (
        "deposited-papers/list_2024-04-17_2024-04-18.json",
        [
            ("dateDeposited", WEST_OF_9999),
            ("dateDeposited", EAST_OF_YEAR_1),
            ("dateUpdated", WEST_OF_9999),
            ("dateUpdated", EAST_OF_YEAR_1),
        ],
    ),
    "whatson-events": (
        "whatson-events/2024-04-15_list.json",
        [
            ("StartDate", WEST_OF_9999),
            ("StartDate", EAST_OF_YEAR_1),
            ("EndDate", WEST_OF_9999),
            ("CancelledDate", EAST_OF_YEAR_1),
            ("CancelledDate", NAIVE_9999),
        ],
    ),
    "govuk-publications": (
        "govuk-publications/dfe_newest_first_page_1.json",
        [
            ("public_timestamp", WEST_OF_9999),
            ("public_timestamp", EAST_OF_YEAR_1),
            ("first_published_at", WEST_OF_9999),
            ("first_published_at", NAIVE_9999),
        ],
    ),
    "committee-publications": (
        "committee-publications/real_education_2024-12-10_2024-12-17.json",
        [
            ("publicationStartDate", WEST_OF_9999),
            ("publicationStartDate", EAST_OF_YEAR_1),
            ("publicationEndDate", WEST_OF_9999),
        ],
    ),
    "oral-questions": (
        "oral-questions/constructed_2024-04-29_2024-04-30.json",
        [
            ("AnsweringWhen", WEST_OF_9999),
            ("AnsweringWhen", EAST_OF_YEAR_1),
            ("TabledWhen", WEST_OF_9999),
        ],
    ),
}


def dated(record: dict[str, Any], field: str, value: str) -> dict[str, Any]:
    """The record with one date field set (a linked statement's date: on a link to another statement)."""
    if field == "linkDate":
        return {
            **record,
            "linkedStatements": [{"linkedStatementId": 1701203, "linkType": "JointStatement", field: value}],
        }
    return {**record, field: value}


def received_batch(stack: Any) -> dict[str, Any]:
    """Every message on the raw-records queue as one batch, as Lambda's poller hands it to the processor."""
    mapping = stack.queue_mapping("ProcessorFunction")
    url = stack.output("RawRecordsQueueUrl")
    messages = stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)["Messages"]
    return {"Records": [stack.lambda_sqs_record(m, mapping.queue_arn) for m in messages]}


def stored_item(stack: Any, item_id: str) -> dict[str, Any] | None:
    return stack.dynamodb.get_item(  # type: ignore[no-any-return]
        TableName=stack.output("ItemsTableName"), Key={"item_id": {"S": item_id}}, ConsistentRead=True
    ).get("Item")


@pytest.mark.parametrize("source_name", list(CASES))
def test_a_date_london_time_cannot_hold_fails_its_record_alone_with_the_field_named(stack, source_name):
    recording, bad_dates = CASES[source_name]
    source = get_source(source_name)
    good = source.records_from_response(recorded(recording))[0]
    fetched_at = datetime.now(UTC)
    good_message = RawRecordMessage(source=source_name, record=good, fetched_at=fetched_at, department=DFE)
    item_id = source.parse(good_message).id

    # GIVEN one batch: the good record after records with one date each that London time cannot hold
    bad = [
        RawRecordMessage(source=source_name, record=dated(good, f, v), fetched_at=fetched_at, department=DFE)
        for f, v in bad_dates
    ]
    queue_raw(stack, [*bad, good_message])
    batch = received_batch(stack)
    assert len(batch["Records"]) == len(bad) + 1

    # WHEN the processor's handler takes that batch, as Lambda runs it
    response = stack.invoke("ProcessorFunction", batch)

    # THEN the batch is settled (each bad record was dead-lettered and acknowledged), the good record stored
    assert response == {"batchItemFailures": []}
    assert stored_item(stack, item_id) is not None
    # AND each bad record is on the dead-letter queue as a poison record whose reason names its upstream field
    dead = stack.dead_letters()
    reasons = [m["MessageAttributes"]["reason"]["StringValue"] for m in dead]
    assert len(dead) == len(bad), reasons
    by_body = {m["Body"]: m["MessageAttributes"] for m in dead}
    for message, (field, _) in zip(bad, bad_dates, strict=True):
        attributes = by_body[message.to_body()]
        assert attributes["error_type"]["StringValue"] == "PoisonRecord"
        assert field in attributes["reason"]["StringValue"], attributes["reason"]["StringValue"]
