"""The What's On source: parsing the recorded events, routing them to departments, fetching through a fake API and
through the offline demo's recorded API, and the email a department reads."""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from infra.local.replay import recorded_apis, replay_transport
from infra.local.replay.whatson_events import RecordedEvents, recorded_api
from shared.adapters.http import UpstreamClient, UpstreamResponseError
from shared.domain.departments import DEPARTMENTS, by_slug
from shared.domain.lifecycle import classify
from shared.domain.raw_record import RawRecordMessage
from shared.sources.base import PoisonRecordError, ResponseShapeError
from shared.sources.whatson_events import WhatsOnEventsSource, date_windows

SOURCE = WhatsOnEventsSource()
HOST = "whatson-api.parliament.uk"
LIST_PATH = "/calendar/events/list.json"
EARLY = "whatson-events/2024-04-15_list.json"
LATE = "whatson-events/2024-04-25_list.json"
DFE_ANSWER = "whatson-events/2024-04-15_list_answeringBodyIds-60.json"
DHSC_ANSWER = "whatson-events/2024-04-15_list_answeringBodyIds-17.json"

DFE = "department-for-education"
DHSC = "department-of-health-and-social-care"
TREASURY = "hm-treasury"

# Read off the recordings by hand: the committee events and the department each must reach.
COMMITTEE_ROUTING = {
    51234: DFE,  # Education Committee (203), Disabled students' allowance
    51388: DFE,  # Education Committee, teacher recruitment (rescheduled later)
    51420: DFE,  # Education Committee, screen time (cancelled later)
    51241: DFE,  # Education Committee, private meeting
    51250: DHSC,  # Health and Social Care Committee (81)
    51262: TREASURY,  # Treasury Committee (158)
}
DSA_INQUIRY = "Disabled students\u2019 allowance"  # with the curly apostrophe, as the department page has it
DSA, DFE_QUESTIONS, TEACHERS, SCREEN_TIME = 51234, 51301, 51388, 51420
HEALTH_QUESTIONS, LORDS_QUESTION, LORDS_COMMITTEE, PMQS, PRIVATE_MEETING = 51302, 51310, 51330, 51300, 51241

SINCE = datetime(2024, 4, 22, 8, 0, tzinfo=UTC)
UNTIL = datetime(2024, 4, 25, 8, 0, tzinfo=UTC)


def events(recorded, name: str) -> dict[int, dict[str, Any]]:
    return {record["Id"]: record for record in recorded(name)}


def message(record: dict[str, Any], department: str | None = None) -> RawRecordMessage:
    return RawRecordMessage(
        source=SOURCE.name, record=record, department=department, fetched_at=datetime.now(UTC), origin="tests"
    )


def parse(record: dict[str, Any], department: str | None = None):
    return SOURCE.parse(message(record, department))


# --- parse: the recorded events ---


def test_parse_departmental_question_time_takes_the_department_of_its_query(recorded):
    # GIVEN DfE's question time, as the answeringBodyIds=60 query returned it (the record names no department)
    [record] = recorded(DFE_ANSWER)

    # WHEN it is parsed with the department the query was for
    item = parse(record, DFE)

    # THEN it is a scheduled event of the Department for Education, titled and dated as the department page shows it
    assert item.id == "whatson-events:51301"
    assert item.source == "whatson-events"
    assert item.kind == "scheduled-event"
    assert item.url == "https://whatson.parliament.uk/event/cal51301"
    assert [(d.slug, d.name) for d in item.departments] == [(DFE, "Department for Education")]
    assert item.title == "Education (including Topical Questions)"
    assert item.category == "Oral questions"
    assert item.house == "commons"
    assert item.state == "scheduled"
    assert item.summary is None and item.body is None and item.people == ()
    # AND its times are London times with the summer offset, the update being the start too
    dumped = item.model_dump(mode="json")
    assert dumped["published_at"] == dumped["updated_at"] == "2024-04-29T14:30:00+01:00"
    assert item.details == {
        "starts_at": "2024-04-29T14:30:00+01:00",
        "ends_at": "2024-04-29T15:30:00+01:00",
        "location": None,
        "type": "Main Chamber",
        "committee": None,
        "committee_id": None,
        "inquiry": None,
        "cancelled_on": None,
    }


