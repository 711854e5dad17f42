"""The readers of upstream values the sources share (shared/sources/base.py), and each source's use of them."""

from __future__ import annotations

from typing import Any

import pytest

from shared.sources.base import detail_over_listed, enum_name, null_as_empty
from shared.sources.bills import HOUSES as BILL_HOUSES
from shared.sources.bills import house_of
from shared.sources.oral_questions import STATUSES
from shared.sources.statutory_instruments import BusinessItem


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "Submitted"),  # a position in the document's enum
        (len(STATUSES) - 1, STATUSES[-1]),
        (len(STATUSES), None),  # past the enum: no status
        (-1, None),
        (True, None),  # a bool is not a position
        ("toBeAsked", "ToBeAsked"),  # the name in any case, spaces ignored
        (" To Be Asked ", "ToBeAsked"),
        ("Something new ", "Something new"),  # a name the document does not know: as given
        ("   ", None),
        (None, None),
        (1.0, None),
    ],
)
def test_an_enum_is_read_by_name_or_position(value: Any, expected: str | None) -> None:
    assert STATUSES[0] == "Submitted"
    assert enum_name(value, STATUSES) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, "commons"), (2, "lords"), (0, None), (3, None), (4, None), (" LORDS ", "lords"), ("All", None), (None, None)],
)
def test_a_bills_house_is_commons_or_lords_by_name_or_position(value: Any, expected: str | None) -> None:
    assert BILL_HOUSES[1:3] == ("Commons", "Lords")
    assert house_of(value) == expected


def test_an_instruments_houses_are_read_by_name_or_position_and_anything_else_is_the_fields_to_judge() -> None:
    # Statutory instruments' own enum: Commons 0, Lords 1
    item = BusinessItem.model_validate({"steps": ["Laid"], "houses": [1, "commons", "  "]})
    assert item.label() == "Laid (Commons and Lords)"
    with pytest.raises(ValueError, match="houses"):
        BusinessItem.model_validate({"houses": [None]})


def test_a_null_list_is_empty_and_anything_else_is_kept() -> None:
    assert null_as_empty(None) == []
    assert null_as_empty([1]) == [1]
    assert null_as_empty("x") == "x"


def test_a_detail_wins_where_it_has_a_value_and_the_list_keeps_the_rest() -> None:
    listed = {"id": 1, "member": {"name": "A"}, "text": "cut…", "listed_only": True}
    detail = {"id": 1, "member": None, "text": "in full", "extra": 0}
    assert detail_over_listed(listed, detail) == {
        "id": 1,
        "member": {"name": "A"},
        "text": "in full",
        "listed_only": True,
        "extra": 0,
    }
