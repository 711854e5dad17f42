"""How a scheduled event reads in an email: the recorded What's On events, parsed by their source, rendered."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from shared.domain.notification import Notification
from shared.domain.raw_record import RawRecordMessage
from shared.render.email import email_text
from shared.sources.whatson_events import WhatsOnEventsSource

SOURCE = WhatsOnEventsSource()
EARLY = "whatson-events/2024-04-15_list.json"
LATE = "whatson-events/2024-04-25_list.json"
DFE_ANSWER = "whatson-events/2024-04-15_list_answeringBodyIds-60.json"
DFE = "department-for-education"
DSA_INQUIRY = "Disabled students\u2019 allowance"  # with the curly apostrophe, as the department page has it
DSA, TEACHERS, SCREEN_TIME, LORDS_QUESTION = 51234, 51388, 51420, 51310


def events(recorded, name: str) -> dict[int, dict[str, Any]]:
    return {record["Id"]: record for record in recorded(name)}


def parse(record: dict[str, Any], department: str | None = None):
    message = RawRecordMessage(
        source=SOURCE.name, record=record, department=department, fetched_at=datetime.now(UTC), origin="tests"
    )
    return SOURCE.parse(message)


TAG = re.compile(r"</?[A-Za-z][^>]*>")


def email(item, event="new") -> str:
    return email_text(Notification.for_department(item, 2 if event != "new" else 1, event, item.departments[0]))


def test_email_of_a_question_time_reads_like_the_department_page(recorded):
    # GIVEN DfE's question time
    [record] = recorded(DFE_ANSWER)

    # WHEN its email is rendered
    text = email(parse(record, DFE))

    # THEN it starts as the department page shows it, and links the event's page
    assert text.splitlines()[:5] == [
        "Scheduled Event - 29 Apr 2024, 2:30 p.m.",
        "Commons - Oral questions - Main Chamber",
        "Education (including Topical Questions)",
        "Department: Department for Education",
        "29 Apr 2024, 2:30 p.m. to 3:30 p.m.",  # #16: the seed's event look throughout
    ]
    assert "Source page: https://whatson.parliament.uk/event/cal51301" in text
    assert not TAG.search(text)


def test_email_of_a_committee_session_names_committee_inquiry_place_and_witnesses(recorded):
    # GIVEN the Education Committee's session on disabled students' allowance
    text = email(parse(events(recorded, EARLY)[DSA]))

    # WHEN its email is read
    # THEN it reads like the department page, then says where and who
    assert text.splitlines()[:4] == [
        "Scheduled Event - 23 Apr 2024, 9:30 a.m.",
        "Commons - Education Committee - Oral evidence - Select & Joint Committees",
        DSA_INQUIRY,
        "Department: Department for Education",
    ]
    assert "Location: The Thatcher Room, Portcullis House" in text
    assert "Witness: Chief Executive, Student Loans Company" in text
    assert "&amp;" not in text and not TAG.search(text)


def test_email_of_a_cancelled_session_says_so(recorded):
    # GIVEN the screen-time session, cancelled on 24 April
    text = email(parse(events(recorded, LATE)[SCREEN_TIME]), "cancelled")

    # WHEN its email is read
    # THEN it says when it was cancelled, and what it was
    assert "CANCELLED on 24 Apr 2024" in text
    assert text.splitlines()[0] == "Scheduled Event - 1 May 2024, 9:30 a.m."


def test_email_of_a_rescheduled_session_gives_the_new_time(recorded):
    # GIVEN the teacher-recruitment session, moved to 7 May 10:00
    text = email(parse(events(recorded, LATE)[TEACHERS]), "rescheduled")

    # WHEN its email is read
    # THEN it says it was rescheduled, and to when
    assert "RESCHEDULED: now 7 May 2024, 10:00 a.m." in text
    assert "What changed: rescheduled (version 2)" in text


def test_email_of_an_event_without_a_time_shows_the_day_only(recorded):
    # GIVEN the Lords oral question, which has no time
    text = email(parse(events(recorded, EARLY)[LORDS_QUESTION], DFE))

    # WHEN its email is read
    # THEN the headline has the date alone, and the member is named
    assert text.splitlines()[:2] == ["Scheduled Event - 23 Apr 2024", "Lords - Oral questions - Main Chamber"]
    assert "Main Chamber\nSchools: mobile phones\nDepartment: Department for Education\n23 Apr 2024\n" in text
    assert "Member: Baroness Morris of Yardley (Labour - Life peer)" in text