def test_parse_committee_session_routes_by_its_committee(recorded):
    # GIVEN the Education Committee's evidence session on disabled students' allowance, queued without a department
    record = events(recorded, EARLY)[DSA]

    # WHEN it is parsed
    item = parse(record)

    # THEN its committee (203) names the Department for Education, and it is titled by its inquiry
    assert [d.slug for d in item.departments] == [DFE]
    assert item.title == DSA_INQUIRY
    assert item.category == "Oral evidence"
    assert item.house == "commons"
    assert item.model_dump(mode="json")["published_at"] == "2024-04-23T09:30:00+01:00"
    assert item.details["committee"] == "Education Committee"
    assert item.details["committee_id"] == 203
    assert item.details["inquiry"] == DSA_INQUIRY
    assert item.details["location"] == "The Thatcher Room, Portcullis House"
    assert item.details["type"] == "Select & Joint Committees"
    assert item.details["ends_at"] == "2024-04-23T11:30:00+01:00"
    # AND the witnesses of its panels are its people
    assert [(p.role, p.display()) for p in item.people] == [
        ("witness", "Chief Executive, National Association of Disability Practitioners"),
        ("witness", "Head of Disability Services, University of Leeds"),
        (
            "witness",
            "Parliamentary Under-Secretary of State (Minister for Skills, Apprenticeships and Higher Education), "
            "Department for Education",
        ),
        ("witness", "Chief Executive, Student Loans Company"),
    ]


@pytest.mark.parametrize("name", [EARLY, LATE])
def test_parse_every_recorded_committee_event_reaches_its_department(recorded, name):
    # GIVEN the recorded lists, with the committee events of three departments in them
    for event_id, record in events(recorded, name).items():
        if event_id not in COMMITTEE_ROUTING:
            continue
        # WHEN each is parsed without a department
        item = parse(record)

        # THEN it reaches the department its committee scrutinises, and nothing else
        assert [d.slug for d in item.departments] == [COMMITTEE_ROUTING[event_id]], event_id
        assert item.id == f"whatson-events:{event_id}"


def test_the_same_event_listed_three_times_is_one_item(recorded):
    # GIVEN the recorded list, where the disabled students' allowance session is listed three times
    copies = [record for record in recorded(EARLY) if record["Id"] == DSA]
    assert len(copies) == 3

    # WHEN each copy is parsed
    items = [parse(record) for record in copies]

    # THEN they are one and the same item (same id, same content: the store writes it once)
    assert items[0] == items[1] == items[2]
    assert len({item.content_hash() for item in items}) == 1


def test_parse_routes_a_committee_by_name_when_its_id_is_unknown(recorded):
    # GIVEN an Education Committee session whose committee id the registry does not know
    record = copy.deepcopy(events(recorded, EARLY)[DSA])
    record["Committee"]["Id"] = 99_999

    # WHEN it is parsed
    # THEN the committee's name still routes it
    assert [d.slug for d in parse(record).departments] == [DFE]


def test_the_committee_outranks_the_department_of_the_query(recorded):
    # GIVEN a Health and Social Care Committee session queued with another department
    record = events(recorded, EARLY)[51250]

    # WHEN it is parsed
    # THEN the department the record names through its committee wins
    assert [d.slug for d in parse(record, DFE).departments] == [DHSC]


def test_a_later_recording_with_another_start_is_a_rescheduled_version(recorded):
    # GIVEN the teacher-recruitment session as first recorded (30 Apr 09:30) and as recorded later (7 May 10:00)
    before = parse(events(recorded, EARLY)[TEACHERS])
    after = parse(events(recorded, LATE)[TEACHERS])

    # WHEN the two versions are compared
    # THEN it is the same item, its start moved, and the lifecycle calls it rescheduled
    assert before.id == after.id == "whatson-events:51388"
    assert before.details["starts_at"] == "2024-04-30T09:30:00+01:00"
    assert after.details["starts_at"] == "2024-05-07T10:00:00+01:00"
    assert after.state == "scheduled"
    assert classify(before, after) == "rescheduled"


