"""A completion changes no text the list did not cut (review of issue #16): the list runs an uncut answer's paragraphs
together ("held.We"), the detail gives them apart ("held.\n\nWe"), and that is neither a correction nor a word diff
when the cut question arrives in full.

Through the local stack, as tests/integration/test_shortened_by_list.py (whose fixtures this test shares, with its
own record)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.local.replay.written_questions import RecordedQuestions
from tests.integration.test_shortened_by_list import (  # noqa: F401 (fixtures)
    CORRECTED,
    QUESTION_ID,
    api,
    full_question,
    poll,
    stack_environment,
    stack_parameters,
)

COMPLETED = "now in full (the earlier version had only the shortened form from Parliament's list)"


@pytest.fixture(params=[{}, CORRECTED], ids=["answered", "corrected"])
def record(request: pytest.FixtureRequest) -> dict[str, Any]:
    """An answer of two paragraphs, short enough that the list does not cut it (it runs them together)."""
    answer = "<p>The figures are held centrally.</p><p>We publish them every March.</p>"
    return full_question(answerText=answer, **request.param)


def test_a_completion_leaves_an_uncut_answer_alone(stack, api: RecordedQuestions, record) -> None:  # noqa: F811 (fixtures)
    # GIVEN the question cut by the list (its answer not: only its paragraphs run together), its detail missing
    [listed] = api.listed
    assert "centrally.We" in listed["answerText"] and not listed["answerText"].endswith("...")
    [first] = poll(stack)
    assert first.message["item"]["details"]["shortened_by_list"] == "summary"

    # WHEN the detail comes
    api.details = {QUESTION_ID: record}
    [completed] = poll(stack)

    # THEN the question is told as now in full, the answer as unchanged: not corrected again, no word diff
    assert (completed.message["event"], completed.message["events"]) == ("updated", ["updated"])
    assert completed.message["changes"]["summary"] == [f"Question: {COMPLETED}"]
    assert "body" not in completed.message["changes"]["fields"]
    assert "centrally. We" not in completed.email
    assert "centrally.\n\nWe publish" in completed.message["item"]["body"]


def test_a_completion_leaves_an_uncut_answer_with_a_link_alone(stack, api: RecordedQuestions, record) -> None:  # noqa: F811 (fixtures)
    # GIVEN an uncut answer with a link whose label is not its URL: the list strips its tags ("in the annual
    # report"), the detail's text shows the URL after the label
    linked = {
        **record,
        "answerText": '<p>The figures are in the <a href="https://www.gov.uk/report">annual report</a>.</p>'
        "<p>We publish them every March.</p>",
    }
    api.listed = [RecordedQuestions.as_listed(linked)]
    assert "annual report.We" in api.listed[0]["answerText"]
    [first] = poll(stack)
    assert first.message["item"]["details"]["shortened_by_list"] == "summary"

    # WHEN the detail comes
    api.details = {QUESTION_ID: linked}
    [completed] = poll(stack)

    # THEN the answer is unchanged, not corrected again
    assert (completed.message["event"], completed.message["events"]) == ("updated", ["updated"])
    assert completed.message["changes"]["summary"] == [f"Question: {COMPLETED}"]
    assert "body" not in completed.message["changes"]["fields"]
    assert "annual report (https://www.gov.uk/report)." in completed.message["item"]["body"]
