"""Dates and times as the department pages show them (shared/render/formats.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from shared.render.formats import clock, long_date, month_first_date, short_date, short_datetime, when


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2024, 4, 18, 12, 0, tzinfo=UTC), "Thursday 18th April 2024"),
        (datetime(2024, 1, 10, 23, 30, tzinfo=UTC), "Wednesday 10th January 2024"),  # GMT: still the 10th
        (datetime(2024, 4, 30, 23, 30, tzinfo=UTC), "Wednesday 1st May 2024"),  # already the 1st in London (BST)
        (datetime(2024, 4, 2, 12, 0, tzinfo=UTC), "Tuesday 2nd April 2024"),
        (datetime(2024, 4, 23, 12, 0, tzinfo=UTC), "Tuesday 23rd April 2024"),
        (datetime(2024, 4, 11, 12, 0, tzinfo=UTC), "Thursday 11th April 2024"),
        (datetime(2024, 4, 12, 12, 0, tzinfo=UTC), "Friday 12th April 2024"),
        (datetime(2024, 4, 13, 12, 0, tzinfo=UTC), "Saturday 13th April 2024"),
    ],
)
def test_long_date_is_the_london_day_with_its_ordinal(moment, shown):
    assert long_date(moment) == shown


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2024, 4, 18, 23, 30, tzinfo=UTC), "Apr. 19 2024"),  # already the 19th in London (BST)
        (datetime(2024, 5, 2, 9, 0, tzinfo=UTC), "May 2 2024"),
        (datetime(2024, 12, 31, 23, 30, tzinfo=UTC), "Dec. 31 2024"),  # GMT: still the 31st
    ],
)
def test_month_first_date_is_the_london_day_as_gov_uk_dates_publications(moment, shown):
    assert month_first_date(moment) == shown


def test_short_date_is_day_month_year():
    assert short_date(date(2024, 4, 29)) == "29 Apr 2024"
    assert short_date(date(2024, 5, 7)) == "7 May 2024"


@pytest.mark.parametrize(
    ("hour", "minute", "shown"),
    [(0, 30, "12:30 a.m."), (9, 5, "9:05 a.m."), (12, 0, "12:00 p.m."), (14, 30, "2:30 p.m."), (23, 59, "11:59 p.m.")],
)
def test_times_are_shown_as_the_department_page_does(hour, minute, shown):
    # GIVEN a time of day
    # WHEN it is shown
    # THEN it is 12-hour with a.m./p.m. and the minutes always
    assert clock(datetime(2024, 4, 29, hour, minute)) == shown


def test_short_datetime_is_in_london_time():
    # GIVEN an instant in UTC during British Summer Time
    # WHEN it is shown
    # THEN it is the London day and time
    assert short_datetime(datetime(2024, 4, 30, 8, 30, tzinfo=UTC)) == "30 Apr 2024, 9:30 a.m."
    assert short_datetime(datetime(2024, 5, 7, 10, 0, tzinfo=timezone(timedelta(hours=1)))) == "7 May 2024, 10:00 a.m."


@pytest.mark.parametrize(
    ("starts_at", "shown"),
    [
        ("2024-04-29T14:30:00+01:00", "29 Apr 2024, 2:30 p.m."),
        ("2025-01-13T14:30:00+00:00", "13 Jan 2025, 2:30 p.m."),
        ("2024-04-29T13:30:00+00:00", "29 Apr 2024, 2:30 p.m."),  # the same instant given in UTC
        ("2024-04-23", "23 Apr 2024"),  # no time scheduled yet
    ],
)
def test_when_shows_a_scheduled_start_with_its_time_only_when_scheduled(starts_at, shown):
    assert when(starts_at) == shown