def test_a_cancelled_date_makes_the_event_cancelled(recorded):
    # GIVEN the screen-time session as first recorded, and later with CancelledDate set
    before = parse(events(recorded, EARLY)[SCREEN_TIME])
    after = parse(events(recorded, LATE)[SCREEN_TIME])

    # WHEN the two versions are compared
    # THEN the later one is cancelled, updated at the cancellation, and the lifecycle calls it cancelled
    assert after.state == "cancelled"
    assert after.details["cancelled_on"] == "2024-04-24"
    assert after.model_dump(mode="json")["updated_at"] == "2024-04-24T00:00:00+01:00"
    assert after.details["starts_at"] == before.details["starts_at"]
    assert classify(before, after) == "cancelled"


def test_parse_lords_event_without_a_time_with_its_member(recorded):
    # GIVEN the Lords oral question (StartTime "", the asking peer in Members), ingested for a department
    record = events(recorded, EARLY)[LORDS_QUESTION]

    # WHEN it is parsed
    item = parse(record, DFE)

    # THEN it is a Lords event starting on its day (no time), with the member as its person
    assert item.house == "lords"
    assert item.title == "Schools: mobile phones"
    assert item.details["starts_at"] == "2024-04-23"
    assert item.details["ends_at"] is None
    assert item.model_dump(mode="json")["published_at"] == "2024-04-23T00:00:00+01:00"
    assert [(p.role, p.display()) for p in item.people] == [
        ("member", "Baroness Morris of Yardley (Labour - Life peer)")
    ]


def test_parse_titles_an_event_without_description_by_its_category(recorded):
    # GIVEN Prime Minister's Question Time, which has no Description
    record = events(recorded, EARLY)[PMQS]
    assert record["Description"] is None

    # WHEN it is parsed for the Prime Minister
    item = parse(record, "prime-ministers-office-10-downing-street")

    # THEN its category is its title
    assert item.title == item.category == "Prime Minister's Question Time"


def test_parse_titles_a_session_without_inquiry_by_its_committee(recorded):
    # GIVEN the Education Committee's private meeting: no inquiry, no Description
    item = parse(events(recorded, EARLY)[PRIVATE_MEETING])

    # WHEN it is parsed
    # THEN it is titled by its committee and category
    assert item.title == "Education Committee - Private Meeting"


def test_parse_tolerates_null_lists_and_attendee_objects(recorded):
    # GIVEN a session whose lists are null and whose panel has an attendee object besides a name (the spec says
    # strings; a sampler of the live API expected objects)
    record = copy.deepcopy(events(recorded, EARLY)[DSA])
    record.update({"Members": None, "Tags": None, "Metadata": None})
    record["Committee"]["Inquiries"] = None
    record["EventActivities"] = [
        {"Id": 1, "StartTime": "9:30 am", "EndTime": None, "Attendees": [{"Name": "?"}, "Chief Executive, SLC"]}
    ]

    # WHEN it is parsed
    item = parse(record)

    # THEN it is still the session, titled by its Description, with the witness it could read
    assert item.title == DSA_INQUIRY
    assert item.details["inquiry"] is None
    assert [(p.role, p.name) for p in item.people] == [("witness", "Chief Executive, SLC")]


def test_winter_times_have_the_gmt_offset(recorded):
    # GIVEN DfE's question time moved to a January Monday
    [record] = recorded(DFE_ANSWER)
    record = {**record, "StartDate": "2025-01-13T00:00:00", "EndDate": "2025-01-13T00:00:00"}

    # WHEN it is parsed
    # THEN its times carry +00:00
    assert parse(record, DFE).details["starts_at"] == "2025-01-13T14:30:00+00:00"


