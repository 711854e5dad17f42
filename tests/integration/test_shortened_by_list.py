"""Issue #16: a written question the list endpoint cut (question at 255 characters, answer at 255 plus "...", its
paragraphs run together) whose detail the API does not have (404) is stored as listed, and every surface says its
texts are Parliament's list's shortened form: the stored item (`details.shortened_by_list`), the email, the item's page
and JSON, the feed. When a later poll reads the detail, the full texts are a completion, not an edit: the version is
`updated` (never `corrected` again) and says the text is now in full, not that words were added.

Through the local stack: the real fetcher on its schedule reading the written-questions fake over loopback, then the
processor, the notifier and the read API as Lambda runs them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.local.replay import replay_server
from infra.local.replay.written_questions import RecordedQuestions
from infra.local.stack import Delivery, LocalStack
from shared.domain.timeutil import london_date
from tests.helpers import recorded
from tests.integration.read_side import EDUCATION, get

TODAY = f"{london_date(datetime.now(UTC)).isoformat()}T00:00:00"
QUESTION_ID = 9_200_001
ITEM = f"written-questions:{QUESTION_ID}"
PAGE = f"https://questions-statements.parliament.uk/written-questions/detail/{TODAY[:10]}/7926"
NOTE = (
    "Question and answer shortened by Parliament's list; the full question and answer are on the source page: " + PAGE
)
CORRECTED = {"answerIsCorrection": True, "dateAnswerCorrected": TODAY}


def full_question(**changes: Any) -> dict[str, Any]:
    """The recorded DfE question (its answer in HTML paragraphs), asked at more length, tabled and answered
    today."""
    record = recorded("written-questions/detail_1679416.json")["value"]
    longer = record["questionText"].removesuffix(".") + ", broken down by region and by sector of employment."
    assert len(longer) > 255 and record["answerText"].count("<p>") > 1
    dates = {"dateTabled": TODAY, "dateForAnswer": TODAY, "dateAnswered": TODAY}
    return {**record, "id": QUESTION_ID, "questionText": longer, **dates, **changes}


@pytest.fixture(params=[{}, CORRECTED], ids=["answered", "corrected"])
def record(request: pytest.FixtureRequest) -> dict[str, Any]:
    return full_question(**request.param)


@pytest.fixture
def api(record: dict[str, Any]) -> RecordedQuestions:
    """The list lists the question cut; the detail endpoint does not have it (404)."""
    return RecordedQuestions(listed=[RecordedQuestions.as_listed(record)], details={})


@pytest.fixture
def stack_parameters() -> dict[str, str]:
    return {"Sources": "written-questions", "DetailRecheckMinutes": "0"}


@pytest.fixture
def stack_environment(api: RecordedQuestions) -> Iterator[dict[str, str]]:
    with replay_server([api]) as (overrides, _):
        yield {"UPSTREAM_OVERRIDES": json.dumps(overrides)}


def poll(stack: LocalStack) -> list[Delivery]:
    result = stack.run_schedule("FetcherFunction")
    assert [report["error"] for report in result["sources"]] == [None]
    stack.drain()
    assert stack.dead_letters() == []
    return stack.collect_deliveries()


def test_a_cut_question_says_so_everywhere_until_its_full_text_comes(stack, api, record) -> None:
    # GIVEN a poll that found the question cut by the list and its detail missing
    [first] = poll(stack)
    assert api.detail_requests(), "the fetcher asked for the detail"

    # THEN the stored item names its shortened texts, and the email says so with the source page
    item = first.message["item"]
    assert item["details"]["shortened_by_list"] == "summary, body"
    assert item["body"].endswith("...") and len(item["summary"]) == 255
    assert NOTE in first.email
    # AND the read side says it on the item's page, in its JSON and in the department's feed
    status, _, page = get(stack, f"/items/{ITEM}")
    assert status == 200 and NOTE.replace("'", "&#39;") in page
    status, _, document = get(stack, f"/items/{ITEM}.json")
    assert status == 200 and json.loads(document)["shortened"] == NOTE
    status, _, feed = get(stack, f"/departments/{EDUCATION}/feed.atom")
    assert status == 200 and NOTE.replace("'", "&#39;") in feed

    # WHEN a later poll reads its detail
    api.details = {QUESTION_ID: record}
    [completed] = poll(stack)

    # THEN the full texts are told as a completion, not as an answer changed or corrected again
    assert (completed.message["event"], completed.message["events"]) == ("updated", ["updated"])
    assert completed.message["changes"]["summary"] == [
        "Question: now in full (the earlier version had only the shortened form from Parliament's list)",
        "Answer: now in full (the earlier version had only the shortened form from Parliament's list)",
    ]
    assert "shortened_by_list" not in completed.message["item"]["details"]
    assert "shortened by Parliament's list;" not in completed.email
    assert "\n\nThere are now 44 FJAAs" in completed.message["item"]["body"]
    status, _, document = get(stack, f"/items/{ITEM}.json")
    assert json.loads(document)["shortened"] is None
    # AND nothing more once it is whole
    assert poll(stack) == []


def test_an_edit_of_a_corrected_answer_is_still_a_correction(stack, api, record) -> None:
    # GIVEN a corrected answer stored in full
    api.details = {QUESTION_ID: record}
    poll(stack)

    # WHEN its text changes upstream while corrected
    edited = {**record, "answerText": record["answerText"].replace("44 FJAAs", "45 FJAAs")}
    api.details = {QUESTION_ID: edited}
    api.listed = [RecordedQuestions.as_listed(edited)]
    deliveries = poll(stack)

    # THEN a corrected one is corrected again, an answered one updated: the completion rule takes nothing from edits
    expected = "corrected" if record.get("answerIsCorrection") else "updated"
    assert [d.message["event"] for d in deliveries] == [expected]
    assert "now in full" not in " ".join(deliveries[0].message["changes"]["summary"])
