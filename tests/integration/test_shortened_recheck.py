"""Texts shortened by Parliament's list, after the full text is stored (review of issue #16):

- a recheck whose detail is gone (404) while the list lists the record as before is no news: nothing is queued or
  notified, and the stored item keeps its full texts (the fetcher's record memory);
- a cut form queued anyway (a backfill, an older fetcher) is not stored over the full one it begins (the processor).

Through the local stack, as tests/integration/test_shortened_by_list.py (whose fixtures these tests share)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from infra.local.replay.written_questions import RecordedQuestions
from infra.local.stack import LocalStack
from shared.adapters.aws import aws_client
from shared.domain.raw_record import RawRecordMessage
from tests.helpers import queue_raw
from tests.integration.read_side import get
from tests.integration.test_shortened_by_list import (  # noqa: F401 (fixtures)
    ITEM,
    QUESTION_ID,
    api,
    poll,
    record,
    stack_environment,
    stack_parameters,
)


def stored_item(stack: LocalStack) -> dict[str, Any]:
    status, _, document = get(stack, f"/items/{ITEM}.json")
    assert status == 200
    return dict(json.loads(document)["item"])


def queue_cut_form(stack: LocalStack, full: dict[str, Any]) -> None:
    """The list form of the `full` record queued with its detail missing, as a fetcher that could not read it would."""
    message = RawRecordMessage(
        source="written-questions",
        record=RecordedQuestions.as_listed(full),
        fetched_at=datetime.now(UTC),
        detail_missing=True,
    )
    queue_raw(stack, [message])


def test_a_recheck_that_finds_the_detail_gone_changes_nothing(stack, api, record) -> None:  # noqa: F811 (fixtures)
    # GIVEN the question stored in full (its detail read)
    api.details = {QUESTION_ID: record}
    assert len(poll(stack)) == 1
    full = stored_item(stack)
    assert "\n\nThere are now 44 FJAAs" in full["body"]

    # WHEN a recheck (due on every poll here) finds the detail gone, the list listing it as before
    api.details = {}
    requests = len(api.detail_requests())
    assert poll(stack) == []
    assert len(api.detail_requests()) > requests, "the recheck asked for the detail"

    # THEN the stored item keeps its full texts, not flagged shortened
    assert stored_item(stack) == full
    # AND the detail back is no news either
    api.details = {QUESTION_ID: record}
    assert poll(stack) == []
    assert stored_item(stack) == full


def test_a_cut_form_queued_over_the_full_text_is_not_stored(stack, api, record) -> None:  # noqa: F811 (fixtures)
    # GIVEN the question stored in full
    api.details = {QUESTION_ID: record}
    poll(stack)
    full = stored_item(stack)

    # WHEN its list form is queued with its detail missing all the same (a backfill, or an older fetcher)
    queue_cut_form(stack, record)
    stack.drain()

    # THEN nothing is stored or told: the cut form of a stored full text is not news
    assert stack.dead_letters() == []
    assert stack.collect_deliveries() == []
    assert stored_item(stack) == full


LINKED_START = (
    '<p>The <a href="https://www.gov.uk/government/statistics/fjaa">published statistics</a> give the rates.</p>'
)


def test_a_recheck_of_an_answer_that_begins_with_a_link_changes_nothing(stack, api, record) -> None:  # noqa: F811 (fixtures)
    # GIVEN an answer beginning with a link whose label is not its URL (the detail's text shows the URL after the
    # label, the list strips the tags alone: "published statistics give"), stored in full
    linked = {**record, "answerText": LINKED_START + record["answerText"]}
    api.listed = [RecordedQuestions.as_listed(linked)]
    assert "published statistics give" in api.listed[0]["answerText"]
    api.details = {QUESTION_ID: linked}
    assert len(poll(stack)) == 1
    full = stored_item(stack)
    assert "published statistics (https://www.gov.uk/government/statistics/fjaa) give" in full["body"]

    # WHEN a recheck finds the detail gone, and the cut form is queued all the same (a backfill)
    api.details = {}
    assert poll(stack) == []
    queue_cut_form(stack, linked)
    stack.drain()

    # THEN the full texts stay stored, nothing is told
    assert stack.collect_deliveries() == []
    assert stored_item(stack) == full


def test_a_cut_form_is_not_stored_over_the_full_text_when_the_stored_hashes_cannot_be_read(stack, api, record) -> None:  # noqa: F811 (fixtures)
    # GIVEN the question stored in full
    api.details = {QUESTION_ID: record}
    poll(stack)
    full = stored_item(stack)

    # WHEN its list form is queued with its detail missing, and the processor's read of the stored hashes (an
    # optimisation it may do without) fails
    queue_cut_form(stack, record)
    failed: list[str] = []

    def fail_the_first_read(**_: Any) -> None:
        if not failed:
            failed.append("BatchGetItem")
            raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "BatchGetItem")

    client = aws_client("dynamodb")
    client.meta.events.register("before-parameter-build.dynamodb.BatchGetItem", fail_the_first_read)
    try:
        stack.drain()
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb.BatchGetItem", fail_the_first_read)

    # THEN the cut form is still told apart from the full text: nothing stored or told
    assert failed == ["BatchGetItem"]
    assert stack.dead_letters() == []
    assert stack.collect_deliveries() == []
    assert stored_item(stack) == full