@pytest.mark.parametrize("start_time", ["14:30", "14:30:00", "2:30 pm", "2:30 p.m.", " 2:30PM "])
def test_parse_reads_the_start_time_in_the_forms_seen(recorded, start_time):
    # GIVEN DfE's question time with its StartTime written in a form seen in client code
    [record] = recorded(DFE_ANSWER)

    # WHEN it is parsed
    # THEN it starts at 14:30 London time
    assert parse({**record, "StartTime": start_time}, DFE).details["starts_at"] == "2024-04-29T14:30:00+01:00"


def test_parse_is_deterministic_for_the_same_record(recorded):
    # GIVEN the same event fetched twice, at different times
    record = events(recorded, EARLY)[DSA]
    first = SOURCE.parse(message(record).model_copy(update={"fetched_at": datetime(2024, 4, 15, tzinfo=UTC)}))
    second = SOURCE.parse(message(copy.deepcopy(record)).model_copy(update={"fetched_at": datetime.now(UTC)}))

    # WHEN the items are compared
    # THEN they are equal and hash the same (no new version is written)
    assert first == second
    assert first.content_hash() == second.content_hash()


# --- parse: poison records ---


def _without(record: dict[str, Any], field: str) -> dict[str, Any]:
    return {name: value for name, value in record.items() if name != field}


@pytest.mark.parametrize(
    ("mutate", "department", "reason"),
    [
        (lambda r: _without(r, "Id"), DFE, "Id"),
        (lambda r: {**r, "Id": "not-a-number"}, DFE, "Id"),
        (lambda r: {**r, "Id": -5}, DFE, "Id"),
        (lambda r: _without(r, "StartDate"), DFE, "StartDate"),
        (lambda r: {**r, "StartDate": "2024-02-30T00:00:00"}, DFE, "StartDate"),
        (lambda r: {**r, "StartDate": "next Monday"}, DFE, "StartDate"),
        (lambda r: {**r, "CancelledDate": "2024-13-01T00:00:00"}, DFE, "CancelledDate"),
        (lambda r: {**r, "StartTime": "25:00"}, DFE, "StartTime"),
        (lambda r: {**r, "StartTime": "after the statements"}, DFE, "StartTime"),
        (lambda r: {**r, "StartTime": 1430}, DFE, "StartTime"),
        (lambda r: {**r, "Members": [{"Id": 1, "Name": ""}]}, DFE, "Members"),
        (lambda r: {**r, "Committee": "Education"}, DFE, "Committee"),
        (lambda r: r, None, "--department"),
        (lambda r: r, "department-of-magic", "department-of-magic"),
        (lambda r: {**r, "Description": None, "Category": None, "Type": " "}, DFE, "title"),
    ],
)
def test_parse_rejects_a_record_that_can_never_be_an_item(recorded, mutate, department, reason):
    # GIVEN DfE's question time with a missing or wrong field, or no department to route it to
    [record] = recorded(DFE_ANSWER)

    # WHEN it is parsed
    # THEN it is a poison record, and the reason names the problem
    with pytest.raises(PoisonRecordError) as caught:
        parse(mutate(copy.deepcopy(record)), department)
    assert reason in str(caught.value)


def test_a_committee_not_in_the_registry_needs_a_department(recorded):
    # GIVEN the session of a Lords committee that scrutinises no registered department, queued without a department
    record = events(recorded, EARLY)[LORDS_COMMITTEE]

    # WHEN it is parsed
    # THEN it is a poison record naming the committee
    with pytest.raises(PoisonRecordError) as caught:
        parse(record)
    assert "committee 691 (Education for 11\u201316 Year Olds Committee)" in str(caught.value)


def test_poison_reason_does_not_echo_the_bad_value(recorded):
    # GIVEN a record whose bad value must not end up in logs or dead-letter attributes as it is
    [record] = recorded(DFE_ANSWER)

    # WHEN it is parsed
    with pytest.raises(PoisonRecordError) as caught:
        parse({**record, "StartTime": "<script>steal()</script>"}, DFE)

    # THEN the reason names the field, not the value
    assert "StartTime" in str(caught.value)
    assert "steal" not in str(caught.value)


