"""The written-questions source: parsing real records, recognising responses, and fetching through a fake API."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from infra.local.replay.written_questions import RecordedQuestions
from shared.adapters.http import UpstreamClient, UpstreamResponseError
from shared.domain.departments import DEPARTMENTS, by_slug
from shared.sources.base import PoisonRecordError, ResponseShapeError
from shared.sources.written_questions import WrittenQuestionsSource

SOURCE = WrittenQuestionsSource()
API_HOST = "questions-statements-api.parliament.uk"
LIST_PATH = "/api/writtenquestions/questions"

DFE = "department-for-education"
DEFRA = "department-for-environment-food-rural-affairs"
DHSC = "department-of-health-and-social-care"
MOJ = "ministry-of-justice"
HOME_OFFICE = "home-office"
MHCLG = "ministry-of-housing-communities-local-government"
FCDO = "foreign-commonwealth-development-office"

# The answering body of each record of the recorded list page, and the department it must reach (read off the
# fixture by hand, not computed by the code under test).
LIST_ROUTING = {
    1679703: (13, DEFRA),
    1679508: (13, DEFRA),
    1679710: (13, DEFRA),
    1679509: (13, DEFRA),
    1679429: (13, DEFRA),
    1679507: (13, DEFRA),
    1679715: (13, DEFRA),
    1679704: (13, DEFRA),
    1679529: (17, DHSC),
    1679590: (54, MOJ),
    1679850: (211, MHCLG),
    1679517: (17, DHSC),
    1679326: (1, HOME_OFFICE),
    1679799: (17, DHSC),
    1679676: (13, DEFRA),
    1679855: (211, MHCLG),
    1679854: (211, MHCLG),
    1679525: (13, DEFRA),
    1679729: (208, FCDO),
    1679801: (17, DHSC),
}
NOT_TRUNCATED = {1679509, 1679507, 1679326}
"""The list records whose question is under 255 characters and whose answer does not end in "...": complete."""


def parse(raw_message, record):
    return SOURCE.parse(raw_message(record))


# --- parse: real records ---


def test_parse_real_detail_record(raw_message, detail_record):
    # GIVEN the real detail record of question 1679416
    # WHEN it is parsed
    item = parse(raw_message, detail_record)

    # THEN it is a normalised written question of the Department for Education
    assert item.id == "written-questions:1679416"
    assert item.source == "written-questions"
    assert item.kind == "written-question"
    assert item.url == "https://questions-statements.parliament.uk/written-questions/detail/2024-01-05/7926"
    assert [(d.slug, d.name) for d in item.departments] == [(DFE, "Department for Education")]
    assert item.title == "Apprentices: Employment Agencies"
    assert item.house == "commons"
    assert item.state == "answered"
    assert item.summary == detail_record["questionText"]
    # AND its times are London times with an explicit offset (winter: +00:00), the update being the answer
    dumped = item.model_dump(mode="json")
    assert dumped["published_at"] == "2024-01-05T00:00:00+00:00"
    assert dumped["updated_at"] == "2024-01-10T00:00:00+00:00"
    # AND the answer is plain text
    assert item.body is not None
    assert item.body.startswith("The department is supporting sectors")
    assert "<" not in item.body
    assert item.details["uin"] == "7926"
    assert item.details["date_answered"] == "2024-01-10"
    assert item.details["is_named_day"] is True


def test_parse_every_real_list_record_routes_by_answering_body(raw_message, list_records):
    # GIVEN the 20 real list records of several departments (DEFRA is 13, DLUHC's 211 is MHCLG's today)
    assert {r["id"] for r in list_records} == set(LIST_ROUTING)

    for record in list_records:
        # WHEN each is parsed
        item = parse(raw_message, record)

        # THEN it belongs to the department of its answering body, and nothing else
        body_id, slug = LIST_ROUTING[record["id"]]
        assert record["answeringBodyId"] == body_id
        assert [d.slug for d in item.departments] == [slug], record["id"]
        assert item.url == (
            f"https://questions-statements.parliament.uk/written-questions/detail/2024-01-05/{record['uin']}"
        )
        assert item.model_dump(mode="json")["published_at"] == "2024-01-05T00:00:00+00:00"
        assert item.house == "commons"


def test_parse_states_of_real_list_records(raw_message, list_records):
    # GIVEN the real list records: answered ones, and three whose answer was corrected
    states = {r["id"]: parse(raw_message, r).state for r in list_records}

    # WHEN their states are read
    # THEN the corrected ones (dateAnswerCorrected set) are "corrected" and the rest "answered"
    assert {i for i, s in states.items() if s == "corrected"} == {1679590, 1679517, 1679326}
    assert {s for i, s in states.items() if i not in {1679590, 1679517, 1679326}} == {"answered"}


def test_summer_times_have_the_bst_offset_and_the_url_the_london_date(raw_message, detail_record):
    # GIVEN a question tabled on 1 July (British Summer Time), answered on 3 July
    record = {**detail_record, "dateTabled": "2024-07-01T00:00:00", "dateAnswered": "2024-07-03T00:00:00"}

    # WHEN it is parsed
    dumped = parse(raw_message, record).model_dump(mode="json")

    # THEN its times carry +01:00 and its public URL has the London date
    assert dumped["published_at"] == "2024-07-01T00:00:00+01:00"
    assert dumped["updated_at"] == "2024-07-03T00:00:00+01:00"
    assert dumped["url"].endswith("/detail/2024-07-01/7926")


@pytest.mark.parametrize(
    ("changes", "state"),
    [
        ({"answerText": None, "dateAnswered": None, "answeringMemberId": None}, "tabled"),
        ({"answerText": "<p>I will reply as soon as possible.</p>", "answerIsHolding": True}, "holding-answer"),
        ({"answerIsCorrection": True, "dateAnswerCorrected": "2024-01-20T00:00:00"}, "corrected"),
        ({"isWithdrawn": True}, "withdrawn"),
        ({}, "answered"),
    ],
)
def test_parse_state_of_the_question_lifecycle(raw_message, detail_record, changes, state):
    # GIVEN the real detail record at a stage of its lifecycle
    # WHEN it is parsed
    # THEN its state names the stage
    assert parse(raw_message, {**detail_record, **changes}).state == state


def test_parse_lords_question_and_expanded_members(raw_message, detail_record):
    # GIVEN a Lords question read with expandMember=true
    record = {
        **detail_record,
        "house": "Lords",
        "askingMember": {"id": 1, "name": "Lord Example", "party": "Crossbench", "memberFrom": "Life peer"},
        "answeringMember": {"id": 2, "name": "Baroness Answer", "party": "Labour", "memberFrom": "Life peer"},
    }

    # WHEN it is parsed
    item = parse(raw_message, record)

    # THEN the house is lower-case and the people are named with their roles
    assert item.house == "lords"
    assert [(p.role, p.display()) for p in item.people] == [
        ("asked-by", "Lord Example (Crossbench - Life peer)"),
        ("answered-by", "Baroness Answer (Labour - Life peer)"),
    ]


def test_parse_keeps_only_http_attachments(raw_message, detail_record):
    # GIVEN attachments, one of them with a javascript: URL
    record = {
        **detail_record,
        "attachments": [
            {"url": "https://qna.files.parliament.uk/qna-attachments/1/original/data.xlsx", "title": "Data"},
            {"url": "javascript:alert(1)", "title": "Evil"},
        ],
    }

    # WHEN it is parsed
    item = parse(raw_message, record)

    # THEN only the safe attachment is kept
    assert [(a.title, a.url) for a in item.attachments] == [
        ("Data", "https://qna.files.parliament.uk/qna-attachments/1/original/data.xlsx")
    ]


def test_parse_is_deterministic_for_the_same_record(raw_message, detail_record):
    # GIVEN the same record fetched twice, at different times
    first = SOURCE.parse(raw_message(detail_record, datetime(2024, 1, 10, 9, tzinfo=UTC)))
    second = SOURCE.parse(raw_message(copy.deepcopy(detail_record), datetime(2024, 1, 11, 9, tzinfo=UTC)))

    # WHEN the items are compared
    # THEN they are equal and have the same content hash (so no new version is written)
    assert first == second
    assert first.content_hash() == second.content_hash()


# --- parse: poison records ---


def _without(record: dict[str, Any], field: str) -> dict[str, Any]:
    return {name: value for name, value in record.items() if name != field}


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda r: _without(r, "heading"), "heading"),
        (lambda r: _without(r, "id"), "id"),
        (lambda r: _without(r, "dateTabled"), "dateTabled"),
        (lambda r: _without(r, "answeringBodyId"), "answeringBodyId"),
        (lambda r: {**r, "heading": None}, "heading"),
        (lambda r: {**r, "heading": ""}, "heading"),
        (lambda r: {**r, "id": "not-a-number"}, "id"),
        (lambda r: {**r, "id": -5}, "id"),
        (lambda r: {**r, "answeringBodyId": "education"}, "answeringBodyId"),
        (lambda r: {**r, "isWithdrawn": "perhaps"}, "isWithdrawn"),
        (lambda r: {**r, "questionText": ["a", "list"]}, "questionText"),
        (lambda r: {**r, "dateTabled": "2024-02-30T00:00:00"}, "dateTabled"),
        (lambda r: {**r, "dateAnswered": "2024-13-01T00:00:00"}, "dateAnswered"),
        (lambda r: {**r, "dateTabled": "yesterday"}, "dateTabled"),
        (lambda r: {**r, "uin": "../../admin"}, "uin"),
        (lambda r: {**r, "house": "Senate"}, "house"),
        (lambda r: {**r, "answeringBodyId": 999_999}, "answering body 999999"),
    ],
)
def test_parse_rejects_a_record_that_can_never_be_an_item(raw_message, detail_record, mutate, reason):
    # GIVEN a record with a missing field, a wrong type, an impossible date or an unknown answering body
    record = mutate(copy.deepcopy(detail_record))

    # WHEN it is parsed
    # THEN it is a poison record, and the reason names the problem
    with pytest.raises(PoisonRecordError) as caught:
        parse(raw_message, record)
    assert reason in str(caught.value)


def test_poison_reason_does_not_echo_the_bad_value(raw_message, detail_record):
    # GIVEN a record whose bad value is something that must not end up in logs or DLQ attributes as it is
    record = {**detail_record, "id": "<script>steal()</script>"}

    # WHEN it is parsed
    with pytest.raises(PoisonRecordError) as caught:
        parse(raw_message, record)

    # THEN the reason names the field, not the value
    assert "id" in str(caught.value)
    assert "steal" not in str(caught.value)


# --- records_from_response ---


def test_records_from_a_real_list_page(list_page):
    # GIVEN the real list page
    # WHEN its records are read
    records = SOURCE.records_from_response(list_page)

    # THEN they are the 20 `value` objects, in order, unchanged
    assert [r["id"] for r in records] == list(LIST_ROUTING)
    assert records[0] == list_page["results"][0]["value"]


def test_records_from_a_real_single_item(recorded, detail_record):
    # GIVEN the real detail response
    body = recorded("written-questions/detail_1679416.json")

    # WHEN its records are read
    # THEN it is one record, its `value`
    assert SOURCE.records_from_response(body) == [detail_record]


def test_records_from_an_empty_list_page():
    assert SOURCE.records_from_response({"totalResults": 0, "results": []}) == []


@pytest.mark.parametrize(
    "body",
    [
        None,
        "a string",
        [],
        [{"value": {"id": 1}}],
        {},
        {"results": []},  # no totalResults: not this API
        {"totalResults": 1, "results": "nope"},
        {"totalResults": 1, "results": [{"id": 1}]},  # no value wrapper
        {"totalResults": 1, "results": [None]},
        {"totalResults": 1, "results": [{"value": "x"}]},
        {"value": "not an object"},
        {"error": "Service Unavailable"},
    ],
)
def test_records_from_a_response_of_the_wrong_shape_raise(body):
    # GIVEN a body that is not a list page nor a single item of this API
    # WHEN its records are read
    # THEN ResponseShapeError
    with pytest.raises(ResponseShapeError):
        SOURCE.records_from_response(body)


# --- fetch, against the fake API (infra.local.replay) served through httpx.MockTransport ---


def _plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def full_version(record: dict[str, Any]) -> dict[str, Any]:
    """What the detail endpoint returns for a list record: the whole answer, as HTML."""
    answer = (record["answerText"] or "").removesuffix("...")
    return {**record, "answerText": f"<p>{answer} [rest of the answer]</p><p>Second paragraph.</p>"}


def as_list_entry(detail: dict[str, Any]) -> dict[str, Any]:
    """The detail record as the list endpoint shows it: answer flattened and cut at 255 characters plus "..."."""
    return {**detail, "answerText": _plain(detail["answerText"])[:255] + "..."}


def questions_api(
    listed: list[dict[str, Any]], details: dict[int, dict[str, Any]] | None = None, **knobs: Any
) -> RecordedQuestions:
    """The written-questions API listing `listed` (in pages of at most 7 by default) and answering `details`, by
    default each listed record's `full_version`.

    The recorded list is of 5 January and these tests poll July (the BST edge): it lists them whatever the window.
    """
    if details is None:
        details = {record["id"]: full_version(record) for record in listed}
    return RecordedQuestions(listed=listed, details=details, **{"page_cap": 7, "honour_dates": False} | knobs)


SINCE = datetime(2024, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 July in London
UNTIL = datetime(2024, 7, 2, 12, 0, tzinfo=UTC)


def fetch_all(api: RecordedQuestions, departments=DEPARTMENTS):
    client = UpstreamClient(transport=api.transport(), sleep=lambda _: None)
    return list(SOURCE.fetch(client, departments, SINCE, UNTIL))


def test_fetch_pages_by_what_the_api_returns(list_records):
    # GIVEN an API that returns at most 7 results a page although 1000 are asked for
    api = questions_api(list_records, page_cap=7)

    # WHEN every department is fetched
    fetched = fetch_all(api)

    # THEN all 20 records come back, each once
    assert sorted(f.record["id"] for f in fetched) == sorted(LIST_ROUTING)
    # AND each window was paged with skip 0, 7, 14 (what came back, not what was asked for), asking 1000 a page
    for window in ("tabledWhen", "answeredWhen", "correctedWhen"):
        pages = [r for r in api.list_requests() if f"{window}From" in r.url.params]
        assert [r.url.params["skip"] for r in pages] == ["0", "7", "14"]
        assert {r.url.params["take"] for r in pages} == {"1000"}


def test_fetch_fails_when_the_pages_end_before_the_total(list_records):
    # GIVEN an API whose totalResults promises more than it has
    api = questions_api(list_records, page_cap=7, total=500)

    # WHEN every department is fetched THEN it fails (the fetcher keeps the watermark) at the first page short of
    # the API's page size before the total (6 after pages of 7), rather than report 20 of 500 as the whole list
    with pytest.raises(UpstreamResponseError, match="do not add up"):
        fetch_all(api)
    assert [r.url.params["skip"] for r in api.list_requests()] == ["0", "7", "14"]


def test_fetch_asks_for_every_department_in_one_request(list_records):
    # GIVEN the API
    api = questions_api(list_records, page_cap=1000)

    # WHEN every department is fetched
    fetch_all(api)

    # THEN each request names every answering body (repeated answeringBodies parameters), none per department
    all_ids = sorted({body_id for d in DEPARTMENTS for body_id in d.answering_body_ids})
    requests = api.list_requests()
    assert len(requests) == 3  # one per date window
    for request in requests:
        assert request.url.params.get_list("answeringBodies") == [str(i) for i in all_ids]
        assert {"13", "60", "211"} <= set(request.url.params.get_list("answeringBodies"))


def test_fetch_reads_three_date_windows_in_london_dates(list_records):
    # GIVEN the API
    api = questions_api(list_records, page_cap=1000)

    # WHEN a window from 23:30 UTC on 30 June (already 1 July in London) is fetched
    fetch_all(api)

    # THEN tabled, answered and corrected questions are each asked for, with From/To as London dates
    windows = []
    for request in api.list_requests():
        params = request.url.params
        windows.append(sorted((name, value) for name, value in params.items() if name.endswith(("From", "To"))))
        assert params["expandMember"] == "true"
    assert sorted(windows) == [
        [("answeredWhenFrom", "2024-07-01"), ("answeredWhenTo", "2024-07-02")],
        [("correctedWhenFrom", "2024-07-01"), ("correctedWhenTo", "2024-07-02")],
        [("tabledWhenFrom", "2024-07-01"), ("tabledWhenTo", "2024-07-02")],
    ]


def test_fetch_yields_a_record_found_in_several_windows_once(list_records):
    # GIVEN an API that returns the same records for the tabled, answered and corrected windows
    api = questions_api(list_records, page_cap=1000)

    # WHEN every department is fetched
    fetched = fetch_all(api)

    # THEN each record is yielded once, and its detail fetched at most once
    ids = [f.record["id"] for f in fetched]
    assert len(ids) == len(set(ids)) == 20
    assert len(api.detail_ids()) == len(set(api.detail_ids()))


def test_fetch_completes_truncated_records_from_the_detail_endpoint(list_records):
    # GIVEN the real list page, where most texts are cut (question at 255 characters, answer ending "...")
    api = questions_api(list_records, page_cap=1000)

    # WHEN every department is fetched
    fetched = {f.record["id"]: f for f in fetch_all(api)}

    # THEN the detail endpoint is called exactly for the truncated records, with expandMember=true
    assert sorted(api.detail_ids()) == sorted(set(LIST_ROUTING) - NOT_TRUNCATED)
    assert {r.url.params["expandMember"] for r in api.detail_requests()} == {"true"}
    # AND those records carry the detail's full answer, the complete ones the list's
    for record in list_records:
        expected = record if record["id"] in NOT_TRUNCATED else api.details[record["id"]]
        assert fetched[record["id"]].record == expected
    # AND each says where it came from
    assert fetched[1679703].origin == f"https://{API_HOST}{LIST_PATH}/1679703"
    assert fetched[1679509].origin.startswith(f"https://{API_HOST}{LIST_PATH}?skip=")


def test_fetch_replaces_a_truncated_record_with_the_real_detail(list_records, detail_record):
    # GIVEN question 1679416 in the list as the list endpoint shows it, and the real detail record
    listed = as_list_entry(detail_record)
    api = questions_api(
        [*list_records, listed], {**{r["id"]: full_version(r) for r in list_records}, 1679416: detail_record}
    )

    # WHEN the Department for Education is fetched
    fetched = fetch_all(api, [by_slug(DFE)])

    # THEN the record is the detail's, with the full HTML answer (its second link is beyond the list's cut)
    assert [f.record for f in fetched] == [detail_record]
    assert fetched[0].record["answerText"].startswith("<p>The department is supporting sectors")
    assert "explore-education-statistics.service.gov.uk" in fetched[0].record["answerText"]
    assert "explore-education-statistics" not in listed["answerText"]
    assert api.detail_ids() == [1679416]


def test_fetch_drops_records_of_a_department_not_asked_for(list_records):
    # GIVEN an API that ignores the answeringBodies filter and returns every department's records
    api = questions_api(list_records, page_cap=7, honour_filters=False)

    # WHEN only DEFRA is fetched
    fetched = fetch_all(api, [by_slug(DEFRA)])

    # THEN only DEFRA's records come back (no other department's topic is flooded)
    assert sorted(f.record["id"] for f in fetched) == sorted(i for i, (_, s) in LIST_ROUTING.items() if s == DEFRA)
    assert {f.record["answeringBodyId"] for f in fetched} == {13}
    # AND no detail is fetched for the records dropped
    assert set(api.detail_ids()) <= {i for i, (_, s) in LIST_ROUTING.items() if s == DEFRA}


def test_fetch_of_a_department_with_no_records_yields_nothing(list_records):
    # GIVEN an API that ignores the filter, and a department none of whose records are on the page
    api = questions_api(list_records, honour_filters=False)

    # WHEN only the Department for Education is fetched
    # THEN nothing comes back and no detail is asked for
    assert fetch_all(api, [by_slug(DFE)]) == []
    assert api.detail_requests() == []


def test_fetch_refuses_a_detail_that_is_another_question(list_records, detail_record):
    # GIVEN a detail endpoint that answers with another question than the one asked for
    records = [r for r in list_records if r["id"] == 1679703]
    api = questions_api(records, {1679703: detail_record})

    # WHEN it is fetched
    # THEN the response is refused, naming the URL
    with pytest.raises(UpstreamResponseError) as caught:
        fetch_all(api)
    assert caught.value.url.endswith("/1679703")


def test_fetch_refuses_a_list_response_of_the_wrong_shape(detail_record):
    # GIVEN an API whose list endpoint answers with a single item
    def single_item(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"value": detail_record, "links": []})

    client = UpstreamClient(transport=httpx.MockTransport(single_item), sleep=lambda _: None)

    # WHEN it is fetched
    # THEN UpstreamResponseError, nothing yielded
    with pytest.raises(UpstreamResponseError):
        list(SOURCE.fetch(client, DEPARTMENTS, SINCE, UNTIL))


def test_fetch_passes_an_invalid_record_on_for_the_processor_to_report(list_records):
    # GIVEN a list record that does not validate (its heading is missing)
    broken = _without(list_records[0], "heading")
    api = questions_api([broken, *list_records[1:]])

    # WHEN every department is fetched
    fetched = {f.record["id"]: f.record for f in fetch_all(api)}

    # THEN it is still queued as it is (the processor puts it on the dead-letter queue with the reason)
    assert fetched[broken["id"]] == broken
    assert len(fetched) == 20
