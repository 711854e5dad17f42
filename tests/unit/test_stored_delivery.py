"""How a stored row's delivery reads back: anything but a known quiet or digest is notify (never withheld by
mistake)."""

from __future__ import annotations

import pytest

from shared.adapters.items_store import delivery_of
from shared.domain.raw_record import Delivery


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"delivery": "quiet"}, Delivery.QUIET),
        ({"delivery": "digest"}, Delivery.DIGEST),
        ({"delivery": "notify"}, Delivery.NOTIFY),
        ({}, Delivery.NOTIFY),  # a row written before deliveries existed
        ({"delivery": "loud"}, Delivery.NOTIFY),  # a value this code does not know
        (None, Delivery.NOTIFY),
    ],
)
def test_delivery_of_a_row(row, expected) -> None:
    assert delivery_of(row) is expected