# --- records_from_response ---


def test_records_from_a_recorded_list(recorded):
    # GIVEN a recorded list answer (a bare array)
    body = recorded(EARLY)

    # WHEN its records are read
    # THEN they are the events exactly as listed, duplicates and order included
    assert SOURCE.records_from_response(body) == body
    assert [r["Id"] for r in SOURCE.records_from_response(body)].count(DSA) == 3


def test_records_from_a_single_event(recorded):
    # GIVEN one event, as /calendar/events/cal{id} answers
    event = events(recorded, EARLY)[DSA]

    # WHEN its records are read
    # THEN it is that one record
    assert SOURCE.records_from_response(event) == [event]


def test_records_from_an_empty_list():
    # GIVEN the answer for a recess: nothing calendared
    # WHEN its records are read
    # THEN there are none
    assert SOURCE.records_from_response([]) == []


@pytest.mark.parametrize(
    "body",
    [
        None,
        "a string",
        {},
        {"Message": "An error has occurred."},
        {"totalResults": 1, "results": [{"value": {"id": 1}}]},
        [1],
        [None],
        [{"id": 51234, "startDate": "2024-04-23T00:00:00"}],  # camelCase: another API
        [{"Date": "2024-04-23T00:00:00", "Houses": []}],  # the diary endpoint
    ],
)
def test_records_from_a_response_of_the_wrong_shape_raise(body):
    # GIVEN a body that is neither a list of events nor one event
    # WHEN its records are read
    # THEN ResponseShapeError
    with pytest.raises(ResponseShapeError):
        SOURCE.records_from_response(body)


# --- fetch, against the fake API (infra.local.replay) served through httpx.MockTransport ---


def client_for(handler) -> UpstreamClient:
    return UpstreamClient(transport=httpx.MockTransport(handler), sleep=lambda _: None)


def fetch(api: RecordedEvents, departments=DEPARTMENTS, since=SINCE, until=UNTIL):
    client = UpstreamClient(transport=api.transport(), sleep=lambda _: None)
    return list(SOURCE.fetch(client, departments, since, until))


@pytest.fixture
def api(recorded) -> RecordedEvents:
    return RecordedEvents(recorded(EARLY), answers={60: recorded(DFE_ANSWER), 17: recorded(DHSC_ANSWER)})


def test_fetch_asks_one_window_for_everything_then_each_department_s_question_times(api):
    # GIVEN the API and a poll from Monday 22 to Thursday 25 April 2024
    # WHEN DfE and DHSC are fetched
    fetch(api, [by_slug(DFE), by_slug(DHSC)])

    # THEN one list of 31 days covers the poll and four weeks ahead, then one answeringBodyIds list per department
    window = [("queryParameters.startDate", "2024-04-22"), ("queryParameters.endDate", "2024-05-22")]
    assert api.queries() == [
        window,
        [*window, ("queryParameters.answeringBodyIds", "60")],
        [*window, ("queryParameters.answeringBodyIds", "17")],
    ]


def test_fetch_asks_with_every_answering_body_id_of_a_department(api):
    # GIVEN a department known by several answering-body ids (MHCLG: 7, and DLUHC's 211)
    # WHEN it is fetched
    fetch(api, [by_slug("ministry-of-housing-communities-local-government")])

    # THEN its question-time query repeats the parameter for each id
    assert api.requests[1].url.params.get_list("queryParameters.answeringBodyIds") == ["7", "211"]


def test_fetch_reads_london_dates(api):
    # GIVEN a poll from 23:30 UTC on 30 June (already 1 July in London)
    # WHEN it is fetched
    fetch(api, [by_slug(DFE)], datetime(2024, 6, 30, 23, 30, tzinfo=UTC), datetime(2024, 7, 1, 9, tzinfo=UTC))

    # THEN the window starts on the London date
    assert api.requests[0].url.params["queryParameters.startDate"] == "2024-07-01"
    assert api.requests[0].url.params["queryParameters.endDate"] == "2024-07-31"


