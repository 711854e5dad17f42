"""The bench's request count (bench/requests.py): the tallies kept beside the requests are not requests."""

from __future__ import annotations

from collections import Counter

from bench.requests import requests_made


def test_write_units_and_items_read_are_not_counted_as_requests() -> None:
    # GIVEN what `counting` tallied: two puts (also counted by table), their write units, a read and its items
    counts = Counter({"PutItem": 2, "PutItem@StateTable": 2, "write units": 5, "BatchGetItem": 1, "items read": 17})
    # THEN three requests were made
    assert requests_made(counts) == 3
