"""`deptwatch ingest --json`, run as a new user runs it: upstream response files through the local pipeline.

Each test calls `infra.cli.main([...])` in-process (moto as the embedded AWS, as the command does) and reads what it
printed: one JSON object per delivered SNS message on stdout, problems on stderr. The responses are the recorded ones
in infra/local/recordings/, or built in the test from a recorded one by changing only the fields the API changes.
Expected values are worked out here from the upstream records, not from the source modules under test.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from infra.local.replay import RECORDED
from tests.helpers import recorded
from tests.integration.deployed import Deptwatch

REPO = Path(__file__).resolve().parents[2]
UPSTREAM = RECORDED
LONDON = ZoneInfo("Europe/London")
OUTPUT_KEYS = {"topic_arn", "department", "attributes", "message", "email"}
TOPIC_PREFIX = "arn:aws:sns:eu-west-2:123456789012:deptwatch-local-"

DFE = "department-for-education"
DHSC = "department-of-health-and-social-care"
DWP = "department-for-work-pensions"
HMT = "hm-treasury"

# The registry's answer for every department named in the recordings, written out so that a wrong registry entry
# shows up as a wrong topic here.
ANSWERING_BODIES = {
    60: DFE,
    17: DHSC,
    29: DWP,
    14: HMT,
    13: "department-for-environment-food-rural-affairs",
    54: "ministry-of-justice",
    1: "home-office",
    211: "ministry-of-housing-communities-local-government",  # DLUHC's body id: today's MHCLG
    208: "foreign-commonwealth-development-office",
}
GOVUK_ORGANISATIONS = {
    DFE: DFE,
    DHSC: DHSC,
    "driver-and-vehicle-licensing-agency": "department-for-transport",
    "standards-and-testing-agency": DFE,
}
"""The GOV.UK organisations of the recordings that are registry departments or their agencies (DVLA's parent is DfT,
the Standards and Testing Agency's DfE; hm-revenue-customs and the National College for Teaching and Leadership have
no departmental parent in the registry)."""
DEPOSITING_DEPARTMENTS = {
    "Department for Education": DFE,
    "Department for Work and Pensions": DWP,
    "Department for Levelling Up, Housing and Communities": "ministry-of-housing-communities-local-government",
    "Foreign, Commonwealth & Development Office": "foreign-commonwealth-development-office",
    "Department for Business and Trade": "department-for-business-innovation-science-and-trade",
}
COMMITTEES = {203: DFE, 81: DHSC, 158: HMT}
"""Select committees of the recordings and the departments they scrutinise (Lords committee 691 scrutinises none)."""


# --- running the command -----------------------------------------------------------------------------------------


@dataclass
class Ingested:
    code: int
    stdout: str
    stderr: str
    lines: list[dict[str, Any]] = field(default_factory=list)

    def events(self) -> list[tuple[str, int]]:
        return [(line["message"]["event"], line["message"]["item"]["version"]) for line in self.lines]

    def delivered(self) -> Counter[tuple[str, str]]:
        """(item id, department) → how many messages."""
        return Counter((line["message"]["item"]["id"], line["department"]) for line in self.lines)


def json_lines(stdout: str) -> list[dict[str, Any]]:
    """Every line of stdout, each one JSON object with exactly the documented keys (anything else fails)."""
    lines = []
    for number, text in enumerate(stdout.splitlines(), 1):
        try:
            line = json.loads(text)
        except ValueError:
            pytest.fail(f"stdout line {number} is not JSON: {text[:200]!r}")
        assert isinstance(line, dict) and set(line) == OUTPUT_KEYS, f"stdout line {number} has keys {sorted(line)}"
        lines.append(line)
    return lines


@pytest.fixture
def ingest(deptwatch: Deptwatch) -> Callable[..., Ingested]:
    """`ingest("--source", "written-questions", FILE, ...)` runs `deptwatch ingest --json ...` and parses stdout.

    The command sets up its environment for moto and the functions (as a process would): it is put back afterwards.
    """

    def run(*arguments: str | Path) -> Ingested:
        code, out, err = deptwatch("ingest", "--json", *map(str, arguments))
        return Ingested(code, out, err, json_lines(out))

    return run


def write(directory: Path, name: str, body: Any) -> Path:
    path = directory / name
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


def london(naive: str) -> datetime:
    """A naive Parliament time ("2024-01-05T00:00:00") is London's."""
    return datetime.fromisoformat(naive).replace(tzinfo=LONDON)


def assert_with_offset(value: str, expected: datetime) -> None:
    """An ISO 8601 time with an explicit offset, for the same instant and with the offset London had then."""
    assert re.search(r"[+-]\d\d:\d\d$", value), f"{value} has no offset"
    parsed = datetime.fromisoformat(value)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset(), f"{value}: expected offset {expected.utcoffset()}"


