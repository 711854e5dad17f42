"""The written-statements source: parsing the recorded records, recognising responses, fetching through a fake API and
through the offline replay, and the email a department's subscriber reads."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from infra.local.replay import answer, apis_by_host, replay_transport
from infra.local.replay.written_statements import RecordedStatements
from shared.adapters.http import UpstreamClient, UpstreamResponseError
from shared.domain.departments import DEPARTMENTS, by_slug
from shared.sources.base import PoisonRecordError, ResponseShapeError
from shared.sources.written_statements import WrittenStatementsSource

SOURCE = WrittenStatementsSource()
API_HOST = "questions-statements-api.parliament.uk"
LIST_PATH = "/api/writtenstatements/statements"
PAGE = "written-statements/list_2024-04-18.json"
TAG = re.compile(r"</?[A-Za-z][^>]*>")

DFE = "department-for-education"
DWP = "department-for-work-pensions"
DHSC = "department-of-health-and-social-care"
HMT = "hm-treasury"

# Read off the recordings by hand: each statement's answering body, department, House and UIN.
ROUTING = {
    1701201: (60, DFE, "commons", "HCWS421"),
    1701202: (60, DFE, "lords", "HLWS398"),
    1701203: (60, DFE, "commons", "HCWS422"),
    1701204: (29, DWP, "commons", "HCWS423"),
    1701205: (17, DHSC, "commons", "HCWS424"),
    1701206: (14, HMT, "commons", "HCWS425"),
}
CUT = {1701201, 1701203, 1701204, 1701205}
"""The list records whose text the list endpoint cut (ends with "..."): only the detail endpoint has all of it."""


@pytest.fixture
def list_page(recorded) -> dict[str, Any]:
    return recorded(PAGE)


@pytest.fixture
def listed(list_page) -> list[dict[str, Any]]:
    return [entry["value"] for entry in list_page["results"]]


@pytest.fixture
def details(recorded) -> dict[int, dict[str, Any]]:
    """The full records of the cut statements, as the detail endpoint gives them (one in the spec's envelope)."""
    bodies = [
        recorded("written-statements/detail_1701201.json"),
        recorded("written-statements/detail_1701203.json"),
        recorded("written-statements/detail_1701204_search_result.json"),
        recorded("written-statements/detail_1701205.json"),
    ]
    records = [record for body in bodies for record in SOURCE.records_from_response(body)]
    return {record["id"]: record for record in records}


@pytest.fixture
def full(listed, details) -> list[dict[str, Any]]:
    """Every recorded statement with its whole text."""
    return [details.get(record["id"], record) for record in listed]


def parse(raw_message, record):
    return SOURCE.parse(raw_message(record, source=SOURCE.name))


def by_id(records: list[dict[str, Any]], statement_id: int) -> dict[str, Any]:
    return copy.deepcopy(next(r for r in records if r["id"] == statement_id))


# --- parse ---


def test_parse_a_full_statement(raw_message, details):
    # GIVEN the full record of the Department for Education's Commons statement HCWS421
    # WHEN it is parsed
    item = parse(raw_message, details[1701201])

    # THEN it is a published written statement of the Department for Education, at its public page
    assert item.id == "written-statements:1701201"
    assert item.source == "written-statements"
    assert item.kind == "written-statement"
    assert item.category is None
    assert item.url == "https://questions-statements.parliament.uk/written-statements/detail/2024-04-18/HCWS421"
    assert [(d.slug, d.name) for d in item.departments] == [(DFE, "Department for Education")]
    assert item.title == "Childcare Expansion: Progress"
    assert item.house == "commons"
    assert item.state == "published"
    # AND its date is London midnight, in summer time (+01:00)
    dumped = item.model_dump(mode="json")
    assert dumped["published_at"] == dumped["updated_at"] == "2024-04-18T00:00:00+01:00"
    # AND the minister is named as the page names members, the role kept in the details
    assert [(p.role, p.display()) for p in item.people] == [("made-by", "Gillian Keegan (Conservative - Chichester)")]
    assert item.details == {
        "uin": "HCWS421",
        "date_made": "2024-04-18",
        "notice_number": 3,
        "member_role": "Secretary of State for Education",
        "linked_statements": None,
    }
    # AND the text is plain paragraphs (no markup, no empty spacer paragraph), the link's target kept
    assert item.body is not None and not TAG.search(item.body)
    assert item.body.startswith("Today I am updating the House on the progress of the largest expansion")
    assert "\n\nFrom 1 April 2024, eligible working parents" in item.body
    assert "GOV.UK (https://www.gov.uk/government/publications/childcare-expansion-take-up)" in item.body
    assert item.body.endswith("from September 2025 that will rise to 30 hours.")
    assert item.summary is None
    # AND its attachment is listed with its URL, type and size
    assert [(a.title, a.url, a.file_type, a.size_bytes) for a in item.attachments] == [
        (
            "Childcare expansion take-up April 2024",
            "https://qna.files.parliament.uk/ws-attachments/1701201/original/Childcare%20expansion%20take-up%20April%202024.pdf",
            "PDF",
            284113,
        )
    ]


def test_parse_every_recorded_statement_routes_by_answering_body(raw_message, full):
    # GIVEN the six recorded statements of four departments, in both Houses
    assert {r["id"] for r in full} == set(ROUTING)

    for record in full:
        # WHEN each is parsed
        item = parse(raw_message, record)

        # THEN it belongs to the department of its answering body only, in its House, at its own page
        body_id, slug, house, uin = ROUTING[record["id"]]
        assert record["answeringBodyId"] == body_id
        assert [d.slug for d in item.departments] == [slug]
        assert item.house == house
        assert item.url.endswith(f"/written-statements/detail/2024-04-18/{uin}")


def test_parse_a_lords_statement_read_from_the_list(raw_message, listed):
    # GIVEN the Lords statement, whose short text the list endpoint gives whole (as plain text)
    # WHEN it is parsed
    item = parse(raw_message, by_id(listed, 1701202))

    # THEN it is a Lords item made by a peer, with the text as it is
    assert item.house == "lords"
    assert [p.display() for p in item.people] == ["Baroness Barran (Conservative - Life peer)"]
    assert item.details["member_role"] == "Parliamentary Under-Secretary of State (Department for Education)"
    assert item.body == (
        "My right honourable friend the Secretary of State for Education has today made a Written Ministerial "
        "Statement on the progress of the childcare expansion: HCWS421."
    )


def test_a_joint_statement_is_one_item_per_department_each_naming_the_other(raw_message, details):
    # GIVEN the joint statement as recorded for the Department for Education and for the DWP
    education = parse(raw_message, details[1701203])
    work_and_pensions = parse(raw_message, details[1701204])

    # WHEN their items are compared
    # THEN each is its own published item, on its own department, linked to the other
    assert (education.id, [d.slug for d in education.departments]) == ("written-statements:1701203", [DFE])
    assert (work_and_pensions.id, [d.slug for d in work_and_pensions.departments]) == (
        "written-statements:1701204",
        [DWP],
    )
    assert education.state == work_and_pensions.state == "published"
    assert education.details["linked_statements"] == "1701204 (JointStatement)"
    assert work_and_pensions.details["linked_statements"] == "1701203 (JointStatement)"
    assert education.body == work_and_pensions.body


@pytest.mark.parametrize("link_type", ["CorrectedStatement", "CorrectedAnswer"])
def test_a_statement_that_corrects_another_is_corrected(raw_message, details, link_type):
    # GIVEN the DHSC correction, which links the statement it corrects (or, as a variant, an answer)
    record = details[1701205]
    record["linkedStatements"][0]["linkType"] = link_type

    # WHEN it is parsed
    item = parse(raw_message, record)

    # THEN its state is "corrected" and the corrected record is named in the details
    assert item.state == "corrected"
    assert item.details["linked_statements"] == f"1700987 ({link_type})"


def test_a_link_made_later_moves_the_update_time_not_the_date_made(raw_message, details):
    # GIVEN a statement to which a correction was linked on 2 May, after it was made on 18 April
    record = details[1701201]
    record["linkedStatements"] = [
        {"linkedStatementId": 1702001, "linkType": "CorrectedStatement", "linkDate": "2024-05-02T00:00:00"}
    ]

    # WHEN it is parsed
    dumped = parse(raw_message, record).model_dump(mode="json")

    # THEN it was published when made and updated when linked
    assert dumped["published_at"] == "2024-04-18T00:00:00+01:00"
    assert dumped["updated_at"] == "2024-05-02T00:00:00+01:00"


def test_winter_dates_have_the_gmt_offset(raw_message, details):
    # GIVEN a statement made on 10 January
    record = {**details[1701201], "dateMade": "2024-01-10T00:00:00"}

    # WHEN it is parsed
    item = parse(raw_message, record)

    # THEN its time carries +00:00 and its page the London date
    assert item.model_dump(mode="json")["published_at"] == "2024-01-10T00:00:00+00:00"
    assert item.url.endswith("/detail/2024-01-10/HCWS421")


@pytest.mark.parametrize("member", [None, {"id": 4051, "name": None, "party": None, "memberFrom": None}])
def test_a_statement_without_a_named_member_has_no_people(raw_message, details, member):
    # GIVEN a statement read without expandMember, or whose member has no name
    record = {**details[1701201], "member": member}

    # WHEN it is parsed
    item = parse(raw_message, record)

    # THEN nobody is named, and the role is still known
    assert item.people == ()
    assert item.details["member_role"] == "Secretary of State for Education"


def test_null_lists_and_unsafe_attachments(raw_message, details):
    # GIVEN null linkedStatements (nullable in the spec) and attachments of which one has a javascript: URL
    record = {
        **details[1701201],
        "linkedStatements": None,
        "attachments": [
            {"url": "javascript:alert(1)", "title": "Evil", "fileType": "PDF", "fileSizeBytes": 1},
            {"url": None, "title": "No URL", "fileType": None, "fileSizeBytes": 0},
        ],
    }

    # WHEN it is parsed
    item = parse(raw_message, record)

    # THEN it is an item without links and without the unsafe attachments
    assert item.details["linked_statements"] is None
    assert item.attachments == ()


def test_parse_is_deterministic_for_the_same_record(raw_message, details):
    # GIVEN the same record fetched twice, at different times
    first = SOURCE.parse(raw_message(details[1701205], datetime(2024, 4, 18, 9, tzinfo=UTC), source=SOURCE.name))
    second = SOURCE.parse(
        raw_message(copy.deepcopy(details[1701205]), datetime(2024, 4, 19, 9, tzinfo=UTC), source=SOURCE.name)
    )

    # WHEN the items are compared
    # THEN they are equal and have the same content hash (no new version is written)
    assert first == second
    assert first.content_hash() == second.content_hash()


def _without(record: dict[str, Any], field: str) -> dict[str, Any]:
    return {name: value for name, value in record.items() if name != field}


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda r: _without(r, "title"), "title"),
        (lambda r: _without(r, "id"), "id"),
        (lambda r: _without(r, "dateMade"), "dateMade"),
        (lambda r: _without(r, "answeringBodyId"), "answeringBodyId"),
        (lambda r: _without(r, "uin"), "uin"),
        (lambda r: {**r, "title": ""}, "title"),
        (lambda r: {**r, "title": "<b> </b>"}, "title is empty once markup is removed"),
        (lambda r: {**r, "id": 0}, "id"),
        (lambda r: {**r, "dateMade": "2024-02-30T00:00:00"}, "dateMade"),
        (lambda r: {**r, "uin": "../admin"}, "uin"),
        (lambda r: {**r, "house": "Senate"}, "house"),
        (lambda r: {**r, "linkedStatements": [{"linkType": "JointStatement"}]}, "linkedStatements"),
        (lambda r: {**r, "answeringBodyId": 999_999}, "answering body 999999"),
    ],
)
def test_parse_rejects_a_record_that_can_never_be_an_item(raw_message, details, mutate, reason):
    # GIVEN a record with a missing field, a wrong value, an empty title or an unknown answering body
    record = mutate(copy.deepcopy(details[1701201]))

    # WHEN it is parsed
    # THEN it is a poison record, and the reason names the problem
    with pytest.raises(PoisonRecordError) as caught:
        parse(raw_message, record)
    assert reason in str(caught.value)


