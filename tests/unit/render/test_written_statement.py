"""How a written statement reads in an email: the recorded statements, parsed by their source, rendered."""

from __future__ import annotations

from typing import Any

import pytest

from shared.domain.kinds import Kind
from shared.domain.notification import Notification
from shared.render.email import email_text
from shared.render.registry import renderer_for
from shared.sources.written_statements import WrittenStatementsSource
from tests.unit.real_question import TAG

SOURCE = WrittenStatementsSource()
RENDERER = renderer_for(Kind.WRITTEN_STATEMENT)


@pytest.fixture
def details(recorded) -> dict[int, dict[str, Any]]:
    """The full records of HCWS421, the joint statement's DWP record and the DHSC correction."""
    bodies = [
        recorded("written-statements/detail_1701201.json"),
        recorded("written-statements/detail_1701204_search_result.json"),
        recorded("written-statements/detail_1701205.json"),
    ]
    return {record["id"]: record for body in bodies for record in SOURCE.records_from_response(body)}


def parse(raw_message, record):
    return SOURCE.parse(raw_message(record, source=SOURCE.name))


def notify(item, department_slug: str | None = None) -> Notification:
    department = next(d for d in item.departments if department_slug in (None, d.slug))
    return Notification.for_department(item, 1, "new", department)


def test_email_reads_like_the_statement_page(raw_message, details):
    # GIVEN the notification of HCWS421 for the Department for Education
    item = parse(raw_message, details[1701201])
    notification = notify(item)

    # WHEN its email is rendered
    text = email_text(notification)

    # THEN it is headed as a written statement with its title, department and the day it was made
    assert RENDERER.headline(notification) == "Written Statement"
    assert "Childcare Expansion: Progress\nDepartment: Department for Education\nThursday 18th April 2024\n" in text
    # AND it names the minister with the role, gives the text in plain paragraphs and links the page
    assert "Made by: Gillian Keegan (Conservative - Chichester), Secretary of State for Education\n" in text
    assert "\n\nFrom 1 April 2024, eligible working parents of two-year-olds" in text
    assert f"Source page: {item.url}" in text
    assert "Childcare expansion take-up April 2024: https://qna.files.parliament.uk/ws-attachments/" in text
    assert not TAG.search(text)
    assert "&nbsp;" not in text and "&amp;" not in text


def test_email_of_a_joint_statement_and_of_a_correction_say_so(raw_message, details):
    # GIVEN the joint statement's DWP record, its link naming DfE's answering body (a bare joint link is the same
    # statement made in the other House, as the real API uses it: tests/unit/trust/test_written_statement_twins.py),
    # and the DHSC correction
    record = details[1701204]
    record["linkedStatements"] = [{**link, "answeringBodyId": 60} for link in record["linkedStatements"]]
    joint = email_text(notify(parse(raw_message, record)))
    correction = email_text(notify(parse(raw_message, details[1701205])))

    # WHEN their emails are read
    # THEN the joint one names the other department and the linked statement, the correction the statement it corrects
    assert "Department: Department for Work and Pensions" in joint
    assert "Joint statement with Department for Education, linked with statement 1701203." in joint
    assert "This statement corrects statement 1700987." in correction


def test_email_of_a_statement_without_member_or_text(raw_message, details):
    # GIVEN a statement read without expandMember and with no text
    record = {**details[1701201], "member": None, "text": None}

    # WHEN its email is rendered
    text = email_text(notify(parse(raw_message, record)))

    # THEN it gives the role alone and says there is no text
    assert "Made by: Secretary of State for Education\n" in text
    assert "No text published." in text