# --- a written question through its lifecycle ----------------------------------------------------------------------

OLD_WORDS, NEW_WORDS = "There are now 44 FJAAs", "There are now 45 FJAAs"


def detail_as(answered: dict[str, Any], **changes: Any) -> dict[str, Any]:
    response = copy.deepcopy(answered)
    response["value"].update(changes)
    return response


def test_a_written_question_tabled_answered_and_corrected_is_notified_once_per_change(ingest, tmp_path):
    # GIVEN the real detail response of question 1679416 as the API gives it when tabled (no answer yet), when
    # answered (as recorded) and after a correction (the answer's text changed, the old one kept as the original)
    answered = recorded("written-questions/detail_1679416.json")
    old_answer = answered["value"]["answerText"]
    assert OLD_WORDS in old_answer
    tabled = detail_as(answered, answerText=None, dateAnswered=None, answeringMember=None, answeringMemberId=None)
    corrected = detail_as(
        answered,
        answerIsCorrection=True,
        dateAnswerCorrected="2024-01-17T00:00:00",
        originalAnswerText=old_answer,
        answerText=old_answer.replace(OLD_WORDS, NEW_WORDS),
    )
    files = [
        write(tmp_path, f"{n}.json", body)
        for n, body in (("tabled", tabled), ("answered", answered), ("corrected", corrected))
    ]

    # WHEN the three files are ingested in that order, each delivered twice (an upstream or queue redelivery)
    run = ingest("--source", "written-questions", *(path for path in files for _ in range(2)))

    # THEN it succeeds, with nothing on stderr
    assert run.code == 0, run.stderr
    assert run.stderr == ""
    # AND exactly one message per change, in order, each a new version of the same item on DfE's topic: nothing for
    # the duplicates
    assert run.events() == [("new", 1), ("answered", 2), ("corrected", 3)]
    assert {line["message"]["item"]["id"] for line in run.lines} == {"written-questions:1679416"}
    assert {line["topic_arn"] for line in run.lines} == {TOPIC_PREFIX + DFE}
    assert [line["attributes"]["event"] for line in run.lines] == [["new"], ["answered"], ["corrected"]]
    assert [line["message"]["item"]["state"] for line in run.lines] == ["tabled", "answered", "corrected"]
    new, answer, correction = run.lines

    # AND the first says it is not answered yet, and has no changes
    assert new["message"]["changes"] is None
    assert new["message"]["item"]["body"] is None
    assert "Not answered yet." in new["email"]
    # AND the answer names what changed, and its email carries the answer
    assert set(answer["message"]["changes"]["fields"]) == {"body", "state", "updated_at", "details.date_answered"}
    assert answer["message"]["changes"]["previous"]["state"] == "tabled"
    assert "What changed: answered (version 2)" in answer["email"]
    assert OLD_WORDS in answer["email"] and "Not answered yet." not in answer["email"]

    # AND the correction's JSON names the changed fields and the previous state, and its email a word-level summary
    changes = correction["message"]["changes"]
    assert set(changes["fields"]) == {"body", "state", "updated_at", "details.date_answer_corrected"}
    assert changes["previous"]["state"] == "answered"
    assert changes["previous"]["details.date_answer_corrected"] is None
    assert changes["summary"] == ['Answer: 1 word added, 1 removed; "44" became "45"']
    assert correction["message"]["item"]["details"]["date_answer_corrected"] == "2024-01-17"
    email = correction["email"].splitlines()
    assert "What changed: corrected (version 3)" in email
    assert '- Answer: 1 word added, 1 removed; "44" became "45"' in email
    assert NEW_WORDS in correction["email"]


# --- a What's On event through its lifecycle -----------------------------------------------------------------------

SESSION = 51388
"""An Education Committee session, recorded on 15 April for 30 April 09:30 and on 25 April moved to 7 May 10:00."""


def recorded_event(recording: str, event_id: int) -> dict[str, Any]:
    [event] = [e for e in recorded(f"whatson-events/{recording}") if e["Id"] == event_id]
    return event