# --- records_from_response ---


def test_records_from_the_list_page_and_both_detail_shapes(recorded, list_page):
    # GIVEN the list page, a detail in the {value, links} shape and one in the spec's list envelope
    item_shape = recorded("written-statements/detail_1701201.json")
    search_result_shape = recorded("written-statements/detail_1701204_search_result.json")

    # WHEN their records are read
    # THEN they are the `value` objects, unchanged
    assert [r["id"] for r in SOURCE.records_from_response(list_page)] == list(ROUTING)
    assert SOURCE.records_from_response(item_shape) == [item_shape["value"]]
    assert SOURCE.records_from_response(search_result_shape) == [search_result_shape["results"][0]["value"]]
    assert SOURCE.records_from_response({"totalResults": 0, "results": []}) == []


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "text",
        {},
        {"results": []},
        {"totalResults": 1, "results": None},
        {"totalResults": 1, "results": [{"id": 1}]},
        {"totalResults": 1, "results": [None]},
        {"value": [1]},
        {"items": [], "totalResults": 0},  # another API's envelope
    ],
)
def test_records_from_a_response_of_the_wrong_shape_raise(body):
    # GIVEN a body that is neither a list page nor a single statement
    # WHEN its records are read
    # THEN ResponseShapeError
    with pytest.raises(ResponseShapeError):
        SOURCE.records_from_response(body)


