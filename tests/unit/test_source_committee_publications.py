"""The committee-publications source (shared/sources/committee_publications.py) against its fake and the API's
documented shapes: one query for every committee, routing by committee and responding department, government
responses as their own category, both readings of what the document leaves open."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from infra.local.replay import RECORDED
from infra.local.replay.committee_publications import RecordedPublications
from shared.adapters.http import UpstreamClient
from shared.domain.departments import by_slug
from shared.domain.raw_record import RawRecordMessage
from shared.sources import get_source
from shared.sources.base import PoisonRecordError

SOURCE = get_source("committee-publications")
REAL = json.loads((RECORDED / "committee-publications/real_education_2024-12-10_2024-12-17.json").read_text())
DFE, DHSC = by_slug("department-for-education"), by_slug("department-of-health-and-social-care")


def publication(**changes: Any) -> dict[str, Any]:
    """The real Education Committee report 46004, with changes."""
    record = copy.deepcopy(next(r for r in REAL["items"] if r["id"] == 46004))
    record.update(changes)
    return record


def parse(record: dict[str, Any]) -> Any:
    return SOURCE.parse(RawRecordMessage(source=SOURCE.name, record=record, fetched_at=datetime.now(UTC)))


def poll(api: RecordedPublications, departments: Any, since: datetime, until: datetime) -> list[Any]:
    client = UpstreamClient(transport=api.transport(), sleep=lambda _: None)
    return list(SOURCE.fetch(client, departments, since, until))


def test_one_query_asks_every_committee_for_the_window_and_keeps_the_watched_departments():
    # GIVEN the recorded publications of the Education, Health, Treasury and Public Accounts committees
    api = RecordedPublications.from_recordings()

    # WHEN the Department of Health and Social Care's publications of 18-19 December are polled
    fetched = poll(api, [DHSC], datetime(2024, 12, 18, tzinfo=UTC), datetime(2024, 12, 19, 12, tzinfo=UTC))

    # THEN one request was made, without a committee (the API takes one at most), to the day after the window
    [request] = api.list_requests()
    params = dict(request.url.params)
    assert "CommitteeId" not in params
    assert (params["StartDate"], params["EndDate"]) == ("2024-12-18", "2024-12-20")
    assert params["SortOrder"] == "PublicationDateAscending"
    # AND only the Health Committee's publications are kept: its report and its special report
    assert sorted(f.record["id"] for f in fetched) == [46101, 46103]


def test_a_response_by_a_watched_department_to_another_department_s_committee_is_kept():
    # GIVEN the Health Committee's special report carrying the Department for Education's response
    api = RecordedPublications.from_recordings()

    # WHEN the Department for Education's publications are polled
    fetched = poll(api, [DFE], datetime(2024, 12, 19, tzinfo=UTC), datetime(2024, 12, 19, 12, tzinfo=UTC))

    # THEN it is kept for the Department for Education too
    assert [f.record["id"] for f in fetched] == [46103]


def test_a_publication_at_ten_on_the_window_s_last_day_is_not_lost_to_a_midnight_end_date():
    # GIVEN a fake that reads EndDate as the date's midnight (the strict reading of a date-time parameter)
    api = RecordedPublications([publication(publicationStartDate="2024-12-13T10:00:00")])

    # WHEN a window ending on 13 December is polled
    fetched = poll(api, [DFE], datetime(2024, 12, 13, tzinfo=UTC), datetime(2024, 12, 13, 9, tzinfo=UTC))

    # THEN the report published at 10:00 that day is found
    assert [f.record["id"] for f in fetched] == [46004]


def test_the_real_report_reads_as_the_committees_website_shows_it():
    # GIVEN the real report 46004 of the Education Committee
    record = publication()

    # WHEN it is parsed
    item = parse(record)

    # THEN it is the Department for Education's, a Report, at 10:00 London time, linked to its document
    document = record["documents"][0]
    assert [d.slug for d in item.departments] == [DFE.slug]
    assert (item.kind, item.category, item.house) == ("committee-publication", "Report", "commons")
    assert item.title == record["description"]
    assert item.published_at == datetime(2024, 12, 13, 10, 0, tzinfo=UTC)
    url = f"https://committees.parliament.uk/publications/46004/documents/{document['documentId']}/default/"
    assert item.url == url
    assert [(a.title, a.url, a.file_type) for a in item.attachments] == [(document["files"][0]["fileName"], url, "PDF")]
    assert item.details["committee"] == "Education Committee"


@pytest.mark.parametrize(
    "changes",
    [
        {"type": {"id": 12, "name": "Government Response"}},
        {"type": {"id": 12, "name": "government responses"}},
        {"responseToPublicationId": 45012, "respondingDepartment": {"id": 14, "name": "Department for Education"}},
    ],
    ids=["type named so", "type named in lower case, plural", "responding to a publication for a department"],
)
def test_a_government_response_has_its_own_category_however_it_is_marked(changes):
    assert parse(publication(**changes)).category == "Government Response"


def test_correspondence_answering_a_report_without_a_responding_department_is_not_a_government_response():
    item = parse(publication(type={"id": 3, "name": "Correspondence"}, responseToPublicationId=45012))
    assert item.category == "Correspondence"
    assert item.details["responds_to_url"] == "https://committees.parliament.uk/publications/45012/html/"


def test_a_response_by_another_department_reaches_both_departments():
    item = parse(
        publication(
            committee={"id": 81, "name": "Health and Social Care Committee", "house": "Commons"},
            respondingDepartment={"id": 14, "name": "Department for Education"},
            responseToPublicationId=45100,
        )
    )
    assert [d.slug for d in item.departments] == [DHSC.slug, DFE.slug]


def test_every_optional_field_null_still_makes_an_item():
    # GIVEN a publication with only its id, description, date and committee (the document makes the rest nullable)
    record = {
        "id": 46200,
        "description": "Written evidence",
        "publicationStartDate": "2024-12-19T11:00:00",
        "committee": {"id": 158, "name": "Treasury Committee"},
        "type": None,
        "documents": None,
        "governmentResponses": None,
        "businesses": None,
        "hcNumber": None,
        "respondingDepartment": None,
    }

    # WHEN it is parsed / THEN it is the Treasury's, without a category or documents, linked to its page
    item = parse(record)
    assert [d.slug for d in item.departments] == ["hm-treasury"]
    assert item.category is None and item.attachments == ()
    assert item.url == "https://committees.parliament.uk/publications/46200/html/"
    assert item.house is None


@pytest.mark.parametrize("start", ["2024-07-01T10:15:00", "2024-07-01T09:15:00+00:00", "2024-07-01T10:15:00+01:00"])
def test_naive_london_times_and_times_with_an_offset_are_the_same_moment(start):
    item = parse(publication(publicationStartDate=start))
    assert item.published_at == datetime(2024, 7, 1, 9, 15, tzinfo=UTC)


@pytest.mark.parametrize("data_format", ["Pdf", 2, None])
def test_a_file_format_as_a_string_or_an_int_is_read(data_format):
    record = publication()
    record["documents"][0]["files"][0]["fileDataFormat"] = data_format
    assert len(parse(record).attachments) == 1


def test_a_file_link_off_parliament_is_replaced_by_the_document_s_own_page():
    record = publication()
    record["documents"][0]["files"][0]["url"] = "https://committees.parliament.uk.evil.example/x.pdf"
    [attachment] = parse(record).attachments
    assert attachment.url.startswith("https://committees.parliament.uk/publications/46004/documents/")


def test_a_file_link_on_parliament_is_kept():
    record = publication()
    record["documents"][0]["files"][0]["url"] = "http://committees.parliament.uk/publications/46004/x y.pdf"
    [attachment] = parse(record).attachments
    assert attachment.url == "https://committees.parliament.uk/publications/46004/x%20y.pdf"


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (publication(committee={"id": 127, "name": "Public Accounts Committee"}), "no registered department"),
        (publication(committee=None), "no registered department"),
        (publication(publicationStartDate=None), "no publicationStartDate"),
        (publication(description="  ", type=None, committee={"id": 203, "name": None}), "no description"),
        (publication(id="46004"), "id: Input should be a valid integer"),
        (publication(committee={"id": True, "name": "Education Committee"}), "committee.id"),
    ],
    ids=["unregistered committee", "no committee", "no date", "nothing to title it", "string id", "boolean committee"],
)
def test_a_publication_that_can_never_be_an_item_is_refused_with_its_reason(record, reason):
    with pytest.raises(PoisonRecordError, match=reason):
        parse(record)


def test_the_fake_s_committee_filter_can_be_ignored():
    api = RecordedPublications.from_recordings(honour_filters=False)
    client = UpstreamClient(transport=api.transport(), sleep=lambda _: None)
    body = client.get_json("https://committees-api.parliament.uk/api/Publications", {"CommitteeId": 203})
    assert len({record["committee"]["id"] for record in body["items"]}) > 1
    assert date(2024, 12, 10) == RecordedPublications.from_recordings().earliest()


def test_a_date_in_9999_with_an_offset_is_refused_with_its_field_not_an_overflow():
    # Moving 9999-12-31T23:00-05:00 to London time overflows: it must be a poison record, not a crashed batch.
    with pytest.raises(PoisonRecordError, match="publicationEndDate"):
        parse(publication(publicationEndDate="9999-12-31T23:00:00-05:00"))