def test_fetch_splits_a_long_backfill_into_even_calls_of_at_most_31_days(api):
    # GIVEN a backfill from 1 March to 25 April 2024 (77 days with the three weeks ahead)
    # WHEN it is fetched
    fetch(api, [by_slug(DFE)], datetime(2024, 3, 1, 9, tzinfo=UTC), UNTIL)

    # THEN three unfiltered calls of 26 days cover it without gap or overlap
    unfiltered = [dict(q) for q in api.queries() if "queryParameters.answeringBodyIds" not in dict(q)]
    assert [(q["queryParameters.startDate"], q["queryParameters.endDate"]) for q in unfiltered] == [
        ("2024-03-01", "2024-03-26"),
        ("2024-03-27", "2024-04-21"),
        ("2024-04-22", "2024-05-16"),
    ]
    # AND DfE is asked about the April window only: nothing is calendared in the March ones
    assert len(api.requests) == 4
    assert dict(api.queries()[3])["queryParameters.startDate"] == "2024-04-22"


@pytest.mark.parametrize(("days", "calls"), [(1, 1), (31, 1), (32, 2), (62, 2), (63, 3), (400, 13)])
def test_date_windows_cover_the_range_in_calls_of_at_most_31_days(days, calls):
    # GIVEN a range of some days
    first = datetime(2024, 1, 1).date()
    last = first.fromordinal(first.toordinal() + days - 1)

    # WHEN it is split
    windows = date_windows(first, last)

    # THEN the calls are as few as allowed, each at most 31 days, contiguous from first to last
    assert len(windows) == calls
    assert windows[0][0] == first and windows[-1][1] == last
    assert all((end - start).days + 1 <= 31 for start, end in windows)
    assert all(b[0].toordinal() == a[1].toordinal() + 1 for a, b in itertools.pairwise(windows))


def test_fetch_keeps_the_committee_sessions_of_the_watched_departments_once_each(api):
    # GIVEN the recorded list: Education, Health and Treasury committee sessions, one listed three times, a private
    # meeting and a Lords committee outside the registry
    # WHEN only DfE is fetched
    fetched = fetch(api, [by_slug(DFE)])

    # THEN DfE's public committee sessions come once each, with no department attached (their committee names it)
    committee_sessions = [f for f in fetched if f.record.get("Committee")]
    assert [f.record["Id"] for f in committee_sessions] == [DSA, TEACHERS, SCREEN_TIME]
    assert {f.department for f in committee_sessions} == {None}
    assert committee_sessions[0].origin == (
        f"https://{HOST}{LIST_PATH}?queryParameters.startDate=2024-04-22&queryParameters.endDate=2024-05-22"
    )
    # AND its question time comes with the department of the query
    [questions] = [f for f in fetched if not f.record.get("Committee")]
    assert questions.record["Id"] == DFE_QUESTIONS
    assert questions.department == DFE
    assert questions.origin.endswith("&queryParameters.answeringBodyIds=60")


def test_fetch_of_every_department_routes_each_event_once(api):
    # GIVEN the API
    # WHEN every department is fetched
    fetched = fetch(api)

    # THEN each event comes once: the committee sessions of registered committees and the question times asked for
    ids = [f.record["Id"] for f in fetched]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted([DSA, TEACHERS, SCREEN_TIME, 51250, 51262, DFE_QUESTIONS, HEALTH_QUESTIONS])
    assert {f.record["Id"]: f.department for f in fetched if f.department} == {
        DFE_QUESTIONS: DFE,
        HEALTH_QUESTIONS: DHSC,
    }
    # AND a question each department's query did not return is nobody's (Wales, PMQs, the Lords question)
    assert not {51299, PMQS, LORDS_QUESTION} & set(ids)


