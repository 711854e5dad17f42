"""The processor accepts only what the notifier can render: an item's dates are checked at the model.

Before this check a record dated 1800 in London time was stored with the local-mean-time offset "-00:01:15" (which
the notifier could not read back), and a GOV.UK timestamp of 9999-12-31T23:00:00-05:00 was stored and then raised
OverflowError when the email moved it to London time. The property test walks generated items, dates anywhere in
Python's range with any offset, through what the pipeline does to them: accept ⇒ store ⇒ read back ⇒ render.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.adapters.items_store import item_from_image
from shared.adapters.sns import build_entry
from shared.domain.item import SCHEDULED_START, DepartmentRef, Item
from shared.domain.kinds import Kind
from shared.domain.timeutil import LONDON, in_london
from shared.pipeline.notifying import VersionChange, notifications_for

DFE = DepartmentRef(slug="department-for-education", name="Department for Education")
WHEN = datetime(2024, 4, 22, 10, 30, tzinfo=UTC)
DATE_DETAILS = ("date_tabled", "date_for_answer", "date_answered", "date_answer_corrected", "cancelled_on")
MOMENT_DETAILS = (SCHEDULED_START, "ends_at")


def item(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": "written-questions:1",
        "source": "written-questions",
        "kind": Kind.WRITTEN_QUESTION.value,
        "departments": [DFE.model_dump()],
        "title": "Schools: Funding",
        "url": "https://questions-statements.parliament.uk/written-questions/detail/2024-04-22/1",
        "published_at": WHEN,
        "updated_at": WHEN,
        "state": "tabled",
    }
    return fields | changes


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        # A naive upstream time taken as London time: before 1847 London is local mean time (-00:01:15).
        ({"published_at": in_london(datetime(1800, 1, 1))}, "outside the years 1900 to 2100"),
        ({"updated_at": "9999-12-31T23:00:00-05:00"}, "outside the years 1900 to 2100"),
        ({"published_at": "0001-01-01T00:00:00+00:00"}, "outside the years 1900 to 2100"),
        ({"published_at": datetime(2024, 1, 1, tzinfo=timezone(timedelta(minutes=1, seconds=15)))}, "whole number"),
        ({"published_at": datetime(2024, 1, 1, tzinfo=timezone(-timedelta(seconds=75)))}, "whole number"),
        ({"details": {SCHEDULED_START: "9999-12-31T23:00:00-05:00"}}, "outside the years 1900 to 2100"),
        ({"details": {"date_answered": "1066-10-14"}}, "details.date_answered"),
        ({"details": {"date_tabled": "2024-02-30"}}, "is not an ISO 8601 date"),
    ],
)
def test_a_date_the_notifier_cannot_render_is_refused_with_a_clear_reason(changes, reason):
    # GIVEN an item with one hostile date, WHEN it is validated, THEN it is refused, saying why
    with pytest.raises(ValidationError, match=reason):
        Item.model_validate(item(**changes))


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1900, 1, 1, tzinfo=LONDON),
        datetime(2100, 12, 31, 23, 59, tzinfo=timezone(-timedelta(hours=23, minutes=59))),
        datetime(2024, 7, 1, tzinfo=timezone(timedelta(hours=5, minutes=45))),  # Nepal: minutes, not hours
    ],
)
def test_dates_at_the_bounds_and_real_offsets_are_accepted_and_render(moment):
    accepted = Item.model_validate(item(published_at=moment, updated_at=moment))
    assert rendered(accepted, accepted)


# --- The property: whatever the model accepts, the notifier can read back and render ------------------------------

DAY = timedelta(days=1)
offsets = st.timedeltas(min_value=-DAY + timedelta(seconds=1), max_value=DAY - timedelta(seconds=1))
minute_offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(lambda m: timedelta(minutes=m))
zones = st.one_of(st.just(LONDON), st.just(UTC), minute_offsets.map(timezone), offsets.map(timezone))
moments = st.one_of(
    st.datetimes(min_value=datetime(1890, 1, 1), max_value=datetime(2110, 12, 31), timezones=zones),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=zones),
)
"""Any instant Python can hold (a day inside its range, so that every offset can be applied), in London, in UTC or at
any offset, seconds included; half of them around the bounds, so that many items are accepted."""
dates = st.one_of(st.dates(min_value=date(1890, 1, 1), max_value=date(2110, 12, 31)), st.dates())
kinds = st.sampled_from(list(Kind))


@st.composite
def items(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(kinds)
    details: dict[str, Any] = {key: draw(dates).isoformat() for key in draw(st.sets(st.sampled_from(DATE_DETAILS)))}
    for key in draw(st.sets(st.sampled_from(MOMENT_DETAILS))):
        details[key] = draw(moments).isoformat()
    return item(
        kind=kind.value,
        source=f"{kind.value}s",
        published_at=draw(moments),
        updated_at=draw(moments),
        state=draw(st.sampled_from(["tabled", "answered", "corrected", "withdrawn", "scheduled", "cancelled"])),
        house=draw(st.sampled_from([None, "commons", "lords"])),
        details=details,
    )


def stored_and_read_back(accepted: Item, version: int) -> tuple[Item, int] | None:
    """What the notifier gets from the stream: the JSON ItemStore writes, read back by item_from_image."""
    return item_from_image({"item": accepted.model_dump_json(), "version": version})


def rendered(old: Item, new: Item) -> list[dict[str, Any]]:
    """Every SNS entry the notifier builds for `new` as a first version and as a change from `old`."""
    first = VersionChange("1", new=stored_and_read_back(new, 1), old=None)
    change = VersionChange("2", new=stored_and_read_back(new, 2), old=stored_and_read_back(old, 1))
    return [build_entry("m0", n) for c in (first, change) for n in notifications_for(c)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(old=items(), new=items())
def test_whatever_the_model_accepts_is_stored_read_back_and_rendered_without_error(old, new):
    # GIVEN two generated versions of an item, dates anywhere in Python's range with any offset
    try:
        accepted_old, accepted_new = Item.model_validate(old), Item.model_validate(new)
    except ValidationError:
        event("refused")
        return  # refused by the processor: a poison record with its reason, never stored
    event("accepted")
    # WHEN they are stored, read back as the notifier reads them, and rendered (email, SMS, subject, JSON)
    entries = rendered(accepted_old, accepted_new)
    # THEN nothing raised, and every version reached its department
    assert len(entries) == 2
