"""The GOV.UK publications source: parsing recorded results, recognising responses, fetching through a fake search API
(the exact query sent, paging, checks of what came back), the email text, and the offline replay of the recordings."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from infra.local.replay import apis_by_host, replay_transport
from infra.local.replay.govuk_publications import RecordedSearch, recorded_api
from shared.adapters.http import UpstreamClient, UpstreamResponseError
from shared.domain.departments import DEPARTMENTS, Department, by_slug
from shared.domain.item import Item
from shared.sources import govuk_publications
from shared.sources.base import PoisonRecordError, ResponseShapeError
from shared.sources.govuk_publications import GovukPublicationsSource

SOURCE = GovukPublicationsSource()
API_HOST = "www.gov.uk"
API_PATH = "/api/search.json"
FIXTURES = "govuk-publications"
PAGE_1 = f"{FIXTURES}/dfe_newest_first_page_1.json"
PAGE_2 = f"{FIXTURES}/dfe_newest_first_page_2.json"

DFE = "department-for-education"
DHSC = "department-of-health-and-social-care"
ID_PATTERN = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9._:/-]+$")
DEBUG_KEYS = ("index", "es_score", "_id", "elasticsearch_type", "document_type")

# Each recorded DfE result and what it must become, read off the fixtures by hand (not computed by the code under
# test): content_id, category, departments, state, published_at, updated_at.
EXPECTED = {
    "/government/news/landmark-childcare-rollout-on-track": (
        "b3dc112a-f58c-4003-a96b-b8803b798d29", "News and Communications", [DFE], "published",
        "2024-04-19T00:01:00+01:00", "2024-04-19T00:01:00+01:00",
    ),
    "/government/statistics/a-level-and-other-16-to-18-results-2023-revised": (
        "ed165a8b-4061-40f8-9e89-e3c4405b6e4e", "Statistics", [DFE], "published",
        "2024-04-18T09:30:00+01:00", "2024-04-18T09:30:00+01:00",
    ),
    "/government/statistics/16-to-18-school-college-and-multi-academy-trust-performance-data-in-england-2022-to-2023": (
        "2ae07a59-a4f9-4ccb-96f7-981a19157fb9", "Statistics", [DFE], "published",
        "2024-04-18T09:30:00+01:00", "2024-04-18T09:30:00+01:00",
    ),
    "/government/publications/post-16-intervention-and-accountability": (
        "9160db7a-d4c4-406e-8e02-c3887b3ae3a5", "Guidance and Regulation", [DFE], "published",
        "2017-11-06T10:00:00+00:00", "2024-04-18T08:00:00+01:00",
    ),
    "/government/publications/dfe-ministerial-gifts-hospitality-travel-and-meetings-october-to-december-2023": (
        "d3bd8e5b-be0d-49f2-8d70-b4c97d924963", "Transparency", [DFE], "published",
        "2024-04-18T00:00:00+01:00", "2024-04-18T00:00:00+01:00",
    ),
    "/government/publications/send-code-of-practice-0-to-25": (
        "2489943b-7d7d-41fd-93ae-95171fe69954", "Guidance and Regulation", [DFE, DHSC], "published",
        "2014-06-11T10:30:00+01:00", "2024-04-17T14:05:11+01:00",
    ),
    "/government/publications/working-lives-of-teachers-and-leaders-wave-2": (
        "091903da-69ab-4ac4-a4be-0fbf1b0cfa84", "Research", [DFE], "published",
        "2024-04-17T09:30:00+01:00", "2024-04-17T09:30:00+01:00",
    ),
    "/government/consultations/early-years-foundation-stage-proposed-changes-to-the-childminder-framework": (
        "a40cd9aa-fc54-4552-a0b7-6e0bda18abbf", "Policy and Engagement", [DFE], "published",
        "2024-04-16T15:00:00+01:00", "2024-04-16T15:00:00+01:00",
    ),
    "/government/statistics/announcements/schools-pupils-and-their-characteristics-june-2024": (
        "39587289-d0a6-432f-bb85-fab840f1a820", "Statistics", [DFE], "published",
        "2024-04-16T12:04:33+01:00", "2024-04-16T12:04:33+01:00",
    ),
    "/government/publications/tutoring-guidance-for-academic-year-2023-to-2024": (
        "9ae54f1c-37a9-406c-b510-3db0c4a15730", "Guidance and Regulation", [DFE], "withdrawn",
        "2023-05-23T16:00:00+01:00", "2024-04-16T10:00:00+01:00",
    ),
    "/guidance/apprenticeship-funding-rules": (
        "9aa1779a-8175-4907-aa28-7cde850c67e0", "Guidance and Regulation", [DFE], "published",
        "2024-04-15T17:21:40+01:00", "2024-04-15T17:21:40+01:00",
    ),
    "/government/publications/key-stage-2-tests-2024-access-arrangements-guidance": (
        "4f8d8839-4da4-465c-8e25-cf9b3b90f8b5", "Guidance and Regulation", [DFE], "published",
        "2023-10-02T09:00:00+01:00", "2024-04-15T09:00:00+01:00",
    ),
}  # fmt: skip
PRESS_RELEASE = "/government/news/landmark-childcare-rollout-on-track"
JOINT_GUIDANCE = "/government/publications/send-code-of-practice-0-to-25"
NO_FIRST_PUBLISHED = "/guidance/apprenticeship-funding-rules"
WITHDRAWN = "/government/publications/tutoring-guidance-for-academic-year-2023-to-2024"
WITH_AN_AGENCY = "/government/publications/key-stage-2-tests-2024-access-arrangements-guidance"


@pytest.fixture
def dfe_results(recorded) -> list[dict[str, Any]]:
    """The 12 recorded results of the two current-style DfE pages, newest first."""
    return recorded(PAGE_1)["results"] + recorded(PAGE_2)["results"]


@pytest.fixture
def by_link(dfe_results) -> dict[str, dict[str, Any]]:
    return {result["link"]: result for result in dfe_results}


@pytest.fixture
def parse(raw_message):
    def run(record: dict[str, Any], fetched_at: datetime | None = None) -> Item:
        return SOURCE.parse(raw_message(record, fetched_at, source=SOURCE.name))

    return run


# --- parse: the recorded results ---


def test_parse_every_recorded_result(parse, dfe_results):
    # GIVEN the 12 recorded DfE results: news, statistics, guidance, transparency, research, consultation, …
    assert [r["link"] for r in dfe_results] == list(EXPECTED)

    for record in dfe_results:
        # WHEN each is parsed
        item = parse(record)

        # THEN its id is the content_id, its URL the GOV.UK page, and category, departments, state and dates are right
        content_id, category, departments, state, published, updated = EXPECTED[record["link"]]
        dumped = item.model_dump(mode="json")
        assert item.id == f"govuk-publications:{content_id}"
        assert item.url == f"https://www.gov.uk{record['link']}"
        assert item.category == category, record["link"]
        assert [d.slug for d in item.departments] == departments
        assert item.state == state
        assert (dumped["published_at"], dumped["updated_at"]) == (published, updated)
        assert item.kind == "publication" and item.source == "govuk-publications"
        assert item.house is None and item.people == () and item.attachments == ()


def test_parse_a_recorded_press_release_in_full(parse, by_link):
    # GIVEN the recorded press release
    record = by_link[PRESS_RELEASE]

    # WHEN it is parsed
    item = parse(record)

    # THEN its title and summary are GOV.UK's, and the details name its document type
    assert item.title == "Landmark childcare rollout on track"
    assert item.summary == record["description"]
    assert item.body is None
    assert item.details == {"content_store_document_type": "press_release", "display_type": "Press release"}
    assert [(d.slug, d.name) for d in item.departments] == [(DFE, "Department for Education")]


def test_parse_a_joint_publication_reaches_each_department(parse, by_link):
    # GIVEN the recorded SEND code of practice, published by DfE and DHSC together
    # WHEN it is parsed
    item = parse(by_link[JOINT_GUIDANCE])

    # THEN it belongs to both departments, in GOV.UK's order, so that each of their topics gets it
    assert [(d.slug, d.name) for d in item.departments] == [
        (DFE, "Department for Education"),
        (DHSC, "Department of Health and Social Care"),
    ]
    # AND it was first published long before this update
    assert item.published_at < item.updated_at


def test_parse_ignores_organisations_that_are_not_departments(parse, by_link):
    # GIVEN the recorded result of the Standards and Testing Agency and DfE
    record = by_link[WITH_AN_AGENCY]
    assert [o["slug"] for o in record["organisations"]] == ["standards-and-testing-agency", DFE]

    # WHEN it is parsed
    # THEN only the department in the registry is kept
    assert [d.slug for d in parse(record).departments] == [DFE]


def test_parse_maps_a_former_slug_and_names_each_department_once(parse, by_link):
    # GIVEN a result tagged with DHSC under its current and its former slug ("department-of-health"), and an
    # organisation the API could not expand (only a slug)
    record = copy.deepcopy(by_link[JOINT_GUIDANCE])
    record["organisations"] = [
        {"slug": "department-of-health"},
        {"slug": DHSC, "title": "Department of Health and Social Care"},
        {"slug": "a-brand-new-agency"},
    ]

    # WHEN it is parsed
    # THEN DHSC is its one department
    assert [d.slug for d in parse(record).departments] == [DHSC]


def test_parse_falls_back_to_public_timestamp_without_first_published_at(parse, by_link):
    # GIVEN the recorded result that has no first_published_at and no is_withdrawn (GOV.UK leaves out absent fields)
    record = by_link[NO_FIRST_PUBLISHED]
    assert "first_published_at" not in record and "is_withdrawn" not in record

    # WHEN it is parsed
    item = parse(record)

    # THEN it was published when it was last updated, and it is not withdrawn
    assert item.published_at == item.updated_at
    assert item.model_dump(mode="json")["published_at"] == "2024-04-15T17:21:40+01:00"
    assert item.state == "published"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2014-12-09T16:21:03+00:00", "2014-12-09T16:21:03+00:00"),
        ("2015-05-11T10:31:21+01:00", "2015-05-11T10:31:21+01:00"),
        ("2016-01-04T11:17:25.000+00:00", "2016-01-04T11:17:25+00:00"),
        ("2024-04-18T08:30:00Z", "2024-04-18T08:30:00+00:00"),
        ("2024-04-18T08:30:00", "2024-04-18T08:30:00+00:00"),  # no offset: UTC, as the API's date filters assume
    ],
)
def test_parse_reads_every_timestamp_format(parse, by_link, value, expected):
    # GIVEN a result whose timestamps use one of the formats GOV.UK has returned
    record = {**by_link[PRESS_RELEASE], "public_timestamp": value, "first_published_at": value}

    # WHEN it is parsed
    dumped = parse(record).model_dump(mode="json")

    # THEN the times are aware and keep their offset
    assert dumped["published_at"] == dumped["updated_at"] == expected


def test_parse_lowercases_the_content_id(parse, by_link):
    record = {**by_link[PRESS_RELEASE], "content_id": "B3DC112A-F58C-4003-A96B-B8803B798D29"}
    assert parse(record).id == "govuk-publications:b3dc112a-f58c-4003-a96b-b8803b798d29"


@pytest.mark.parametrize(
    ("link", "url"),
    [
        ("/government/news/x", "https://www.gov.uk/government/news/x"),
        ("government/news/x", "https://www.gov.uk/government/news/x"),
        (
            "https://assets.publishing.service.gov.uk/media/x.pdf",
            "https://assets.publishing.service.gov.uk/media/x.pdf",
        ),
        ("http://www.gov.uk/report", "https://www.gov.uk/report"),
    ],
)
def test_parse_public_url_of_a_path_or_an_absolute_link(parse, by_link, link, url):
    # GIVEN a result whose link is a GOV.UK path (with or without its slash) or, rarely, an absolute URL
    # WHEN it is parsed
    # THEN the URL is the GOV.UK page, or the absolute link on GOV.UK's hosts, upgraded to https
    assert parse({**by_link[PRESS_RELEASE], "link": link}).url == url


def test_parse_without_content_id_uses_the_link_as_id(parse, by_link):
    # GIVEN a result without content_id (older results have none)
    record = {k: v for k, v in by_link[PRESS_RELEASE].items() if k != "content_id"}

    # WHEN it is parsed
    # THEN its id is the link
    assert parse(record).id == "govuk-publications:/government/news/landmark-childcare-rollout-on-track"


@pytest.mark.parametrize(
    "link",
    [
        "https://www.gov.uk/report?id=3&lang=en",
        "/government/publications/café-report",
        "/government/publications/" + "very-long-title-" * 30,
    ],
)
def test_parse_makes_a_link_a_safe_and_unique_id(parse, by_link, link):
    # GIVEN results without content_id whose links hold characters an id may not, or are very long
    record = {k: v for k, v in by_link[PRESS_RELEASE].items() if k != "content_id"}
    first = parse({**record, "link": link})
    second = parse({**record, "link": link + "x"})

    # WHEN they are parsed
    # THEN the ids match the Item's pattern, stay within its length, are stable, and differ for different links
    assert ID_PATTERN.match(first.id) and len(first.id) <= 300
    assert parse({**record, "link": link}).id == first.id
    assert first.id != second.id


@pytest.mark.parametrize(
    ("supergroup", "document_type", "category"),
    [
        ("news_and_communications", "speech", "News and Communications"),
        ("research_and_statistics", "official_statistics", "Statistics"),
        ("research_and_statistics", "national_statistics", "Statistics"),
        ("research_and_statistics", "statistical_data_set", "Statistics"),
        ("research_and_statistics", "statistics_announcement", "Statistics"),
        ("research_and_statistics", "national_statistics_announcement", "Statistics"),
        ("research_and_statistics", "research", "Research"),
        ("research_and_statistics", "independent_report", "Research"),
        ("research_and_statistics", None, "Research"),
        ("guidance_and_regulation", "guidance", "Guidance and Regulation"),
        ("policy_and_engagement", "policy_paper", "Policy and Engagement"),
        ("transparency", "foi_release", "Transparency"),
        ("services", "form", "Services"),
        # No usable supergroup ("other", none, or one we do not know): GOV.UK's grouping of the document type
        ("other", "press_release", "News and Communications"),
        (None, "official_statistics", "Statistics"),
        (None, "research", "Research"),
        (None, "closed_consultation", "Policy and Engagement"),
        ("a_new_supergroup", "corporate_report", "Transparency"),
        ("other", "html_publication", None),
        (None, None, None),
    ],
)
def test_parse_category_is_the_label_a_person_sees(parse, by_link, supergroup, document_type, category):
    record = {
        **by_link[PRESS_RELEASE],
        "content_purpose_supergroup": supergroup,
        "content_store_document_type": document_type,
    }
    assert parse(record).category == category


def test_parse_withdrawn_result(parse, by_link):
    # GIVEN the recorded withdrawn guidance (the poll asks for withdrawn pages too)
    # WHEN it is parsed
    # THEN its state is withdrawn, so that its subscribers hear of it
    assert parse(by_link[WITHDRAWN]).state == "withdrawn"
    assert parse({**by_link[WITHDRAWN], "is_withdrawn": False}).state == "published"


def test_parse_keeps_the_debug_keys_out_of_the_item(parse, by_link):
    # GIVEN the same result fetched twice, its debug keys (score, index, internal id) changed in between
    first = by_link[PRESS_RELEASE]
    second = {**copy.deepcopy(first), "es_score": 3.14, "index": "govuk_2024-04-20", "_id": "/other", "extra": 1}

    # WHEN both are parsed at different times
    one = parse(first, datetime(2024, 4, 19, 9, tzinfo=UTC))
    other = parse(second, datetime(2024, 4, 20, 9, tzinfo=UTC))

    # THEN the items are equal and hash the same (no new version), and no debug key is anywhere in the item
    assert one == other
    assert one.content_hash() == other.content_hash()
    assert not set(DEBUG_KEYS) & set(one.details)


def test_parse_summary_is_plain_text(parse, by_link):
    record = {**by_link[PRESS_RELEASE], "description": "<p>Childcare &amp; early years</p>", "title": "A <b>title</b>"}
    item = parse(record)
    assert (item.title, item.summary) == ("A title", "Childcare & early years")


def test_parse_the_2016_results_leniently(parse, recorded):
    # GIVEN the real 2016 results: no content_id, no content_store_document_type, no content_purpose_supergroup
    results = {r["link"]: r for r in recorded(f"{FIXTURES}/real_results_2016.json")}

    # WHEN the two DfE ones are parsed
    answer = parse(results["/early-years-foundation-stage"])
    guide = parse(results["/guidance/early-years-pupil-premium-guide-for-local-authorities"])

    # THEN their ids are their links, their category comes from the legacy format, and their dates from
    # public_timestamp
    assert answer.id == "govuk-publications:/early-years-foundation-stage"
    assert answer.category == "Services"  # an "answer" page
    assert answer.model_dump(mode="json")["updated_at"] == "2015-05-11T10:31:21+01:00"
    assert guide.category == "Guidance and Regulation"  # format "detailed_guidance"
    assert guide.details == {"content_store_document_type": None, "display_type": "Detailed guide"}
    assert guide.model_dump(mode="json")["published_at"] == "2015-03-27T15:43:00+00:00"
    assert [d.slug for d in answer.departments] == [d.slug for d in guide.departments] == [DFE]


@pytest.mark.parametrize(
    ("link", "reason"),
    [
        ("/guidance/early-years-qualifications-finder", "(national-college-for-teaching-and-leadership)"),
        ("/topic/schools-colleges-childrens-services/early-years", "(none)"),
    ],
)
def test_parse_of_the_2016_results_of_no_department(parse, recorded, link, reason):
    # GIVEN a 2016 result of an agency not in the registry, or a navigation page with no organisation
    results = {r["link"]: r for r in recorded(f"{FIXTURES}/real_results_2016.json")}

    # WHEN it is parsed
    # THEN it is a poison record naming its organisations
    with pytest.raises(PoisonRecordError) as caught:
        parse(results[link])
    assert "is a department in the registry" in str(caught.value)
    assert reason in str(caught.value)


# The real DVLA result (real_taxes_count_1.json) now reaches the Department for Transport, DVLA's parent:
# tests/unit/trust/test_govuk_agencies.py.
@pytest.mark.parametrize("fixture", ["real_hmrc_filtered_truncated.json"])
def test_parse_real_results_of_other_organisations_are_poison(parse, recorded, fixture):
    # GIVEN the real result of HMRC, no department of the registry nor the child of one
    (record,) = recorded(f"{FIXTURES}/{fixture}")["results"]

    # WHEN it is parsed
    # THEN it is a poison record
    with pytest.raises(PoisonRecordError, match="is a department in the registry"):
        parse(record)


# --- parse: poison records ---


def _without(record: dict[str, Any], *fields: str) -> dict[str, Any]:
    return {name: value for name, value in record.items() if name not in fields}


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda r: _without(r, "title"), "title"),
        (lambda r: {**r, "title": ""}, "title"),
        (lambda r: {**r, "title": None}, "title"),
        (lambda r: {**r, "title": "<b></b> \u200b"}, "title"),
        (lambda r: _without(r, "link"), "link"),
        (lambda r: {**r, "link": "https://www.example.org/report"}, "link"),
        (lambda r: {**r, "content_id": "not-a-uuid"}, "content_id"),
        (lambda r: {**r, "public_timestamp": "yesterday"}, "public_timestamp"),
        (lambda r: {**r, "first_published_at": "2024-02-30T00:00:00+00:00"}, "first_published_at"),
        (lambda r: _without(r, "public_timestamp", "first_published_at"), "no public_timestamp"),
        (lambda r: {**r, "is_withdrawn": "perhaps"}, "is_withdrawn"),
        (lambda r: {**r, "organisations": "department-for-education"}, "organisations"),
        (lambda r: {**r, "organisations": [{"title": "Department for Education"}]}, "organisations.0.slug"),
        (lambda r: {**r, "organisations": []}, "is a department in the registry"),
        (lambda r: _without(r, "organisations"), "is a department in the registry"),
    ],
)
def test_parse_rejects_a_record_that_can_never_be_an_item(parse, by_link, mutate, reason):
    # GIVEN a result with a missing or wrong field, impossible dates, or no department of the registry
    record = mutate(copy.deepcopy(by_link[PRESS_RELEASE]))

    # WHEN it is parsed
    # THEN it is a poison record, and the reason names the problem
    with pytest.raises(PoisonRecordError) as caught:
        parse(record)
    assert reason in str(caught.value)


def test_poison_reason_does_not_echo_the_bad_value(parse, by_link):
    record = {**by_link[PRESS_RELEASE], "content_id": "<script>steal()</script>"}
    with pytest.raises(PoisonRecordError) as caught:
        parse(record)
    assert "content_id" in str(caught.value)
    assert "steal" not in str(caught.value)


# --- records_from_response ---


def test_records_from_the_recorded_pages(recorded):
    # GIVEN the recorded current-style pages (envelope: results, total, start, aggregates, suggested_*, es_cluster)
    for name, count in ((PAGE_1, 8), (PAGE_2, 4)):
        body = recorded(name)
        assert set(body) == {
            "results", "total", "start", "aggregates", "suggested_queries", "suggested_autocomplete", "es_cluster"
        }  # fmt: skip

        # WHEN its records are read
        # THEN they are the results, in order, unchanged (debug keys included)
        records = SOURCE.records_from_response(body)
        assert len(records) == count
        assert records == body["results"]


@pytest.mark.parametrize(
    ("fixture", "count"),
    [
        ("real_taxes_count_1.json", 1),  # the older envelope, with "facets" and no "aggregates"
        ("real_hmrc_filtered_truncated.json", 1),
        ("real_aggregate_organisations.json", 0),
    ],
)
def test_records_from_real_responses(recorded, fixture, count):
    body = recorded(f"{FIXTURES}/{fixture}")
    assert SOURCE.records_from_response(body) == body["results"]
    assert len(body["results"]) == count


@pytest.mark.parametrize(
    "body",
    [
        None,
        "a string",
        [],
        [{"link": "/x", "title": "X"}],  # a bare list of results (as in the 2016 recording) is not a response
        {},
        {"results": []},  # no total
        {"results": "nope", "total": 1},
        {"results": [None], "total": 1},
        {"results": ["/x"], "total": 1},
        {"results": [], "total": "12"},
        {"results": [], "total": True},
        {"error": "Unexpected parameters: fields[]"},
    ],
)
def test_records_from_a_response_of_the_wrong_shape_raise(body):
    with pytest.raises(ResponseShapeError):
        SOURCE.records_from_response(body)


def test_records_from_the_bare_2016_list_raise(recorded):
    with pytest.raises(ResponseShapeError):
        SOURCE.records_from_response(recorded(f"{FIXTURES}/real_results_2016.json"))


# --- fetch, against the fake search API (infra.local.replay) served through httpx.MockTransport ---


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


SINCE = datetime(2024, 4, 15, 9, 0, tzinfo=UTC)
UNTIL = datetime(2024, 4, 19, 12, 0, tzinfo=UTC)
FIELDS_QUERY = (
    "fields=title&fields=link&fields=description&fields=public_timestamp&fields=first_published_at"
    "&fields=content_id&fields=content_store_document_type&fields=content_purpose_supergroup&fields=display_type"
    "&fields=organisations&fields=is_withdrawn"
)


def fetch_all(api: RecordedSearch, departments: Sequence[Department] | None = None, since: datetime = SINCE):
    client = UpstreamClient(transport=api.transport(), sleep=lambda _: None)
    return list(SOURCE.fetch(client, departments or [by_slug(DFE)], since, UNTIL))


def older(record: dict[str, Any], days: int, suffix: str) -> dict[str, Any]:
    """A copy of a recorded result, `days` older, with its own link and content_id."""
    moved = copy.deepcopy(record)
    moved["public_timestamp"] = (_time(record["public_timestamp"]) - timedelta(days=days)).isoformat()
    moved["link"] = moved["_id"] = f"{record['link']}-{suffix}"
    moved["content_id"] = record["content_id"][:-4] + suffix.rjust(4, "0")[-4:]
    return moved


@pytest.fixture
def warnings(monkeypatch) -> list[str]:
    """The warnings the source logs."""
    logged: list[str] = []
    monkeypatch.setattr(govuk_publications.logger, "warning", lambda message, **_: logged.append(message))
    return logged


def test_fetch_sends_exactly_the_query_the_api_accepts(dfe_results):
    # GIVEN the API with the 12 DfE results
    api = RecordedSearch(dfe_results)

    # WHEN the Department for Education is fetched from 09:00 UTC on 15 April
    fetched = fetch_all(api)

    # THEN one request asks for its organisation and its agencies', newest first, from that day, with every field
    # named, withdrawn pages included, 1500 a page from the start — every parameter and field one that search-api
    # accepts
    agencies = "".join(f"&filter_organisations={slug}" for slug in by_slug(DFE).govuk_agency_slugs)
    assert [str(r.url) for r in api.requests] == [
        "https://www.gov.uk/api/search.json?filter_organisations=department-for-education"
        + agencies
        + "&filter_public_timestamp=from%3A2024-04-15&order=-public_timestamp&"
        + FIELDS_QUERY
        + "&debug=include_withdrawn&count=1500&start=0"
    ]
    assert [f.record for f in fetched] == dfe_results
    assert {f.department for f in fetched} == {None}  # each result names its organisations itself
    assert {f.origin for f in fetched} == {"https://www.gov.uk/api/search.json?start=0"}


def test_fetch_asks_for_every_department_in_one_request_with_former_slugs(dfe_results):
    # GIVEN the API
    api = RecordedSearch(dfe_results)

    # WHEN every department is fetched
    fetch_all(api, DEPARTMENTS)

    # THEN one request names every GOV.UK slug of the registry, current and former, then their agencies', each once
    (request,) = api.requests
    asked = request.url.params.get_list("filter_organisations")
    departments = [slug for d in DEPARTMENTS for slug in d.govuk_slugs]
    assert asked == list(dict.fromkeys(departments + [slug for d in DEPARTMENTS for slug in d.govuk_agency_slugs]))
    assert {DFE, DHSC, "department-of-health", "department-for-levelling-up-housing-and-communities"} <= set(asked)
    assert len(request.url.params.get_list("filter_public_timestamp")) == 1


def test_fetch_window_starts_on_the_utc_day_of_since(dfe_results):
    # GIVEN a poll from 00:30 on 15 April in London (BST), which is still 14 April in UTC, the API's time zone
    since = datetime(2024, 4, 15, 0, 30, tzinfo=timezone(timedelta(hours=1)))

    # WHEN it is fetched, and again with the same time naive (taken as London time)
    api = RecordedSearch(dfe_results)
    fetch_all(api, since=since)
    fetch_all(api, since=since.replace(tzinfo=None))

    # THEN both ask from 14 April
    assert [r.url.params["filter_public_timestamp"] for r in api.requests] == ["from:2024-04-14"] * 2


def test_fetch_pages_by_what_the_api_returns(dfe_results):
    # GIVEN an API that returns at most 5 results a page although 1500 are asked for
    api = RecordedSearch(dfe_results, page_cap=5)

    # WHEN the Department for Education is fetched
    fetched = fetch_all(api)

    # THEN all 12 come back, each once, newest first, from pages starting at 0, 5 and 10, each asking for 1500
    assert [f.record["link"] for f in fetched] == list(EXPECTED)
    assert api.offsets() == ["0", "5", "10"]
    assert {r.url.params["count"] for r in api.requests} == {"1500"}
    assert fetched[5].origin == "https://www.gov.uk/api/search.json?start=5"


def test_fetch_fails_when_the_pages_end_before_the_total(dfe_results):
    # GIVEN an API whose total promises more than it has
    api = RecordedSearch(dfe_results, page_cap=5, total=500)

    # WHEN it is fetched THEN it fails (the fetcher keeps the watermark) at the first page short of the API's page
    # size before the total: reporting the 12 it had as the whole list would lose the rest silently
    with pytest.raises(UpstreamResponseError, match="do not add up"):
        fetch_all(api)
    assert api.offsets() == ["0", "5", "10"]


def test_fetch_drops_results_of_organisations_not_asked_for(dfe_results, recorded, warnings):
    # GIVEN an API that ignores filter_organisations and also returns the real DVLA result (dated into the window)
    dvla = {**recorded(f"{FIXTURES}/real_taxes_count_1.json")["results"][0], "public_timestamp": "2024-04-18T08:00Z"}
    api = RecordedSearch([*dfe_results[:3], dvla, *dfe_results[3:]], honour_filters=False)

    # WHEN the Department for Education is fetched
    fetched = fetch_all(api)

    # THEN only the results naming DfE come back (no other department's topic is flooded), with a warning
    assert [f.record["link"] for f in fetched] == list(EXPECTED)
    assert warnings == ["record of a department we did not ask for dropped"]


def test_fetch_keeps_a_joint_publication_asked_for_by_one_of_its_departments(dfe_results):
    # GIVEN the API, and only DHSC configured
    api = RecordedSearch(dfe_results)

    # WHEN DHSC is fetched
    fetched = fetch_all(api, [by_slug(DHSC)])

    # THEN the joint DfE and DHSC publication comes back, and nothing of DfE alone
    assert [f.record["link"] for f in fetched] == [JOINT_GUIDANCE]
    asked = api.requests[0].url.params.get_list("filter_organisations")
    assert asked == [DHSC, "department-of-health", *by_slug(DHSC).govuk_agency_slugs]


def test_fetch_yields_a_result_listed_twice_once(dfe_results):
    # GIVEN an API whose pages shifted while we paged (a new publication pushed a result onto the next page)
    api = RecordedSearch([*dfe_results[:5], dfe_results[4], *dfe_results[5:]], page_cap=5)

    # WHEN it is fetched
    fetched = fetch_all(api)

    # THEN each result is yielded once
    assert [f.record["link"] for f in fetched] == list(EXPECTED)


def test_fetch_stops_paging_past_the_window_when_the_date_filter_is_ignored(dfe_results, warnings):
    # GIVEN an API that ignores filter_public_timestamp: after the 12 results of the window come 6 older ones
    old = [older(dfe_results[-1], days, f"old{days}") for days in range(1, 7)]
    api = RecordedSearch([*dfe_results, *old], page_cap=5, honour_dates=False)

    # WHEN it is fetched
    fetched = fetch_all(api)

    # THEN only the window's results come back, the API's failure is logged once, and paging stops at the page
    # that went past the window start (newest first, so every later page is older still)
    assert [f.record["link"] for f in fetched] == list(EXPECTED)
    assert warnings == ["results older than the window: the date filter was not applied"]
    assert api.offsets() == ["0", "5", "10"]


def test_fetch_warns_when_results_are_not_newest_first_and_reads_every_page(dfe_results, warnings):
    # GIVEN an API that ignores both the order and the date filter: oldest first, older results first of all
    old = [older(dfe_results[-1], days, f"old{days}") for days in range(1, 7)]
    api = RecordedSearch([*dfe_results, *old], page_cap=5, honour_dates=False, newest_first=False)

    # WHEN it is fetched
    fetched = fetch_all(api)

    # THEN it warns of both, cannot stop early, and still yields exactly the window's results
    assert sorted(f.record["link"] for f in fetched) == sorted(EXPECTED)
    assert warnings == [
        "results older than the window: the date filter was not applied",
        "results are not newest first: the order parameter was not applied",
    ]
    assert api.offsets() == ["0", "5", "10", "15"]


def test_fetch_of_departments_without_a_govuk_organisation_asks_nothing(dfe_results):
    # GIVEN departments with no GOV.UK organisation (a query without the filter would return all of GOV.UK)
    departments = [d for d in DEPARTMENTS if not d.govuk_slugs]
    assert departments

    # WHEN they are fetched
    api = RecordedSearch(dfe_results)

    # THEN no request is made
    assert fetch_all(api, departments) == []
    assert api.requests == []


def test_fetch_passes_an_invalid_result_on_for_the_processor_to_report(dfe_results):
    # GIVEN a result that does not validate (no title)
    broken = _without(dfe_results[0], "title")
    api = RecordedSearch([broken, *dfe_results[1:]])

    # WHEN it is fetched
    fetched = fetch_all(api)

    # THEN it is still queued as it is (the processor puts it on the dead-letter queue with the reason)
    assert fetched[0].record == broken
    assert len(fetched) == 12


@pytest.mark.parametrize(
    "body",
    [
        [{"link": "/x"}],
        {"results": [], "error": "no total"},
        {"results": [], "total": 0, "start": 1500},  # not the page asked for
    ],
)
def test_fetch_refuses_a_response_that_is_not_what_was_asked(body):
    client = UpstreamClient(
        transport=httpx.MockTransport(lambda _: httpx.Response(200, json=body)), sleep=lambda _: None
    )
    with pytest.raises(UpstreamResponseError):
        list(SOURCE.fetch(client, [by_slug(DFE)], SINCE, UNTIL))


def test_fetch_reports_a_422_for_what_the_api_does_not_accept():
    # GIVEN an API that refuses the query, as GOV.UK does an unknown parameter or field
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(422, json={"error": "Unexpected parameters: fields[]"})

    client = UpstreamClient(transport=httpx.MockTransport(refuse), sleep=lambda _: None)

    # WHEN it is fetched
    # THEN the failure names the status and the API's reason (not retried: it would fail again)
    with pytest.raises(UpstreamResponseError, match=r"HTTP 422.*Unexpected parameters"):
        list(SOURCE.fetch(client, [by_slug(DFE)], SINCE, UNTIL))
    assert client.requests == 1


# --- the offline demo: the recordings replayed through the fetch ---


def test_the_recordings_replay_through_the_fetch(parse):
    # GIVEN the replay modules as the demo's server finds them, behind an in-process transport (no sockets in tests)
    apis = apis_by_host()
    assert API_HOST in apis
    client = UpstreamClient(transport=replay_transport(), sleep=lambda _: None)

    # WHEN the Department for Education is fetched from the oldest recording
    earliest = apis[API_HOST][0].earliest()
    assert earliest is not None
    since = datetime.combine(earliest, datetime.min.time(), UTC)
    fetched = list(SOURCE.fetch(client, [by_slug(DFE)], since, UNTIL))

    # THEN every recorded result comes back over several capped pages, newest first, and each parses
    assert [f.record["link"] for f in fetched] == list(EXPECTED)
    assert client.requests == 3
    ids = [parse(f.record).id for f in fetched]
    assert ids == [f"govuk-publications:{expected[0]}" for expected in EXPECTED.values()]


def test_the_replay_refuses_what_the_api_refuses():
    api = recorded_api()

    def query(**params: Any) -> dict[str, list[str]]:
        return {name: value if isinstance(value, list) else [str(value)] for name, value in params.items()}

    assert api.handle(API_PATH, query(filter_organisation=DFE))[0] == 422  # misspelt filter
    assert api.handle(API_PATH, query(fields=["title", "summary"]))[0] == 422  # not a field
    assert api.handle(API_PATH, query(count=1501))[0] == 422
    assert api.handle(API_PATH, query(order="-popularity_b"))[0] == 422
    assert api.handle(API_PATH, query(filter_public_timestamp=["from:2024-04-15", "from:2024-04-16"]))[0] == 422
    assert api.handle("/api/content/x", {})[0] == 404


def test_the_replay_leaves_withdrawn_pages_out_unless_asked():
    api = recorded_api()
    base = {"filter_organisations": [DFE], "fields": ["link", "is_withdrawn"], "count": ["1500"]}

    def links(**extra: list[str]) -> list[str]:
        """Every page's links (the replay cuts pages short)."""
        found: list[str] = []
        while True:
            status, body = api.handle(API_PATH, {**base, **extra, "start": [str(len(found))]})
            assert status == 200
            found += [r["link"] for r in body["results"]]
            if not body["results"]:
                return found

    assert WITHDRAWN not in links()
    assert WITHDRAWN in links(debug=["include_withdrawn"])
