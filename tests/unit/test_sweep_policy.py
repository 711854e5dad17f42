"""When a scheduled poll also sweeps (issue #12): once a day, from the configured London hour, over a bounded age."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.pipeline.polls import SweepPolicy

POLICY = SweepPolicy(hour=6, age=timedelta(days=60))
SUMMER_MORNING = datetime(2026, 7, 1, 5, 30, tzinfo=UTC)  # 06:30 in London (BST)


def test_the_first_poll_from_the_hour_sweeps_over_the_age():
    assert POLICY.start("2026-06-30", SUMMER_MORNING) == SUMMER_MORNING - timedelta(days=60)
    assert POLICY.start("", SUMMER_MORNING) is not None  # never swept yet


def test_no_sweep_before_the_london_hour_or_twice_a_day():
    assert POLICY.start("2026-06-30", SUMMER_MORNING - timedelta(hours=1)) is None  # 05:30 London, 04:30 UTC
    assert POLICY.start("2026-07-01", SUMMER_MORNING) is None
    assert POLICY.day(SUMMER_MORNING) == "2026-07-01"


def test_an_age_of_zero_turns_the_sweep_off():
    assert SweepPolicy(hour=0, age=timedelta(0)).start("", SUMMER_MORNING) is None
