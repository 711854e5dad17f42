"""Issue #12: a question withdrawn, or given a holding answer, weeks after it was tabled changes no date the written
questions API filters on, so the poll's windows never list it again. The daily sweep (the first scheduled poll of a
day from SweepHour) lists the questions tabled in the last SweepDays and queues those whose listed form changed.

Through the local stack: the real fetcher on its schedule and poll queue, reading the written-questions fake over
loopback, then the processor and notifier to the department topics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest

from infra.local.replay import replay_server
from infra.local.replay.written_questions import RecordedQuestions
from shared.domain.timeutil import london_date

QUESTION_ID = 9_100_001
TODAY = london_date(datetime.now(UTC))
TABLED = TODAY - timedelta(days=20)
WATERMARK = {"id": {"S": "watermark#written-questions"}}


def question(**changes: Any) -> dict[str, Any]:
    """A Commons question to the DfE tabled 20 days ago, unanswered; its text longer than the list's cut."""
    return {
        "id": QUESTION_ID,
        "askingMemberId": 4253,
        "house": "Commons",
        "dateTabled": f"{TABLED.isoformat()}T00:00:00",
        "dateForAnswer": f"{(TABLED + timedelta(days=5)).isoformat()}T00:00:00",
        "uin": "91001",
        "heading": "Schools: Sweeps",
        "questionText": "To ask the Secretary of State for Education, " + "what steps she is taking " * 12 + ".",
        "answeringBodyId": 60,
        "answeringBodyName": "Department for Education",
        "isWithdrawn": False,
        "isNamedDay": False,
        "groupedQuestions": [],
        "answerIsHolding": None,
        "answerIsCorrection": None,
        "dateAnswered": None,
        "answerText": None,
        "dateHoldingAnswer": None,
        "dateAnswerCorrected": None,
        "attachments": [],
        **changes,
    }


WITHDRAWN = {"isWithdrawn": True}
HOLDING = {
    "answerIsHolding": True,
    "dateHoldingAnswer": f"{TODAY.isoformat()}T00:00:00",
    "answerText": "<p>I will reply to the hon. Member as soon as possible.</p>",
    "answeringMemberId": 3985,
}


@pytest.fixture
def api() -> RecordedQuestions:
    return RecordedQuestions([question()])


@pytest.fixture
def stack_parameters() -> dict[str, str]:
    return {"Sources": "written-questions", "SweepHour": "0", "SweepDays": "60"}


@pytest.fixture
def stack_environment(api: RecordedQuestions) -> Iterator[dict[str, str]]:
    with replay_server([api]) as (overrides, _):
        yield {"UPSTREAM_OVERRIDES": json.dumps(overrides)}


def change_upstream(api: RecordedQuestions, record: dict[str, Any]) -> None:
    api.details = {record["id"]: record}
    api.listed = [api.as_listed(record)]


def last_swept_yesterday(stack) -> None:
    """A day has passed since the last sweep (the same poll, as far as the windows go, on the next day)."""
    stack.dynamodb.update_item(
        TableName=stack.output("StateTableName"),
        Key=WATERMARK,
        UpdateExpression="SET swept = :day",
        ExpressionAttributeValues={":day": {"S": (TODAY - timedelta(days=1)).isoformat()}},
    )


def poll(stack) -> list[tuple[str, str]]:
    """One scheduled poll through the pipeline: (question id, event) of each notification delivered."""
    result = stack.run_schedule("FetcherFunction")
    assert [report["error"] for report in result["sources"]] == [None]
    stack.drain()
    return [(d.message["item"]["id"], d.message["event"]) for d in stack.collect_deliveries()]


def swept_requests(api: RecordedQuestions) -> list[dict[str, list[str]]]:
    queries = [parse_qs(request.url.query.decode()) for request in api.list_requests()]
    return [query for query in queries if "tabledWhenFrom" in query and query["tabledWhenTo"] != [TODAY.isoformat()]]


@pytest.mark.parametrize(("change", "event"), [(WITHDRAWN, "withdrawn"), (HOLDING, "holding-answer")])
def test_a_late_change_to_an_old_question_is_notified_once_after_the_sweep(stack, api, change, event):
    # GIVEN a stack whose first poll swept the question tabled 20 days ago (older than its 3-day window)
    assert poll(stack) == [(f"written-questions:{QUESTION_ID}", "new")]
    [sweep] = swept_requests(api)
    assert sweep["tabledWhenFrom"] == [(TODAY - timedelta(days=60)).isoformat()]
    assert sweep["includeWithdrawn"] == ["true"]

    # WHEN it changes upstream today, with no date the API filters on: the day's next polls' windows do not see it
    change_upstream(api, question(**change))
    assert poll(stack) == []

    # THEN the next day's sweep queues it, and it is notified once, as what it became
    last_swept_yesterday(stack)
    assert poll(stack) == [(f"written-questions:{QUESTION_ID}", event)]
    assert poll(stack) == []
    last_swept_yesterday(stack)
    assert poll(stack) == []


def test_an_idle_sweep_queues_nothing_and_reads_no_detail(stack, api):
    # GIVEN the question known from the first poll's sweep
    poll(stack)
    api.requests.clear()

    # WHEN the next day's sweep lists it unchanged
    last_swept_yesterday(stack)
    delivered = poll(stack)

    # THEN nothing is queued, and the sweep cost its list pages only (no detail, no recheck)
    assert delivered == []
    assert len(swept_requests(api)) == 1
    assert api.detail_requests() == []
    assert len(api.list_requests()) == 4  # the three date windows, and the sweep
