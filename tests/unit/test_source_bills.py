"""The bills source against its fake: the poll's requests (one per department when idle), the window read newest
first, a sort order the API ignores, the department read from the completed bill, and both readings of the shapes
the OpenAPI document leaves open."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.local.replay import RECORDED
from infra.local.replay.bills import RecordedBills
from shared.adapters.http import UpstreamClient, UpstreamResponseError
from shared.domain.departments import by_slug
from shared.domain.raw_record import RawRecordMessage
from shared.sources.base import PoisonRecordError
from shared.sources.bills import BillsSource, house_of

DFE = by_slug("department-for-education")
DHSC = by_slug("department-of-health-and-social-care")
SOURCE = BillsSource()


def bill(bill_id: int) -> dict[str, Any]:
    return json.loads((RECORDED / "bills" / f"bill_{bill_id}.json").read_text(encoding="utf-8"))


def fetch(api: RecordedBills, departments: list[Any], since: datetime, until: datetime, known: Any = None) -> list:
    client = UpstreamClient(transport=api.transport(), sleep=lambda _: None)
    return list(SOURCE.fetch(client, departments, since, until, known))


def parse(record: dict[str, Any]) -> Any:
    return SOURCE.parse(RawRecordMessage(source="bills", record=record, fetched_at=datetime(2024, 6, 1, tzinfo=UTC)))


def test_an_idle_poll_costs_one_list_request_per_department():
    # GIVEN bills last updated weeks before the window
    api = RecordedBills.from_recordings(page_cap=1)
    # WHEN two departments are polled for the last five minutes
    fetched = fetch(api, [DFE, DHSC], datetime(2024, 6, 30, 12, tzinfo=UTC), datetime(2024, 6, 30, 12, 5, tzinfo=UTC))
    # THEN nothing, for one list request each (newest first: the first page is already older) and no detail
    assert fetched == []
    assert len(api.list_requests()) == 2 and api.detail_requests() == []
    assert {dict(q)["SortOrder"] for q in api.queries()} == {"DateUpdatedDescending"}
    assert [dict(q)["DepartmentId"] for q in api.queries()] == ["60", "17"]


def test_a_poll_reads_pages_until_the_window_is_left_and_completes_each_bill():
    # GIVEN DfE's bills, one a page, the oldest updated before the window
    api = RecordedBills.from_recordings(page_cap=1)
    # WHEN DfE is polled from 15 April
    fetched = fetch(api, [DFE], datetime(2024, 4, 15, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC))
    # THEN its two bills of the window, completed with their stages and publications; the older one is not read
    assert sorted(f.record["billId"] for f in fetched) == [3501, 3503]
    assert all("stages" in f.record and "publications" in f.record for f in fetched)
    assert sorted(api.detail_ids()) == [3501, 3503]
    assert api.offsets() == ["0", "1", "2"]


def test_a_sort_order_the_api_ignores_fails_the_poll_rather_than_stopping_early():
    # GIVEN an API that lists DfE's bills oldest first whatever SortOrder says
    api = RecordedBills.from_recordings()
    api.honour_order = False
    api.listed.sort(key=lambda record: record["lastUpdate"])
    # WHEN polled / THEN the poll fails, naming the order
    with pytest.raises(UpstreamResponseError, match="sort order was ignored"):
        fetch(api, [DFE], datetime(2024, 4, 15, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC))


def test_a_known_bill_costs_no_detail_and_an_unasked_department_s_bill_is_dropped_after_its_detail():
    # GIVEN an API that ignores DepartmentId (every bill listed for DfE)
    since, until = datetime(2024, 4, 15, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC)
    api = RecordedBills.from_recordings(honour_filters=False)
    # WHEN DfE is polled
    fetched = fetch(api, [DFE], since, until)
    # THEN only the bills DfE sponsors come back (the DHSC and private member's bills are read, then dropped)
    assert sorted(f.record["billId"] for f in fetched) == [3501, 3503]
    # AND a bill the fetcher knows costs no detail request, and is passed on as known
    known_api = RecordedBills.from_recordings()
    known = fetch(known_api, [DFE], since, until, known=lambda record: True)
    assert known_api.detail_requests() == [] and all(f.known for f in known)


@pytest.mark.parametrize(("value", "house"), [("Commons", "commons"), (1, "commons"), (2, "lords"), ("Lords", "lords")])
def test_the_house_is_read_as_a_string_or_as_its_ordinal(value, house):
    assert house_of(value) == house


@pytest.mark.parametrize("value", ["All", 0, "Unassigned", 3, None, True, 7, "Both"])
def test_no_house_for_all_unassigned_or_anything_else(value):
    assert house_of(value) is None


def test_a_bill_with_only_its_required_fields_is_an_item():
    # GIVEN a bill with every optional field missing or null
    record = {
        "billId": 4000,
        "shortTitle": "Minimal Bill",
        "lastUpdate": "2024-05-01T12:00:00Z",
        "currentStage": None,
        "sponsors": [{"member": None, "organisation": {"name": "Department for Education", "url": None}}],
        "stages": None,
        "publications": None,
    }
    # WHEN parsed
    item = parse(record)
    # THEN an item of DfE with no stage, no people, no attachments; the UTC update kept as that instant
    assert [d.slug for d in item.departments] == [DFE.slug]
    assert item.details["stage"] is None and item.people == () and item.attachments == ()
    assert item.updated_at == datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_a_bill_without_a_registered_sponsoring_department_is_refused_with_the_names_given():
    record = copy.deepcopy(bill(3501))
    record["sponsors"][0]["organisation"] = {"name": "Ministry of Magic", "url": "https://example.org/"}
    with pytest.raises(PoisonRecordError, match="Ministry of Magic"):
        parse(record)


def test_a_stage_without_sittings_takes_the_date_of_the_same_stage_in_the_stages_list():
    # GIVEN the recorded bill: its currentStage has no sittings, its stages list has that stage's sittings
    record = bill(3501)
    assert record["currentStage"]["stageSittings"] == []
    # THEN its stage line carries the latest sitting's day
    assert parse(record).details["stage"] == "Committee stage (Commons, 2024-05-14)"


def test_an_unreadable_publication_is_one_publication_fewer_not_a_lost_bill():
    record = copy.deepcopy(bill(3501))
    record["publications"] += [None, {"id": "51009", "title": "string id"}, {"id": True}, "a string"]
    item = parse(record)
    assert item.details["publications"] == 2