def test_a_whatson_event_scheduled_rescheduled_and_cancelled_is_one_item_through_three_notifications(ingest, tmp_path):
    # GIVEN the session as first recorded (a list answer), as recorded after it moved, and the moved session cancelled
    # (the single-event endpoint's answer, CancelledDate set)
    scheduled = recorded_event("2024-04-15_list.json", SESSION)
    moved = recorded_event("2024-04-25_list.json", SESSION)
    assert (scheduled["StartDate"], scheduled["StartTime"]) == ("2024-04-30T00:00:00", "09:30")
    assert (moved["StartDate"], moved["StartTime"]) == ("2024-05-07T00:00:00", "10:00")
    cancelled = {**moved, "CancelledDate": "2024-05-03T00:00:00"}
    files = [
        write(tmp_path, "scheduled.json", [scheduled]),
        write(tmp_path, "rescheduled.json", [moved]),
        write(tmp_path, "cancelled.json", cancelled),
    ]

    # WHEN they are ingested in that order
    run = ingest("--source", "whatson-events", *files)

    # THEN: new, rescheduled, cancelled, versions 1 to 3 of one item, on the Education Committee's department's topic
    assert run.code == 0, run.stderr
    assert run.events() == [("new", 1), ("rescheduled", 2), ("cancelled", 3)]
    assert {line["message"]["item"]["id"] for line in run.lines} == {f"whatson-events:{SESSION}"}
    assert {line["department"] for line in run.lines} == {DFE}
    assert [line["attributes"]["event"] for line in run.lines] == [["new"], ["rescheduled"], ["cancelled"]]
    new, rescheduled, cancellation = run.lines
    assert_with_offset(new["message"]["item"]["published_at"], datetime(2024, 4, 30, 9, 30, tzinfo=LONDON))
    assert_with_offset(rescheduled["message"]["item"]["published_at"], datetime(2024, 5, 7, 10, 0, tzinfo=LONDON))

    # AND the rescheduled email shows the old and the new date and time
    assert "details.starts_at" in rescheduled["message"]["changes"]["fields"]
    assert rescheduled["message"]["changes"]["previous"]["details.starts_at"] == "2024-04-30T09:30:00+01:00"
    email = rescheduled["email"].splitlines()
    assert "- Was 30 Apr 2024, 9:30 a.m., now 7 May 2024, 10:00 a.m." in email
    assert "RESCHEDULED: now 7 May 2024, 10:00 a.m." in email
    # AND the cancellation says so
    assert cancellation["message"]["item"]["state"] == "cancelled"
    assert "CANCELLED on 3 May 2024" in cancellation["email"].splitlines()


def test_an_event_listed_three_times_in_one_response_is_one_notification(ingest, tmp_path):
    # GIVEN the recorded list's entries for the "Disabled students' allowance" session: listed three times
    copies = [e for e in recorded("whatson-events/2024-04-15_list.json") if e["Id"] == 51234]
    assert len(copies) == 3
    path = write(tmp_path, "three-copies.json", copies)

    # WHEN that response is ingested
    run = ingest("--source", "whatson-events", path)

    # THEN its department hears of it once
    assert run.code == 0, run.stderr
    assert run.delivered() == Counter({("whatson-events:51234", DFE): 1})


ORAL_QUESTIONS = "whatson-events/2024-04-15_list_answeringBodyIds-60.json"


def test_oral_questions_go_to_the_department_named_on_the_command_line(ingest):
    # GIVEN DfE's question time, as the answeringBodyIds=60 query answers it: the event itself names no department
    [event] = recorded(ORAL_QUESTIONS)
    assert event["Committee"] is None and event["Category"] == "Oral questions"

    # WHEN it is ingested with --department
    run = ingest("--source", "whatson-events", "--department", DFE, UPSTREAM / ORAL_QUESTIONS)

    # THEN it reaches that department's topic, with its filter attributes
    assert run.code == 0, run.stderr
    [line] = run.lines
    assert line["topic_arn"] == TOPIC_PREFIX + DFE
    assert line["attributes"] == {
        "department": DFE,
        "source": "whatson-events",
        "kind": "scheduled-event",
        "event": ["new"],
        "house": "commons",
        "category": "oral questions",
    }
    assert line["message"]["item"]["title"] == "Education (including Topical Questions)"


def test_oral_questions_without_a_department_are_a_bad_record_naming_the_file(ingest):
    # GIVEN the same response, WHEN it is ingested without --department
    run = ingest("--source", "whatson-events", UPSTREAM / ORAL_QUESTIONS)

    # THEN nothing is delivered, the exit status says it failed, and stderr names the file, the record and why
    assert run.code == 1
    assert run.lines == []
    [message] = run.stderr.splitlines()
    assert message.startswith(f"deptwatch: {UPSTREAM / ORAL_QUESTIONS} record 0: ")
    assert "51301" in message and "--department" in message


def test_an_unknown_department_on_the_command_line_is_refused(ingest):
    # GIVEN a misspelt department, WHEN ingesting with it
    run = ingest("--source", "whatson-events", "--department", "department-of-education", UPSTREAM / ORAL_QUESTIONS)

    # THEN the command stops before doing anything, and says why
    assert run.code == 2
    assert run.lines == []
    assert "department-of-education" in run.stderr