def test_fetch_gives_an_event_claimed_by_two_departments_to_the_first_asked(recorded):
    # GIVEN a joint question time that the queries of two departments both return
    [questions] = recorded(DFE_ANSWER)
    api = RecordedEvents(recorded(EARLY), answers={60: [questions], 17: [questions]})

    # WHEN DfE and DHSC are fetched
    fetched = fetch(api, [by_slug(DFE), by_slug(DHSC)])

    # THEN it is queued once, for the department asked first
    assert [(f.record["Id"], f.department) for f in fetched if not f.record.get("Committee")] == [(DFE_QUESTIONS, DFE)]


def test_fetch_drops_events_that_are_not_question_times_from_a_department_s_answer(recorded, caplog):
    # GIVEN a DfE answer that also holds a Westminster Hall debate and a Treasury Committee session
    everything = events(recorded, EARLY)
    api = RecordedEvents(
        recorded(EARLY), answers={60: [everything[DFE_QUESTIONS], everything[51290], everything[51262]]}
    )

    # WHEN DfE is fetched
    fetched = fetch(api, [by_slug(DFE)])

    # THEN only the question time is attributed to DfE, and the rest is reported
    assert [f.record["Id"] for f in fetched if f.department] == [DFE_QUESTIONS]
    assert 51290 not in {f.record["Id"] for f in fetched}
    assert "events that are not question times dropped" in caplog.text


def test_fetch_drops_a_department_s_answer_when_the_filter_was_ignored(recorded, caplog):
    # GIVEN an API that ignores answeringBodyIds and answers every query with the whole calendar
    api = RecordedEvents(recorded(EARLY), honour_filters=False)

    # WHEN DfE is fetched
    fetched = fetch(api, [by_slug(DFE)])

    # THEN no question time is attributed to DfE (Wales', Health's and the PM's would flood its topic), its committee
    # sessions still come, and the ignored filter is reported
    assert [f for f in fetched if f.department] == []
    assert [f.record["Id"] for f in fetched] == [DSA, TEACHERS, SCREEN_TIME]
    assert "answeringBodyIds ignored" in caplog.text


def test_fetch_drops_events_outside_the_window_asked_for(recorded, caplog):
    # GIVEN an API that also answers with an Education Committee session in June, outside the window
    june = copy.deepcopy(events(recorded, EARLY)[DSA])
    june.update({"Id": 59999, "StartDate": "2024-06-25T00:00:00", "EndDate": "2024-06-25T00:00:00"})
    api = RecordedEvents([*recorded(EARLY), june], answers={60: recorded(DFE_ANSWER)}, honour_dates=False)

    # WHEN DfE is fetched
    fetched = fetch(api, [by_slug(DFE)])

    # THEN the June session is dropped and reported
    assert 59999 not in {f.record["Id"] for f in fetched}
    assert "events outside the date window asked for dropped" in caplog.text


def test_fetch_in_a_recess_asks_no_department(recorded):
    # GIVEN an API with nothing calendared (a recess answers [])
    api = RecordedEvents([], answers={60: recorded(DFE_ANSWER)})

    # WHEN every department is fetched
    # THEN nothing comes, from the one unfiltered call
    assert fetch(api) == []
    assert len(api.requests) == 1


def test_fetch_passes_an_invalid_record_on_for_the_processor_to_report(recorded):
    # GIVEN an Education Committee session whose StartDate is missing
    broken = _without(events(recorded, EARLY)[DSA], "StartDate")
    api = RecordedEvents([broken], answers={60: recorded(DFE_ANSWER)})

    # WHEN DfE is fetched
    fetched = fetch(api, [by_slug(DFE)])

    # THEN it is still queued as it is (the processor puts it on the dead-letter queue with the reason)
    assert fetched[0].record == broken


