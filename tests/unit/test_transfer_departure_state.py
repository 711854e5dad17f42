"""The department an answered question left is told of the move with the question alone: not its answer, and not
that it was answered or corrected (its state and answer dates are the question's, as tabled)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from shared.domain.item import Attachment, DepartmentRef
from shared.pipeline.notifying import VersionChange
from shared.render.email import email_text
from tests.unit.question_items import NOON, question_item

DHSC = DepartmentRef(slug="department-of-health-and-social-care", name="Department of Health and Social Care")
ANSWER_DATES = {"date_answered": "2024-04-25", "date_answer_corrected": "2024-04-26"}
QUESTION_DATES = {"date_tabled": "2024-04-22", "date_for_answer": "2024-04-29"}


@pytest.mark.parametrize("state", ["answered", "corrected", "holding-answer"])
def test_the_department_left_is_not_told_the_question_was_answered(state: str) -> None:
    old = question_item(details=QUESTION_DATES)
    answered_at = datetime(2024, 4, 25, 9, 0, tzinfo=NOON.tzinfo)
    annex = Attachment(title="Answer annex", url="https://questions-statements.parliament.uk/annex.pdf")
    new = question_item(
        departments=(DHSC,),
        state=state,
        body="The answer.",
        details=QUESTION_DATES | ANSWER_DATES,
        updated_at=answered_at,
        attachments=(annex,),
    )

    [left] = VersionChange("1", (new, 2), (old, 1)).departures

    assert left.item.state == "tabled"
    # its time is the question's own, and the answer's attachments stay with the answer
    assert left.item.updated_at == new.published_at != answered_at
    assert not left.item.attachments
    assert left.item.details == QUESTION_DATES
    message = json.loads(left.to_json())
    assert message["item"]["state"] == "tabled"
    assert not set(ANSWER_DATES) & set(message["item"]["details"])
    email = email_text(left)
    assert (
        "2024-04-25" not in email and "25 April" not in email and "2024-04-26" not in email and "26 April" not in email
    )
    assert "25th April" not in email and "Answer annex" not in email
    assert "answered" not in email.lower().replace("answering", "")
    assert "corrected" not in email.lower()


def test_a_withdrawn_question_moved_stays_withdrawn() -> None:
    old = question_item(details=QUESTION_DATES)
    new = question_item(departments=(DHSC,), state="withdrawn", details=QUESTION_DATES)

    [left] = VersionChange("1", (new, 2), (old, 1)).departures

    assert left.item.state == "withdrawn"
