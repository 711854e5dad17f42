"""The deposited-papers source: parsing the recorded papers, recognising responses, fetching through a fake API and
through the offline replay, and the email a department's subscriber reads."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from infra.local.replay import apis_by_host, replay_transport
from infra.local.replay.deposited_papers import RecordedPapers
from shared.adapters.http import UpstreamClient, UpstreamResponseError
from shared.domain.departments import DEPARTMENTS, by_slug
from shared.sources.base import PoisonRecordError, ResponseShapeError
from shared.sources.deposited_papers import DepositedPapersSource

SOURCE = DepositedPapersSource()
API_HOST = "depositedpapers-api.parliament.uk"
LIST_PATH = "/api/DepositedPapers"
PAGE = "deposited-papers/list_2024-04-17_2024-04-18.json"
FILES = "https://data.parliament.uk/DepositedPapers/Files"
TAG = re.compile(r"</?[A-Za-z][^>]*>")

DFE = "department-for-education"
DWP = "department-for-work-pensions"
MHCLG = "ministry-of-housing-communities-local-government"
FCDO = "foreign-commonwealth-development-office"
DBIST = "department-for-business-innovation-science-and-trade"

# Read off the recordings by hand: the departments each paper must reach (6215's UK Statistics Authority is not one).
ROUTING = {
    6212: [DFE],
    6213: [DFE, DWP],
    6214: [MHCLG],
    6216: [FCDO],
    6217: [DBIST],
}
UNKNOWN_DEPARTMENT = 6215


@pytest.fixture
def list_page(recorded) -> dict[str, Any]:
    return recorded(PAGE)


@pytest.fixture
def listed(list_page) -> list[dict[str, Any]]:
    return [entry["value"] for entry in list_page["items"]]


@pytest.fixture
def details(recorded) -> dict[int, dict[str, Any]]:
    """The recorded detail records, with their documents."""
    return {paper_id: recorded(f"deposited-papers/detail_{paper_id}.json")["value"] for paper_id in ROUTING}


def parse(raw_message, record):
    return SOURCE.parse(raw_message(record, source=SOURCE.name))


def by_id(records: list[dict[str, Any]], paper_id: int) -> dict[str, Any]:
    return copy.deepcopy(next(r for r in records if r["paperId"] == paper_id))


# --- parse ---


def test_parse_the_seed_pages_paper(raw_message, details):
    # GIVEN the Department for Education's letter the department page shows, as the detail endpoint gives it
    # WHEN it is parsed
    item = parse(raw_message, details[6212])

    # THEN it is a published deposited paper of the Department for Education, at its public page
    assert item.id == "deposited-papers:6212"
    assert item.source == "deposited-papers"
    assert item.kind == "deposited-paper"
    assert item.category is None
    assert item.url == "https://depositedpapers.parliament.uk/depositedpaper/6212/details"
    assert [(d.slug, d.name) for d in item.departments] == [(DFE, "Department for Education")]
    assert item.title.startswith("Letter dated 16/04/2024 from Baroness Barran to Baroness Twycross")
    assert item.house == "lords"
    assert item.state == "published"
    # AND it was deposited on 18 April (London, summer time) and last updated that morning
    dumped = item.model_dump(mode="json")
    assert dumped["published_at"] == "2024-04-18T00:00:00+01:00"
    assert dumped["updated_at"] == "2024-04-18T10:14:52.417000+01:00"
    # AND its document is listed by file name with its URL and type
    assert [(a.title, a.url, a.file_type) for a in item.attachments] == [
        ("DB_Letter_to_Baroness_Twycross.pdf", f"{FILES}/DEP2024-0351/DB_Letter_to_Baroness_Twycross.pdf", "PDF")
    ]
    assert item.details == {
        "paper_number": "DEP2024-0351",
        "date_deposited": "2024-04-18",
        "date_updated": "2024-04-18T10:14:52.417000+01:00",
        "houses": "Lords",
        "corporate_authors": "Department for Education",
        "depositing_departments": "Department for Education",
    }
    assert item.summary is None and item.body is None


def test_parse_routes_every_paper_by_its_departments_names(raw_message, details):
    # GIVEN the recorded papers: a joint one, former names (DLUHC, DBT) and a name written with "&"
    for paper_id, slugs in ROUTING.items():
        # WHEN each is parsed
        item = parse(raw_message, details[paper_id])

        # THEN it reaches today's department of each name, once each, in the order named
        assert [d.slug for d in item.departments] == slugs, paper_id
        assert item.url == f"https://depositedpapers.parliament.uk/depositedpaper/{paper_id}/details"


def test_parse_a_joint_paper_of_both_houses(raw_message, details):
    # GIVEN the paper deposited by the Department for Education and the DWP in both Houses, with three documents
    # WHEN it is parsed
    item = parse(raw_message, details[6213])

    # THEN it belongs to no single House, lists its documents with their types, and keeps its notes
    assert item.house is None
    assert [(a.title, a.file_type) for a in item.attachments] == [
        ("Skills_Bootcamps_referrals_letter.pdf", "PDF"),
        ("Skills_Bootcamps_referrals_tables.pdf", "PDF"),
        ("Skills_Bootcamps_referrals_tables.xlsx", "XLSX"),
    ]
    assert (
        item.summary == "Referred to in the joint Written Ministerial Statements HCWS422 and HCWS423 of 18 April 2024."
    )
    assert item.details["houses"] == "Commons, Lords"
    assert item.details["depositing_departments"] == "Department for Education; Department for Work and Pensions"


def test_parse_decodes_the_file_name_of_an_encoded_url(raw_message, details):
    # GIVEN the MHCLG paper, whose file URL has %20-encoded spaces
    # WHEN it is parsed
    [attachment] = parse(raw_message, details[6214]).attachments

    # THEN the URL is kept as it is and the name reads with spaces
    assert attachment.title == "Letter to Clive Betts MP - LGFS 2024-25.pdf"
    assert attachment.url == f"{FILES}/DEP2024-0353/Letter%20to%20Clive%20Betts%20MP%20-%20LGFS%202024-25.pdf"


def test_parse_keeps_indexer_notes_as_the_body(raw_message, details):
    # GIVEN the FCDO paper, with notes of the Library's indexer
    # WHEN it is parsed
    # THEN they are the body
    assert parse(raw_message, details[6216]).body == "Monthly update; previous update DEP2024-0232."


@pytest.mark.parametrize(
    "documents",
    [
        [f"{FILES}/DEP2024-0351/DB_Letter_to_Baroness_Twycross.pdf"],
        ["DB_Letter_to_Baroness_Twycross.pdf"],
        [
            {
                "fileName": "DB_Letter_to_Baroness_Twycross.pdf",
                "url": f"{FILES}/DEP2024-0351/DB_Letter_to_Baroness_Twycross.pdf",
            }
        ],
        [{"name": "DB_Letter_to_Baroness_Twycross.pdf", "fileSize": 48213, "contentType": "application/pdf"}],
        [
            {
                "title": "DB_Letter_to_Baroness_Twycross.pdf",
                "uri": f"{FILES}/DEP2024-0351/DB_Letter_to_Baroness_Twycross.pdf",
            }
        ],
    ],
    ids=["url", "file-name", "object", "object-without-url", "object-other-names"],
)
def test_parse_reads_every_plausible_shape_of_a_document(raw_message, details, documents):
    # GIVEN the paper's document given as a URL, a bare file name, or an object under several plausible names
    record = {**details[6212], "attachedDocuments": documents}

    # WHEN it is parsed
    [attachment] = parse(raw_message, record).attachments

    # THEN it is the same document, its URL built from the paper number when it has none
    assert attachment.title == "DB_Letter_to_Baroness_Twycross.pdf"
    assert attachment.url == f"{FILES}/DEP2024-0351/DB_Letter_to_Baroness_Twycross.pdf"
    assert attachment.file_type == "PDF"


def test_parse_drops_unsafe_empty_and_repeated_documents(raw_message, details):
    # GIVEN documents with a javascript: URL, nulls, an empty name, a nameless object and one listed twice
    url = f"{FILES}/DEP2024-0351/DB_Letter_to_Baroness_Twycross.pdf"
    record = {**details[6212], "attachedDocuments": ["javascript:alert(1)", None, "  ", {}, url, url]}

    # WHEN it is parsed
    item = parse(raw_message, record)

    # THEN only the real document is kept, once
    assert [a.url for a in item.attachments] == [url]


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("dateDeposited", "2024-04-16"),
        ("depositedDate", "2024-04-16"),
        ("dateReceived", "2024-04-16"),
        ("commitmentDate", "2024-04-16"),
        (None, "2024-04-18"),
    ],
)
def test_parse_takes_the_deposit_date_under_any_plausible_name(raw_message, details, field, expected):
    # GIVEN a paper whose deposit date comes under one of the candidate names, or under none (dateUpdated then)
    record = _without(details[6212], "dateDeposited")
    if field:
        record[field] = "2024-04-16T00:00:00"

    # WHEN it is parsed
    item = parse(raw_message, record)

    # THEN it is published on that date
    assert item.published_at.date().isoformat() == expected
    assert item.details["date_deposited"] == (expected if field else None)


def test_parse_accepts_department_objects_and_null_lists(raw_message, details):
    # GIVEN departments as objects with a name, and null houses and authors
    record = {
        **details[6213],
        "depositingDepartments": [{"name": "Department for Education"}, {"name": "Department for Work and Pensions"}],
        "houses": None,
        "corporateAuthors": None,
    }

    # WHEN it is parsed
    item = parse(raw_message, record)

    # THEN it still reaches both departments
    assert [d.slug for d in item.departments] == [DFE, DWP]
    assert item.house is None
    assert item.details["corporate_authors"] is None


def test_parse_ignores_an_unknown_department_beside_a_known_one(raw_message, details):
    # GIVEN a paper of the Department for Education and of a body not in the registry
    record = {**details[6212], "depositingDepartments": ["UK Statistics Authority", "Department for Education"]}

    # WHEN it is parsed
    # THEN it reaches the Department for Education only, all names being kept in the details
    item = parse(raw_message, record)
    assert [d.slug for d in item.departments] == [DFE]
    assert item.details["depositing_departments"] == "UK Statistics Authority; Department for Education"


def test_parse_is_deterministic_for_the_same_record(raw_message, details):
    # GIVEN the same record fetched twice, at different times
    first = SOURCE.parse(raw_message(details[6213], datetime(2024, 4, 18, 9, tzinfo=UTC), source=SOURCE.name))
    second = SOURCE.parse(
        raw_message(copy.deepcopy(details[6213]), datetime(2024, 4, 19, 9, tzinfo=UTC), source=SOURCE.name)
    )

    # WHEN the items are compared
    # THEN they are equal and have the same content hash
    assert first == second
    assert first.content_hash() == second.content_hash()


def _without(record: dict[str, Any], field: str) -> dict[str, Any]:
    return {name: value for name, value in record.items() if name != field}


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda r: _without(r, "paperId"), "paperId"),
        (lambda r: _without(r, "title"), "title"),
        (lambda r: {**r, "paperId": -1}, "paperId"),
        (lambda r: {**r, "paperId": "DEP2024-0351"}, "paperId"),
        (lambda r: {**r, "title": ""}, "title"),
        (lambda r: {**r, "title": "<p> </p>"}, "title is empty once markup is removed"),
        (lambda r: {**r, "paperNumber": "../../etc"}, "paperNumber"),
        (lambda r: {**r, "dateDeposited": "2024-02-30T00:00:00"}, "dateDeposited"),
        (lambda r: {**r, "houses": "Commons"}, "houses"),
        (lambda r: {**r, "depositingDepartments": "Department for Education"}, "depositingDepartments"),
        (
            lambda r: {**_without(r, "dateDeposited"), "dateUpdated": None},
            "has no deposit date nor dateUpdated",
        ),
        (
            lambda r: {**r, "depositingDepartments": ["UK Statistics Authority"]},
            "no depositing department is in the department registry (named: UK Statistics Authority)",
        ),
        (lambda r: {**r, "depositingDepartments": []}, "(named: none)"),
        (lambda r: _without(r, "depositingDepartments"), "(named: none)"),
    ],
)
def test_parse_rejects_a_record_that_can_never_be_an_item(raw_message, details, mutate, reason):
    # GIVEN a paper with a missing or wrong field, no date at all, or no department in the registry
    record = mutate(copy.deepcopy(details[6212]))

    # WHEN it is parsed
    # THEN it is a poison record, and the reason names the problem
    with pytest.raises(PoisonRecordError) as caught:
        parse(raw_message, record)
    assert reason in str(caught.value)


# --- records_from_response ---


def test_records_from_the_list_page_and_a_detail(recorded, list_page):
    # GIVEN the list page and a detail response
    detail = recorded("deposited-papers/detail_6212.json")

    # WHEN their records are read
    # THEN they are the `value` objects, unchanged, the list's without documents
    records = SOURCE.records_from_response(list_page)
    assert [r["paperId"] for r in records] == [6212, 6213, 6214, 6215, 6216, 6217]
    assert all("attachedDocuments" not in r for r in records)
    assert SOURCE.records_from_response(detail) == [detail["value"]]
    assert SOURCE.records_from_response({"items": [], "totalResults": 0, "links": []}) == []


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "text",
        {},
        {"items": []},  # no totalResults
        {"items": None, "totalResults": 0},
        {"items": [{"paperId": 1}], "totalResults": 1},  # not wrapped in value
        {"items": [None], "totalResults": 1},
        {"value": "paper"},
        {"results": [], "totalResults": 0},  # the questions API's envelope
    ],
)
def test_records_from_a_response_of_the_wrong_shape_raise(body):
    # GIVEN a body that is neither a list page nor a single paper
    # WHEN its records are read
    # THEN ResponseShapeError
    with pytest.raises(ResponseShapeError):
        SOURCE.records_from_response(body)


# --- fetch, against the fake API (infra.local.replay) served through httpx.MockTransport ---


SINCE = datetime(2024, 4, 16, 23, 30, tzinfo=UTC)  # 00:30 on 17 April in London
UNTIL = datetime(2024, 4, 18, 18, 0, tzinfo=UTC)


def fetch_all(api: RecordedPapers, departments=DEPARTMENTS):
    client = UpstreamClient(transport=api.transport(), sleep=lambda _: None)
    return list(SOURCE.fetch(client, departments, SINCE, UNTIL))


def test_fetch_asks_once_for_all_departments_in_london_dates(listed, details):
    # GIVEN the API
    api = RecordedPapers(listed=listed, details=details)

    # WHEN every department is fetched from 00:30 on 17 April (London) to 18 April
    fetch_all(api)

    # THEN one list request asks for the deposit window in London dates, in a fixed order, 100 a page, no department
    [request] = api.list_requests()
    assert dict(request.url.params) == {
        "DepositedFrom": "2024-04-17",
        "DepositedTo": "2024-04-18",
        "OrderBy": "CommitmentDateAsc",
        "Take": "100",
        "Skip": "0",
    }


def test_fetch_reads_the_documents_from_the_detail_endpoint(listed, details):
    # GIVEN the list without documents, and the detail endpoint
    api = RecordedPapers(listed=listed, details=details)

    # WHEN every department is fetched
    fetched = {f.record["paperId"]: f for f in fetch_all(api)}

    # THEN every paper of a registry department comes back with the detail's documents, the list's fields kept
    assert sorted(fetched) == sorted(ROUTING)
    assert sorted(api.detail_ids()) == sorted(ROUTING)
    for paper_id, one in fetched.items():
        assert one.record == {**by_id(listed, paper_id), **details[paper_id]}
        assert one.origin == f"https://{API_HOST}{LIST_PATH}/{paper_id}"


def test_fetch_keeps_list_fields_the_detail_lacks(listed, details):
    # GIVEN a detail endpoint that does not repeat the deposit date
    details[6212] = _without(details[6212], "dateDeposited")
    api = RecordedPapers(listed=[by_id(listed, 6212)], details=details)

    # WHEN it is fetched
    [fetched] = fetch_all(api)

    # THEN the record has both the list's date and the detail's documents
    assert fetched.record["dateDeposited"] == "2024-04-18T00:00:00"
    assert fetched.record["attachedDocuments"] == [f"{FILES}/DEP2024-0351/DB_Letter_to_Baroness_Twycross.pdf"]


def test_fetch_does_not_read_the_detail_of_a_listed_paper_with_documents(details):
    # GIVEN a list that already gives a paper's documents
    api = RecordedPapers(listed=[details[6212]], details={})

    # WHEN it is fetched
    [fetched] = fetch_all(api)

    # THEN it is taken as it is
    assert fetched.record == details[6212]
    assert api.detail_ids() == []


def test_fetch_pages_by_what_the_api_returns(listed, details):
    # GIVEN an API that returns at most 4 papers a page although 100 are asked for
    api = RecordedPapers(listed=listed, details=details, page_cap=4)

    # WHEN every department is fetched
    fetched = fetch_all(api)

    # THEN every paper is read, with Skip 0 then 4
    assert sorted(f.record["paperId"] for f in fetched) == sorted(ROUTING)
    assert api.offsets() == ["0", "4"]


def test_fetch_fails_when_the_pages_end_before_the_total(listed, details):
    # GIVEN an API whose totalResults promises more than it has
    api = RecordedPapers(listed=listed, details=details, page_cap=4, total=300)

    # WHEN every department is fetched THEN it fails (the fetcher keeps the watermark) at the first page short of
    # the API's page size before the total
    with pytest.raises(UpstreamResponseError, match="do not add up"):
        fetch_all(api)
    assert api.offsets() == ["0", "4"]


def test_fetch_drops_papers_of_other_or_unknown_departments(listed, details, caplog):
    # GIVEN the list, which holds papers of several departments and of a body not in the registry
    api = RecordedPapers(listed=listed, details=details)

    # WHEN only the Department for Education is fetched
    fetched = fetch_all(api, [by_slug(DFE)])

    # THEN only its papers come back (the joint one too), and no other paper's detail is read
    assert sorted(f.record["paperId"] for f in fetched) == [6212, 6213]
    assert sorted(api.detail_ids()) == [6212, 6213]


def test_fetch_of_every_department_drops_the_unknown_body_only(listed, details):
    # GIVEN the list
    api = RecordedPapers(listed=listed, details=details)

    # WHEN every department is fetched
    fetched = fetch_all(api)

    # THEN the UK Statistics Authority's paper, in no department of the registry, is left out
    assert UNKNOWN_DEPARTMENT not in {f.record["paperId"] for f in fetched}
    assert UNKNOWN_DEPARTMENT not in api.detail_ids()


def test_fetch_yields_a_paper_listed_twice_once(listed, details):
    # GIVEN a list in which a paper appears twice (the API orders by deposit date, so the copies are next to each
    # other: pages of 3 put them on two pages)
    api = RecordedPapers(listed=[*listed, by_id(listed, 6213)], details=details, page_cap=3)

    # WHEN every department is fetched
    fetched = fetch_all(api)

    # THEN it is yielded, and its detail read, once
    assert [f.record["paperId"] for f in fetched].count(6213) == 1
    assert api.detail_ids().count(6213) == 1


def test_fetch_refuses_a_detail_that_is_another_paper(listed, details):
    # GIVEN a detail endpoint that answers for 6212 with paper 6213
    api = RecordedPapers(listed=[by_id(listed, 6212)], details={6212: details[6213]})

    # WHEN it is fetched
    # THEN the response is refused, naming the URL
    with pytest.raises(UpstreamResponseError) as caught:
        fetch_all(api)
    assert caught.value.url.endswith(f"{LIST_PATH}/6212")


def test_fetch_refuses_a_list_answered_with_a_single_paper(details):
    # GIVEN an API whose list endpoint answers with one paper
    def single(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"value": details[6212], "links": []})

    client = UpstreamClient(transport=httpx.MockTransport(single), sleep=lambda _: None)

    # WHEN it is fetched
    # THEN UpstreamResponseError
    with pytest.raises(UpstreamResponseError):
        list(SOURCE.fetch(client, DEPARTMENTS, SINCE, UNTIL))


def test_fetch_passes_an_invalid_paper_on_for_the_processor_to_report(listed, details):
    # GIVEN a listed paper of the Department for Education whose paperId is not a number
    broken = {**by_id(listed, 6212), "paperId": "DEP2024-0351"}
    api = RecordedPapers(listed=[broken], details=details)

    # WHEN it is fetched
    [fetched] = fetch_all(api)

    # THEN it is queued as it is, with no detail asked for
    assert fetched.record == broken
    assert api.detail_ids() == []


# --- the offline demo: the replay's emulation of the API over the recordings ---


def test_the_replay_serves_the_recordings_to_the_fetch(raw_message):
    # GIVEN the replay's APIs behind an in-process transport (unit tests may not open a socket, even on loopback)
    client = UpstreamClient(transport=replay_transport(), sleep=lambda _: None)

    # WHEN every department's papers of 17 and 18 April are fetched and parsed
    fetched = list(SOURCE.fetch(client, DEPARTMENTS, SINCE, UNTIL))
    items = {item.id: item for item in (parse(raw_message, f.record) for f in fetched)}

    # THEN every paper of a registry department comes through, with its documents from the detail endpoint
    assert sorted(items) == sorted(f"deposited-papers:{i}" for i in ROUTING)
    assert len(items["deposited-papers:6213"].attachments) == 3
    assert [api.earliest().isoformat() for api in apis_by_host()[API_HOST]] == ["2024-04-17"]
    # AND the replay's window filter holds: 18 April alone leaves out the paper of the 17th
    only_18th = list(SOURCE.fetch(client, DEPARTMENTS, datetime(2024, 4, 18, tzinfo=UTC), UNTIL))
    assert 6217 not in {f.record["paperId"] for f in only_18th}
