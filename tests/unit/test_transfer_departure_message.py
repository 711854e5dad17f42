"""The message to the department a question left says the move and which question it was, nothing of the answer:
the answer (its text, its word diff, who gave it) is the news of the department the question went to."""

from __future__ import annotations

import json

from shared.domain.item import DepartmentRef, Person
from shared.pipeline.notifying import VersionChange
from shared.render.email import email_text, sms_text
from tests.unit.question_items import DFE, question_item

DHSC = DepartmentRef(slug="department-of-health-and-social-care", name="Department of Health and Social Care")
QUESTION = "To ask the Secretary of State for Education, what steps she is taking to fund school meals."
ANSWER = "The answer is that the Department of Health and Social Care funds this through the Healthy Start scheme."
ASKER = Person(role="asked-by", name="Navendu Mishra")
MINISTER = Person(role="answered-by", name="Andrew Gwynne")


def moved_and_answered() -> VersionChange:
    old = question_item(summary=QUESTION, people=(ASKER,))
    new = question_item(
        departments=(DHSC,),
        state="answered",
        summary=QUESTION,
        body=ANSWER,
        people=(ASKER, MINISTER),
        details={"uin": "1234", "shortened_by_list": "summary, body"},
    )
    return VersionChange("1", (new, 2), (old, 1))


def test_the_department_left_reads_the_move_and_the_question_not_the_answer():
    [left] = moved_and_answered().departures

    email = email_text(left)

    assert "- Transferred to the Department of Health and Social Care: no longer a question for the" in email
    assert QUESTION in email and "Schools: Funding" in email and left.item.url in email
    assert "The answer is" not in email and "words added" not in email and "Text:" not in email
    assert "Andrew Gwynne" not in email and "Not answered yet" not in email
    assert "answer is on the source page" not in email and "Question shortened by Parliament's list" in email
    assert "Navendu Mishra" in email


def test_the_departure_json_names_only_the_department_move():
    [left] = moved_and_answered().departures

    published = json.loads(left.to_json())

    assert published["changes"]["fields"] == ["departments"] and published["changes"]["summary"] == []
    assert [d["slug"] for d in published["changes"]["previous"]["departments"]] == [DFE.slug]
    assert published["item"]["body"] is None and [p["role"] for p in published["item"]["people"]] == ["asked-by"]
    assert published["item"]["summary"] == QUESTION and published["item"]["details"]["uin"] == "1234"
    assert published["item"]["details"]["shortened_by_list"] == "summary"
    assert sms_text(left).startswith("Transferred: Schools: Funding")


def test_the_department_the_question_went_to_still_reads_the_answer():
    [arrived] = moved_and_answered().notifications

    email = email_text(arrived)

    assert ANSWER in email and "Andrew Gwynne" in email and "- Transferred from the Department for Education" in email
