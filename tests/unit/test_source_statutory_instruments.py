"""The statutory instruments source against its fake: one list request per department when idle, instruments laid
within the procedure horizon read again for their steps, a list in another order failing the poll, the department
read from the completed instrument, and both readings of the shapes the OpenAPI document leaves open."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.local.replay import RECORDED
from infra.local.replay.statutory_instruments import RecordedInstruments
from shared.adapters.http import UpstreamClient, UpstreamResponseError
from shared.domain.departments import by_slug
from shared.domain.raw_record import RawRecordMessage
from shared.sources.base import PoisonRecordError
from shared.sources.statutory_instruments import BusinessItem, StatutoryInstrumentsSource

DFE = by_slug("department-for-education")
DHSC = by_slug("department-of-health-and-social-care")
SOURCE = StatutoryInstrumentsSource()


def instrument(instrument_id: str) -> dict[str, Any]:
    path = RECORDED / "statutory-instruments" / f"instrument_{instrument_id}.json"
    return json.loads(path.read_text(encoding="utf-8"))["value"]


def fetch(api: RecordedInstruments, departments: list[Any], since: datetime, until: datetime) -> list:
    client = UpstreamClient(transport=api.transport(), sleep=lambda _: None)
    return list(SOURCE.fetch(client, departments, since, until))


def parse(record: dict[str, Any]) -> Any:
    message = RawRecordMessage(source=SOURCE.name, record=record, fetched_at=datetime(2024, 6, 1, tzinfo=UTC))
    return SOURCE.parse(message)


def test_an_idle_poll_costs_one_list_request_per_department():
    # GIVEN instruments laid long before the window (and its procedure horizon)
    api = RecordedInstruments.from_recordings(page_cap=1)
    # WHEN two departments are polled for the last five minutes
    fetched = fetch(api, [DFE, DHSC], datetime(2025, 6, 30, 12, tzinfo=UTC), datetime(2025, 6, 30, 12, 5, tzinfo=UTC))
    # THEN nothing, for one list request each and no detail
    assert fetched == []
    assert len(api.list_requests()) == 2 and api.detail_requests() == []
    assert [dict(q)["DepartmentId"] for q in api.queries()] == ["60", "17"]


def test_instruments_laid_within_the_horizon_are_read_for_their_steps_and_older_ones_are_not():
    # GIVEN DfE's instruments, one a page: two laid in April 2024, one in October 2023
    api = RecordedInstruments.from_recordings(page_cap=1)
    # WHEN DfE is polled for a day in June 2024
    fetched = fetch(api, [DFE], datetime(2024, 6, 10, tzinfo=UTC), datetime(2024, 6, 11, tzinfo=UTC))
    # THEN the April ones come back with their business items; the October one is where the pages stop
    assert sorted(f.record["id"] for f in fetched) == ["AbCd1234", "IjKl9012"]
    assert all("businessItems" in f.record for f in fetched)
    assert api.offsets() == ["0", "1", "2"]


def test_a_list_in_another_order_fails_the_poll_rather_than_stopping_early():
    api = RecordedInstruments.from_recordings()
    api.honour_order = False
    api.listed.sort(key=lambda record: record.get("commonsLayingDate") or record.get("lordsLayingDate") or "")
    with pytest.raises(UpstreamResponseError, match="not newest first"):
        fetch(api, [DFE], datetime(2024, 4, 15, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC))


def test_an_instrument_of_another_laying_body_is_dropped_even_when_the_filter_is_ignored():
    api = RecordedInstruments.from_recordings(honour_filters=False)
    fetched = fetch(api, [DHSC], datetime(2024, 4, 15, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC))
    assert sorted(f.record["id"] for f in fetched) == ["EfGh5678", "UvWx2345"]


@pytest.mark.parametrize("houses", [["Commons"], [0], ["commons"]])
def test_a_business_item_s_houses_read_as_strings_or_ordinals(houses):
    item = BusinessItem.model_validate({"steps": ["Approved"], "itemDate": "2024-05-14T00:00:00", "houses": houses})
    assert item.label() == "Approved (Commons, 2024-05-14)"


def test_an_instrument_with_only_its_required_fields_is_an_item():
    record = {"id": "Zz000001", "name": "The Minimal Order 2024", "paperMadeDate": "2024-05-01T12:00:00Z"}
    record["layingBody"] = {"name": "Department for Education"}
    item = parse(record)
    assert item.state == "made" and item.house is None and item.attachments == ()
    assert item.details["stage"] is None and item.details["number"] is None
    assert item.published_at == datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_the_latest_step_is_the_last_business_item_in_sequence():
    item = parse(instrument("EfGh5678"))
    assert item.details["stage"] == "Approved by the House of Commons (Commons, 2024-05-14)"
    assert item.category == "Draft affirmative" and item.house is None


def test_a_laying_body_that_is_not_a_registered_department_is_refused_with_its_name():
    with pytest.raises(PoisonRecordError, match="Electoral Commission"):
        parse(instrument("MnOp3456"))


def test_an_id_that_is_not_the_api_s_is_refused():
    record = {**instrument("AbCd1234"), "id": "../../x"}
    with pytest.raises(PoisonRecordError, match="id"):
        parse(record)


def test_an_unreadable_business_item_is_one_step_fewer_not_a_lost_instrument():
    record = instrument("AbCd1234")
    record["businessItems"] = [None, "laid", *record["businessItems"]]
    assert parse(record).details["stage"] == "JCSI scrutiny completed (Commons and Lords, 2024-04-24)"
