"""Bills' and statutory instruments' dates are the sources' `Moment`s: a date beyond the item's years is refused with
its field named (a poison record, dead-lettered with its reason), not an OverflowError in London time that fails the
processor's whole batch and reaches the dead-letter queue with no reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.domain.raw_record import RawRecordMessage
from shared.sources import get_source
from shared.sources.base import PoisonRecordError

RECORDINGS = Path(__file__).resolve().parents[3] / "infra" / "local" / "recordings"
BEYOND = "9999-12-31T23:00:00-05:00"


@pytest.mark.parametrize(
    ("source", "recording", "field"),
    [
        ("bills", "bills/bill_3501.json", "lastUpdate"),
        ("statutory-instruments", "statutory-instruments/instrument_AbCd1234.json", "paperComingIntoForceDate"),
    ],
)
def test_a_date_beyond_the_items_years_is_refused_with_its_field(source: str, recording: str, field: str) -> None:
    parser = get_source(source)
    [record] = parser.records_from_response(json.loads((RECORDINGS / recording).read_text()))
    message = RawRecordMessage(source=source, record={**record, field: BEYOND}, fetched_at=datetime.now(UTC))
    with pytest.raises(PoisonRecordError, match="9999"):
        parser.parse(message)