# --- every source, every recorded response ---------------------------------------------------------------------


def expected_written_question(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"written-questions:{record['id']}",
        "title": record["heading"],
        "url": "https://questions-statements.parliament.uk/written-questions/detail/"
        f"{record['dateTabled'][:10]}/{record['uin']}",
        "departments": [ANSWERING_BODIES[record["answeringBodyId"]]],
        "published_at": london(record["dateTabled"]),
        "house": record["house"].lower(),
    }


def expected_written_statement(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"written-statements:{record['id']}",
        "title": record["title"],
        "url": "https://questions-statements.parliament.uk/written-statements/detail/"
        f"{record['dateMade'][:10]}/{record['uin']}",
        "departments": [ANSWERING_BODIES[record["answeringBodyId"]]],
        "published_at": london(record["dateMade"]),
        "house": record["house"].lower(),
    }


def expected_publication(record: dict[str, Any]) -> dict[str, Any] | None:
    departments = list(
        dict.fromkeys(
            GOVUK_ORGANISATIONS[o["slug"]] for o in record.get("organisations", []) if o["slug"] in GOVUK_ORGANISATIONS
        )
    )
    if not departments:
        return None
    published = record.get("first_published_at") or record["public_timestamp"]
    return {
        "id": f"govuk-publications:{record.get('content_id') or record['link']}",
        "title": record["title"],
        "url": f"https://www.gov.uk{record['link']}",
        "departments": departments,
        "published_at": datetime.fromisoformat(published),  # GOV.UK's times carry their offset
        "house": None,
    }


def expected_paper(record: dict[str, Any]) -> dict[str, Any] | None:
    departments = [DEPOSITING_DEPARTMENTS[n] for n in record["depositingDepartments"] if n in DEPOSITING_DEPARTMENTS]
    if not departments:
        return None
    houses = {house.lower() for house in record["houses"]}
    return {
        "id": f"deposited-papers:{record['paperId']}",
        "title": record["title"],
        "url": f"https://depositedpapers.parliament.uk/depositedpaper/{record['paperId']}/details",
        "departments": departments,
        "published_at": london(record["dateDeposited"]),
        "house": houses.pop() if len(houses) == 1 else None,
    }


def expected_event(record: dict[str, Any], department: str | None) -> dict[str, Any] | None:
    committee = record.get("Committee") or {}
    owner = COMMITTEES.get(committee.get("Id")) or (department if not committee else None)
    if owner is None:
        return None
    day = date.fromisoformat(record["StartDate"][:10])
    starts = time.fromisoformat(record["StartTime"]) if record.get("StartTime") else time(0)
    inquiries = [i["Description"] for i in committee.get("Inquiries") or []]
    return {
        "id": f"whatson-events:{record['Id']}",
        "titles": {*inquiries, record.get("Description"), f"{committee.get('Description')} - {record.get('Category')}"},
        "url": f"https://whatson.parliament.uk/event/cal{record['Id']}",
        "departments": [owner],
        "published_at": datetime.combine(day, starts, tzinfo=LONDON),
        "house": (record.get("House") or "").lower() or None,
        "private": (record.get("Category") or "").lower() == "private meeting",
    }


# issue #15: committee publications and oral questions
ORAL_QUESTIONS_API = "https://oralquestionsandmotions-api.parliament.uk/oralquestions/list"