@pytest.mark.parametrize(
    "body",
    [{"Message": "An error has occurred."}, {"Id": 51234, "StartDate": "2024-04-23T00:00:00"}, [{"id": 1}]],
)
def test_fetch_refuses_an_answer_that_is_not_a_list_of_events(body):
    # GIVEN an API whose list answers with an error object, a single event, or another API's records
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    # WHEN it is fetched
    # THEN UpstreamResponseError, naming the query
    with pytest.raises(UpstreamResponseError) as caught:
        list(SOURCE.fetch(client_for(answer), DEPARTMENTS, SINCE, UNTIL))
    assert "queryParameters.startDate=2024-04-22" in caught.value.url


def test_fetch_reports_a_refused_query():
    # GIVEN an API that refuses the query (as it does a range of more than 31 days)
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"Message": "The request is invalid."})

    # WHEN it is fetched
    # THEN UpstreamResponseError
    with pytest.raises(UpstreamResponseError):
        list(SOURCE.fetch(client_for(refuse), DEPARTMENTS, SINCE, UNTIL))


# --- the offline demo: the recorded API that the replay server serves ---


def replayed(requests: list[httpx.Request]):
    """The replay server's answers from the recordings, in-process (unit tests have no sockets), counting requests."""
    transport = replay_transport()

    def handle(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return transport.handle_request(request)

    return handle


def test_the_replay_server_serves_the_recordings_to_the_fetch():
    # GIVEN the recorded APIs the replay server discovers, this one among them
    assert HOST in {api.host for api in recorded_apis()}
    requests: list[httpx.Request] = []

    # WHEN every department is fetched through them for the poll of 25 April 2024
    fetched = list(SOURCE.fetch(client_for(replayed(requests)), DEPARTMENTS, SINCE, UNTIL))

    # THEN every query is answered, and the events come once each in their latest recorded state
    assert {f.record["Id"]: f.department for f in fetched} == {
        DSA: None,
        51250: None,
        TEACHERS: None,
        51262: None,
        SCREEN_TIME: None,
        DFE_QUESTIONS: DFE,
        HEALTH_QUESTIONS: DHSC,
    }
    latest = {f.record["Id"]: SOURCE.parse(message(f.record, f.department)) for f in fetched}
    assert latest[TEACHERS].details["starts_at"] == "2024-05-07T10:00:00+01:00"
    assert latest[SCREEN_TIME].state == "cancelled"
    assert len(requests) == 1 + sum(1 for d in DEPARTMENTS if d.answering_body_ids)


def test_the_recorded_api_refuses_more_than_31_days_and_a_backfill_stays_within():
    # GIVEN the recorded API
    api = recorded_api()
    requests: list[httpx.Request] = []

    # WHEN it is asked for 32 days
    status, _ = api.handle(
        LIST_PATH, {"queryParameters.startDate": ["2024-04-01"], "queryParameters.endDate": ["2024-05-02"]}
    )

    # THEN it refuses, as the live API does
    assert status == 400
    # AND a backfill from the earliest recording (as `make demo` does) is answered call after call
    since = datetime.combine(api.earliest(), datetime.min.time(), tzinfo=UTC)
    assert api.earliest().isoformat() == "2024-04-23"
    fetched = list(SOURCE.fetch(client_for(replayed(requests)), [by_slug(DFE)], since, UNTIL))
    assert {f.record["Id"] for f in fetched} == {DSA, TEACHERS, SCREEN_TIME, DFE_QUESTIONS}


def test_the_recorded_api_answers_single_events_and_leaves_other_paths_alone():
    # GIVEN the recorded API
    api = recorded_api()

    # WHEN single events and another API's path are asked for
    found = api.handle("/calendar/events/cal51388", {})
    missing = api.handle("/calendar/events/cal1", {})
    other = api.handle("/calendar/sessions/list.json", {})

    # THEN a recorded event comes in its latest state (a body this source reads), an unknown one is 404, and a path
    # this emulation does not serve is left to the other recorded APIs
    assert found is not None and found[0] == 200
    assert SOURCE.records_from_response(found[1])[0]["StartDate"] == "2024-05-07T00:00:00"
    assert missing is not None and missing[0] == 404
    assert other is None