# --- fetch, against the fake API (infra.local.replay) served through httpx.MockTransport ---


SINCE = datetime(2024, 4, 17, 23, 30, tzinfo=UTC)  # 00:30 on 18 April in London
UNTIL = datetime(2024, 4, 19, 12, 0, tzinfo=UTC)


def fetch_all(api: RecordedStatements, departments=DEPARTMENTS):
    client = UpstreamClient(transport=api.transport(), sleep=lambda _: None)
    return list(SOURCE.fetch(client, departments, SINCE, UNTIL))


def test_fetch_asks_once_for_every_department_and_the_window_in_london_dates(listed, details):
    # GIVEN the API
    api = RecordedStatements(listed=listed, details=details)

    # WHEN every department is fetched from 00:30 on 18 April (London) to 19 April
    fetch_all(api)

    # THEN one list request names every answering body, the London dates, expanded members and a page of 100
    [request] = api.list_requests()
    all_ids = sorted({body_id for d in DEPARTMENTS for body_id in d.answering_body_ids})
    params = request.url.params
    assert params.get_list("answeringBodies") == [str(i) for i in all_ids]
    assert sorted(params.keys()) == ["answeringBodies", "expandMember", "madeWhenFrom", "madeWhenTo", "skip", "take"]
    assert (params["madeWhenFrom"], params["madeWhenTo"]) == ("2024-04-18", "2024-04-19")
    assert (params["expandMember"], params["take"], params["skip"]) == ("true", "100", "0")