def moment(value: str) -> datetime:
    """A naive Parliament time is London's; one with an offset is that instant."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=LONDON)


def expected_committee_publication(record: dict[str, Any]) -> dict[str, Any] | None:
    owners = [COMMITTEES[record["committee"]["id"]]] if record["committee"]["id"] in COMMITTEES else []
    responding = (record.get("respondingDepartment") or {}).get("name")
    owners += [slug for slug in (DEPOSITING_DEPARTMENTS.get(responding),) if slug and slug not in owners]
    if not owners:
        return None
    documents = record.get("documents") or []
    pages = [
        f"https://committees.parliament.uk/publications/{record['id']}/documents/{d['documentId']}/default/"
        for d in documents
    ]
    return {
        "id": f"committee-publications:{record['id']}",
        "title": record["description"],
        "url": pages[0] if pages else f"https://committees.parliament.uk/publications/{record['id']}/html/",
        "departments": owners,
        "published_at": moment(record["publicationStartDate"]),
        "house": record["committee"]["house"].lower(),
    }


def expected_oral_question(record: dict[str, Any]) -> dict[str, Any] | None:
    record = {key[:1].upper() + key[1:]: value for key, value in record.items()}
    if record.get("Status") == "Draft":
        return None
    day = record["AnsweringWhen"][:10]
    uin = f"parameters.uINs={record['UIN']}&" if record.get("UIN") else ""
    return {
        "id": f"oral-questions:{record['Id']}",
        "title": record["QuestionText"],
        "url": f"{ORAL_QUESTIONS_API}?{uin}parameters.answeringDateStart={day}&parameters.answeringDateEnd={day}",
        "departments": [ANSWERING_BODIES[record["AnsweringBodyId"]]],
        "published_at": moment(record.get("TabledWhen") or record["AnsweringWhen"]),
        "house": "commons",
    }


BILL_SPONSORS = {"Department for Education": DFE, "Department of Health and Social Care": DHSC}
"""The sponsoring organisations of the bill recordings (by name, or by GOV.UK page: the slug is ours)."""
HOUSE_NAMES = {"Commons": "commons", "Lords": "lords", 1: "commons", 2: "lords"}
"""The House enum as the Bills API may write it: by name, or by its ordinal (All, Commons, Lords, Unassigned)."""


def expected_bill(record: dict[str, Any]) -> dict[str, Any] | None:
    departments = []
    for sponsor in record.get("sponsors") or []:
        organisation = sponsor.get("organisation") or {}
        slug = BILL_SPONSORS.get(organisation.get("name")) or (organisation.get("url") or "").rsplit("/", 1)[-1]
        if slug in BILL_SPONSORS.values() and slug not in departments:
            departments.append(slug)
    if not departments:
        return None
    sittings = [moment(s["date"]) for stage in record.get("stages") or [] for s in stage["stageSittings"] or []]
    return {
        "id": f"bills:{record['billId']}",
        "title": record["shortTitle"],
        "url": f"https://bills.parliament.uk/bills/{record['billId']}",
        "departments": departments,
        "published_at": min([*sittings, moment(record["lastUpdate"])]),
        "house": HOUSE_NAMES.get(record.get("currentHouse")),
    }


def expected_instrument(record: dict[str, Any]) -> dict[str, Any] | None:
    department = BILL_SPONSORS.get((record.get("layingBody") or {}).get("name"))
    if department is None:
        return None
    laid = {house: record.get(f"{house}LayingDate") for house in ("commons", "lords")}
    dates = [moment(value) for value in laid.values() if value]
    houses = [house for house, value in laid.items() if value]
    return {
        "id": f"statutory-instruments:{record['id']}",
        "title": record["name"],
        "url": f"https://statutoryinstruments.parliament.uk/instrument/{record['id']}/",
        "departments": [department],
        "published_at": min(dates) if dates else moment(record["paperMadeDate"]),
        "house": houses[0] if len(houses) == 1 else None,
    }


def response_records(source: str, body: Any) -> list[dict[str, Any]]:
    if source == "committee-publications":
        return list(body["items"])
    if source == "oral-questions":
        return list(body.get("Response", body.get("response", [])))
    if source == "whatson-events":
        return body if isinstance(body, list) else [body]
    if source == "bills":
        return [body]
    entries = body.get("items" if source == "deposited-papers" else "results", [body])
    if source == "govuk-publications":
        return list(entries)
    return [entry["value"] for entry in entries]


def expected_items(source: str, records: list[dict[str, Any]], department: str | None) -> dict[int, dict[str, Any]]:
    """Record position → what the item must look like; positions left out can never be delivered."""
    build: Callable[[dict[str, Any]], dict[str, Any] | None] = {
        "written-questions": expected_written_question,
        "written-statements": expected_written_statement,
        "govuk-publications": expected_publication,
        "deposited-papers": expected_paper,
        "whatson-events": lambda record: expected_event(record, department),
        "committee-publications": expected_committee_publication,
        "oral-questions": expected_oral_question,
        "bills": expected_bill,
        "statutory-instruments": expected_instrument,
    }[source]
    return {position: built for position, record in enumerate(records) if (built := build(record)) is not None}


@dataclass(frozen=True)
class Case:
    department: str | None = None
    rejected: tuple[int, ...] = ()
    """Positions of the records reported as bad (exit status 1, the others still delivered)."""
    why: str = ""


FIRST_SIGHTING_EVENTS = {
    ("written-question", "holding-answer"): ["holding-answer"],
    ("written-question", "answered"): ["answered"],
    ("written-question", "corrected"): ["answered", "corrected"],  # only an answer can be corrected
    ("written-question", "withdrawn"): ["withdrawn"],
    ("written-statement", "corrected"): ["corrected"],
    ("publication", "withdrawn"): ["withdrawn"],
    ("scheduled-event", "cancelled"): ["cancelled"],
    ("oral-question", "withdrawn"): ["withdrawn"],
    ("oral-question", "transferred"): ["transferred"],
    ("bill", "withdrawn"): ["withdrawn"],
}
"""The events, besides `new`, of a first version by its kind and state: what a subscriber filtering on the state's
event must receive it by."""
QUESTION_TIMES_AND_DEBATES = (0, 3, 5, 6, 7, 11, 13)
"""In the unfiltered What's On lists: question times, a Westminster Hall debate and a Public Bill Committee, which name
no department (the fetcher never queues them), and a Lords committee (691) that scrutinises no registry department."""
RECORDINGS = {
    "written-questions/detail_1679416.json": Case(),
    "written-questions/list_2024-01-05.json": Case(),
    "written-statements/list_2024-04-18.json": Case(),
    "written-statements/detail_1701201.json": Case(),
    "written-statements/detail_1701203.json": Case(),
    "written-statements/detail_1701204_search_result.json": Case(),
    "written-statements/detail_1701205.json": Case(),
    "govuk-publications/dfe_newest_first_page_1.json": Case(),
    "govuk-publications/dfe_newest_first_page_2.json": Case(),
    "govuk-publications/real_aggregate_organisations.json": Case(why="count=0: a response without results"),
    "govuk-publications/real_hmrc_filtered_truncated.json": Case(rejected=(0,), why="HMRC is not in the registry"),
    "govuk-publications/real_taxes_count_1.json": Case(),  # the DVLA's: its parent's, DfT's
    "deposited-papers/list_2024-04-17_2024-04-18.json": Case(rejected=(3,), why="UK Statistics Authority"),
    "deposited-papers/detail_6212.json": Case(),
    "deposited-papers/detail_6213.json": Case(),
    "deposited-papers/detail_6214.json": Case(),
    "deposited-papers/detail_6216.json": Case(),
    "deposited-papers/detail_6217.json": Case(),
    "whatson-events/2024-04-15_list_answeringBodyIds-60.json": Case(department=DFE),
    "whatson-events/2024-04-15_list_answeringBodyIds-17.json": Case(department=DHSC),
    "whatson-events/2024-04-25_list_answeringBodyIds-60.json": Case(department=DFE),
    "whatson-events/2024-04-15_list.json": Case(rejected=(*QUESTION_TIMES_AND_DEBATES, 15)),
    "whatson-events/2024-04-25_list.json": Case(rejected=(1, 2, 4, 5, 6, 10, 11, 14)),
    "committee-publications/real_education_2024-12-10_2024-12-17.json": Case(),
    "committee-publications/constructed_several_committees_2024-12-18_2024-12-19.json": Case(
        rejected=(4,), why="the Public Accounts Committee scrutinises no registry department"
    ),
    "oral-questions/constructed_2024-04-29_2024-04-30.json": Case(),
    "oral-questions/constructed_int_enums_camel_case_2024-05-07.json": Case(),
    "bills/bill_3501.json": Case(),
    "bills/bill_3502.json": Case(),  # House enums as ordinals, dates with an offset
    "bills/bill_3503.json": Case(),  # two departments
    "bills/bill_3504.json": Case(),
    "bills/bill_3505.json": Case(rejected=(0,), why="a private member's bill: no sponsoring department"),
    "bills/bill_3506.json": Case(),  # withdrawn
    "statutory-instruments/instrument_AbCd1234.json": Case(),
    "statutory-instruments/instrument_EfGh5678.json": Case(),
    "statutory-instruments/instrument_IjKl9012.json": Case(),
    "statutory-instruments/instrument_MnOp3456.json": Case(rejected=(0,), why="the Electoral Commission"),
    "statutory-instruments/instrument_QrSt7890.json": Case(),
    "statutory-instruments/instrument_UvWx2345.json": Case(),
}
NOT_RESPONSES = {
    "govuk-publications/real_results_2016.json": "results only: the envelope was not recorded",
}


def test_every_recorded_response_is_covered_below():
    # GIVEN the recordings shipped with the repo, THEN each one is ingested by the test below (or said not to be a
    # response body): a new recording cannot go untested
    shipped = {str(path.relative_to(UPSTREAM)) for path in UPSTREAM.glob("*/*.json")}
    assert shipped == set(RECORDINGS) | set(NOT_RESPONSES)


@pytest.mark.parametrize(("name", "case"), RECORDINGS.items(), ids=list(RECORDINGS))
def test_each_recorded_response_is_delivered_as_its_records_say(ingest, name, case):
    # GIVEN a recorded response of a source, and what its records say each item is and where it belongs
    source = name.split("/")[0]
    path = UPSTREAM / name
    records = response_records(source, recorded(name))
    expected = expected_items(source, records, case.department)

    # WHEN it is ingested (with the department of the query, for answers that name none)
    options = ["--department", case.department] if case.department else []
    run = ingest("--source", source, *options, path)

    # THEN the exit status and stderr report exactly the records that cannot be delivered, by file and position
    reported = [
        int(m.group(1)) for m in re.finditer(rf"^deptwatch: {re.escape(str(path))} record (\d+)\b", run.stderr, re.M)
    ]
    assert reported == list(case.rejected), run.stderr
    assert run.code == (1 if case.rejected else 0)
    problems = [line for line in run.stderr.splitlines() if not line.endswith("deptwatch does not notify (skipped)")]
    assert len(problems) == len(case.rejected)
    assert not set(case.rejected) & set(expected), "a rejected record was expected to be delivered"

    # AND every other record's item reached each of its departments' topics once (an event listed twice, once)
    wanted = {(item["id"], slug) for item in expected.values() for slug in item["departments"]}
    private = {(item["id"], slug) for item in expected.values() if item.get("private") for slug in item["departments"]}
    delivered = run.delivered()
    assert set(delivered) - private == wanted - private
    assert set(delivered.values()) <= {1}

    # AND each message says what its record says: title, link, department, published time with its offset, and the
    # lower-case filter attributes
    by_id = {item["id"]: item for item in expected.values()}
    source_kinds = {
        "written-questions": "written-question",
        "written-statements": "written-statement",
        "govuk-publications": "publication",
        "deposited-papers": "deposited-paper",
        "whatson-events": "scheduled-event",
        "committee-publications": "committee-publication",
        "oral-questions": "oral-question",
        "bills": "bill",
        "statutory-instruments": "statutory-instrument",
    }
    for line in run.lines:
        item = line["message"]["item"]
        want = by_id[item["id"]]
        assert item["title"] in want.get("titles", {want.get("title")})
        assert item["url"] == want["url"]
        assert line["topic_arn"] == TOPIC_PREFIX + line["department"]
        assert item["department"]["slug"] == line["department"]
        assert [d["slug"] for d in item["departments"]] == want["departments"]
        assert item["house"] == want["house"]
        if want["published_at"].tzinfo is LONDON:
            assert_with_offset(item["published_at"], want["published_at"])
        else:
            assert re.search(r"[+-]\d\d:\d\d$", item["published_at"])
            assert datetime.fromisoformat(item["published_at"]) == want["published_at"]
        attributes = line["attributes"]
        assert attributes["department"] == line["department"]
        assert attributes["source"] == source
        assert attributes["kind"] == source_kinds[source]
        # a first version is `new`, and also its state's event when it arrives past its first state
        assert line["message"]["event"] == "new" and attributes["event"] == line["message"]["events"]
        assert attributes["event"] == ["new", *FIRST_SIGHTING_EVENTS.get((item["kind"], item["state"]), [])]
        assert all(value == value.lower() for value in attributes.values() if isinstance(value, str))
        assert attributes.get("house") == want["house"]
        assert attributes.get("category") == (item["category"].lower() if item["category"] else None)
        assert item["version"] == 1 and line["message"]["schema"] == "deptwatch.notification/1"
        assert item["title"] in line["email"] and item["url"] in line["email"]


def test_the_2016_results_are_delivered_once_put_in_a_response_envelope(ingest, tmp_path):
    # GIVEN the real 2016 results (legacy `format`, no content_id, three timestamp formats), in the envelope the API
    # puts them in
    results = recorded("govuk-publications/real_results_2016.json")
    path = write(tmp_path, "search.json", {"results": results, "total": len(results), "start": 0, "aggregates": {}})

    # WHEN ingested
    run = ingest("--source", "govuk-publications", path)

    # THEN its two DfE results reach DfE, and the three results of no registry department are reported by position
    assert sorted(run.delivered()) == [
        ("govuk-publications:/early-years-foundation-stage", DFE),
        ("govuk-publications:/guidance/early-years-pupil-premium-guide-for-local-authorities", DFE),
    ]
    assert run.code == 1
    assert re.findall(r"record (\d+)", run.stderr) == ["1", "2", "4"]
    for line in run.lines:
        assert re.search(r"[+-]\d\d:\d\d$", line["message"]["item"]["published_at"])


def test_a_private_meeting_in_an_ingested_list_is_not_notified(ingest, tmp_path):
    # GIVEN the Education Committee's private meeting of the recorded list (the fetcher never queues it: "a committee
    # meeting in private has no public business to follow")
    [meeting] = [e for e in recorded("whatson-events/2024-04-15_list.json") if e["Id"] == 51241]
    assert meeting["Category"] == "Private Meeting"
    path = write(tmp_path, "list.json", [meeting])

    # WHEN a list holding it is ingested
    run = ingest("--source", "whatson-events", path)

    # THEN nobody is notified of it, as with the deployed pipeline
    assert run.lines == []


# --- a joint publication, and bad input ----------------------------------------------------------------------------


def test_a_publication_of_two_departments_reaches_both_topics(ingest):
    # GIVEN the recorded page holding the SEND code of practice, published by DfE and DHSC
    name = "govuk-publications/dfe_newest_first_page_1.json"
    [send] = [r for r in recorded(name)["results"] if r["title"] == "SEND code of practice: 0 to 25 years"]

    # WHEN the page is ingested
    run = ingest("--source", "govuk-publications", UPSTREAM / name)

    # THEN each department's topic got one message of it, addressed to that department, naming both
    item_id = f"govuk-publications:{send['content_id']}"
    joint = [line for line in run.lines if line["message"]["item"]["id"] == item_id]
    assert sorted(line["topic_arn"] for line in joint) == [TOPIC_PREFIX + DFE, TOPIC_PREFIX + DHSC]
    for line in joint:
        assert line["message"]["item"]["department"]["slug"] == line["department"] == line["attributes"]["department"]
        assert [d["slug"] for d in line["message"]["item"]["departments"]] == [DFE, DHSC]


def test_bad_input_is_reported_by_file_and_record_and_the_good_records_are_still_delivered(ingest, tmp_path):
    # GIVEN a file that is not JSON, a response of another source, a list page whose second record fails validation,
    # and a good response last
    not_json = tmp_path / "page.html"
    not_json.write_text("<html><body>Service unavailable</body></html>", encoding="utf-8")
    other_source = UPSTREAM / "whatson-events" / "2024-04-15_list.json"
    page = recorded("written-questions/list_2024-01-05.json")
    good, bad = page["results"][0]["value"], copy.deepcopy(page["results"][1]["value"])
    bad["dateTabled"] = "last Tuesday"
    invalid = write(
        tmp_path, "invalid.json", {"totalResults": 2, "results": [page["results"][0], {"value": bad, "links": []}]}
    )
    detail = UPSTREAM / "written-questions" / "detail_1679416.json"

    # WHEN they are ingested together
    run = ingest("--source", "written-questions", not_json, other_source, invalid, detail)

    # THEN the exit status is 1 and stderr has one line per problem, naming the file (and the record, with its id)
    assert run.code == 1
    problems = run.stderr.splitlines()
    assert len(problems) == 3, run.stderr
    assert problems[0].startswith(f"deptwatch: {not_json}: not JSON")
    assert problems[1].startswith(f"deptwatch: {other_source}: not a written-questions response")
    assert problems[2].startswith(f"deptwatch: {invalid} record 1 (id {bad['id']}): invalid written question: ")
    assert "dateTabled" in problems[2]
    # AND the good records, before and after the bad ones, were delivered
    assert sorted(run.delivered()) == sorted(
        [
            (f"written-questions:{good['id']}", ANSWERING_BODIES[good["answeringBodyId"]]),
            ("written-questions:1679416", DFE),
        ]
    )


# --- stdout carries the messages and nothing else -------------------------------------------------------------------


def test_stdout_holds_only_the_json_messages_even_with_the_functions_logs_shown(tmp_path):
    # GIVEN the command as installed, in a process of its own (logging is set up per process), with --verbose so that
    # the functions log at INFO, and one good and one bad record
    page = recorded("written-questions/list_2024-01-05.json")
    bad = copy.deepcopy(page["results"][1])
    bad["value"]["uin"] = ""
    path = write(tmp_path, "page.json", {"totalResults": 2, "results": [page["results"][0], bad]})
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "POWERTOOLS_", "MOTO_"))
    }
    # Any request that escaped moto would go to a closed local port: the test cannot reach the network.
    environment.update(HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9", NO_PROXY="")

    # WHEN `deptwatch --verbose ingest --json` runs
    command = ["-m", "infra.cli", "--verbose", "ingest", "--source", "written-questions", "--json", str(path)]
    completed = subprocess.run(  # noqa: S603  (our own interpreter and module, fixed arguments)
        [sys.executable, *command],
        cwd=REPO,
        env={**environment, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )

    # THEN stdout is exactly one JSON object per delivered message, with the documented keys and nothing else
    lines = json_lines(completed.stdout)
    assert len(lines) == 1, completed.stderr[-3000:]
    [line] = lines
    assert line["message"]["item"]["id"] == f"written-questions:{page['results'][0]['value']['id']}"
    # AND the logs and the bad record went to stderr
    assert completed.returncode == 1
    assert f"{path} record 1" in completed.stderr
    assert '"level":"INFO"' in completed.stderr.replace(" ", "")
