"""An ISO day detail in the long look, one reader for every renderer (shared/render/formats.long_day_of)."""

from __future__ import annotations

import pytest

from shared.render.formats import long_day_of, long_days_in


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-04-29", "Monday 29th April 2024"),
        ("2100-12-31", "Friday 31st December 2100"),
        ("1900-01-01", "Monday 1st January 1900"),
        ("2024-02-30", None),
        ("", None),
        ("29 April", None),
        (None, None),
        (20240429, None),
    ],
)
def test_an_iso_day_reads_long_and_anything_else_is_none(value: object, expected: str | None) -> None:
    assert long_day_of(value) == expected


def test_the_days_in_a_text_read_long_and_an_impossible_one_is_left_as_written() -> None:
    assert long_days_in("2nd reading (Commons, 2024-04-29), not 2024-02-30") == (
        "2nd reading (Commons, Monday 29th April 2024), not 2024-02-30"
    )