def test_fetch_pages_by_what_the_api_returns(listed, details):
    # GIVEN an API that returns at most 4 results a page although 100 are asked for
    api = RecordedStatements(listed=listed, details=details, page_cap=4)

    # WHEN every department is fetched
    fetched = fetch_all(api)

    # THEN all six statements come back, each once, read with skip 0 then 4
    assert sorted(f.record["id"] for f in fetched) == sorted(ROUTING)
    assert [r.url.params["skip"] for r in api.list_requests()] == ["0", "4"]


def test_fetch_fails_when_the_pages_end_before_the_total(listed, details):
    # GIVEN an API whose totalResults promises more than it has
    api = RecordedStatements(listed=listed, details=details, page_cap=4, total=500)

    # WHEN every department is fetched THEN it fails (the fetcher keeps the watermark) at the first page short of
    # the API's page size before the total, rather than report 6 of 500 as the whole list
    with pytest.raises(UpstreamResponseError, match="do not add up"):
        fetch_all(api)
    assert [r.url.params["skip"] for r in api.list_requests()] == ["0", "4"]


@pytest.mark.parametrize("search_result_details", [False, True])
def test_fetch_completes_cut_texts_from_the_detail_endpoint(listed, details, search_result_details):
    # GIVEN the list as the list endpoint gives it, and a detail endpoint answering in either shape
    api = RecordedStatements(listed=listed, details=details, search_result_details=search_result_details)

    # WHEN every department is fetched
    fetched = {f.record["id"]: f for f in fetch_all(api)}

    # THEN exactly the cut statements are read again, with expanded members
    assert sorted(api.detail_ids()) == sorted(CUT)
    assert {r.url.params["expandMember"] for r in api.detail_requests()} == {"true"}
    # AND they carry the whole HTML text, the others the list's
    for record in listed:
        expected = details[record["id"]] if record["id"] in CUT else record
        assert fetched[record["id"]].record == expected
    assert fetched[1701201].record["text"].startswith("<p>Today I am updating the House")
    assert fetched[1701201].origin == f"https://{API_HOST}{LIST_PATH}/1701201"
    assert fetched[1701202].origin == f"https://{API_HOST}{LIST_PATH}?skip=0"


