"""Issue #12: the delivery a poll nobody chose one for gets, and the recheck budget per poll."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.domain.raw_record import Delivery
from shared.pipeline.polls import DeliveryPolicy
from shared.sources.incremental import RecordMemory, SeenRecord, SourceState

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("watermark", "expected"),
    [
        (None, Delivery.QUIET),  # a first poll: a new deployment's backfill
        (NOW - timedelta(minutes=5), Delivery.NOTIFY),
        (NOW - timedelta(hours=71), Delivery.NOTIFY),
        (NOW - timedelta(hours=73), Delivery.DIGEST),  # catching up after an outage
    ],
)
def test_a_poll_delivers_by_the_age_of_its_watermark(watermark: datetime | None, expected: Delivery) -> None:
    # GIVEN the policy with a catch-up delivery of digest after 72 hours / WHEN a poll chooses / THEN
    policy = DeliveryPolicy(first_poll=Delivery.QUIET, catch_up=Delivery.DIGEST, catch_up_after=timedelta(hours=72))
    assert policy.choose(watermark, NOW) is expected


class Identity:
    def record_key(self, record: dict[str, Any]) -> str:
        return str(record["id"])

    def digest(self, record: dict[str, Any]) -> str:
        return f"d{record['id']}"


def test_the_detail_recheck_reads_at_most_its_budget_per_poll_and_leaves_the_rest_due() -> None:
    # GIVEN 50 records listed as last queued, every one's recheck due (last read two hours ago)
    checked = int((NOW - timedelta(hours=2)).timestamp())
    seen = {str(n): SeenRecord(f"d{n}", "c", "2026-11-30", checked) for n in range(50)}
    memory = RecordMemory(Identity(), SourceState(NOW, seen), NOW, timedelta(hours=1), False, "p", recheck_budget=7)
    # WHEN the poll asks, record by record, whether each detail is known
    reads = [n for n in range(50) if not memory.known({"id": n})]
    # THEN 7 details are read, the first 7 met; the rest stay due for the next polls
    assert reads == list(range(7))
    assert memory.rechecks == 7
    # AND without a budget every due record is read
    unbounded = RecordMemory(Identity(), SourceState(NOW, seen), NOW, timedelta(hours=1), False, "p")
    assert sum(not unbounded.known({"id": n}) for n in range(50)) == 50