def test_fetch_keeps_the_listed_member_when_the_detail_has_none(listed, details):
    # GIVEN a detail endpoint that does not expand the member
    details[1701201]["member"] = None
    api = RecordedStatements(listed=[by_id(listed, 1701201)], details=details)

    # WHEN it is fetched
    [fetched] = fetch_all(api)

    # THEN the record has the detail's text and the list's member
    assert fetched.record["text"].startswith("<p>")
    assert fetched.record["member"]["name"] == "Gillian Keegan"


def test_fetch_drops_records_of_a_department_not_asked_for(listed, details):
    # GIVEN an API that ignores the answeringBodies filter
    api = RecordedStatements(listed=listed, details=details, honour_filters=False)

    # WHEN only the Department for Education is fetched
    fetched = fetch_all(api, [by_slug(DFE)])

    # THEN only its three statements come back, and no detail is read for the others
    assert sorted(f.record["id"] for f in fetched) == [1701201, 1701202, 1701203]
    assert sorted(api.detail_ids()) == [1701201, 1701203]


def test_fetch_yields_a_statement_listed_twice_once(listed, details):
    # GIVEN a list in which a statement appears twice (a page boundary shifted while it was read)
    api = RecordedStatements(listed=[*listed, by_id(listed, 1701205)], details=details, page_cap=4)

    # WHEN every department is fetched
    fetched = fetch_all(api)

    # THEN it is yielded, and its detail read, once
    assert [f.record["id"] for f in fetched].count(1701205) == 1
    assert api.detail_ids().count(1701205) == 1


def test_fetch_refuses_a_detail_that_is_another_statement(listed, details):
    # GIVEN a detail endpoint that answers for 1701201 with another statement
    api = RecordedStatements(listed=[by_id(listed, 1701201)], details={1701201: details[1701205]})

    # WHEN it is fetched
    # THEN the response is refused, naming the URL
    with pytest.raises(UpstreamResponseError) as caught:
        fetch_all(api)
    assert caught.value.url.endswith(f"{LIST_PATH}/1701201")


def test_fetch_refuses_a_list_answered_with_a_single_item(details):
    # GIVEN an API whose list endpoint answers with one statement
    def single(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"value": details[1701201], "links": []})

    client = UpstreamClient(transport=httpx.MockTransport(single), sleep=lambda _: None)

    # WHEN it is fetched
    # THEN UpstreamResponseError
    with pytest.raises(UpstreamResponseError):
        list(SOURCE.fetch(client, DEPARTMENTS, SINCE, UNTIL))


def test_fetch_passes_an_invalid_record_on_for_the_processor_to_report(listed, details):
    # GIVEN a cut list record without a title
    broken = _without(by_id(listed, 1701201), "title")
    api = RecordedStatements(listed=[broken], details=details)

    # WHEN it is fetched
    [fetched] = fetch_all(api)

    # THEN it is queued as it is (the processor puts it on the dead-letter queue with the reason)
    assert fetched.record == broken
    assert api.detail_ids() == []


# --- the offline demo: the replay's emulation of the API over the recordings ---


def test_the_replay_serves_the_recordings_to_the_fetch_and_the_questions_on_the_same_host(raw_message):
    # GIVEN the replay's APIs behind an in-process transport (unit tests may not open a socket, even on loopback)
    client = UpstreamClient(transport=replay_transport(), sleep=lambda _: None)

    # WHEN every department's statements of 18 April are fetched and parsed
    fetched = list(SOURCE.fetch(client, DEPARTMENTS, SINCE, UNTIL))
    items = {item.id: item for item in (parse(raw_message, f.record) for f in fetched)}

    # THEN all six recorded statements come through, the cut ones completed from the detail endpoint
    assert sorted(items) == sorted(f"written-statements:{i}" for i in ROUTING)
    assert items["written-statements:1701201"].body.endswith("from September 2025 that will rise to 30 hours.")
    assert items["written-statements:1701205"].state == "corrected"
    # AND the written questions are still answered on the host both APIs share
    status, body = answer(apis_by_host(), API_HOST, "/api/writtenquestions/questions/1679416", {})
    assert (status, body["value"]["id"]) == (200, 1679416)
