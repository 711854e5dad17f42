"""`detail_missing` on a queued record (deptwatch.raw/1) is set only by sources whose list cuts texts (written
questions and statements): another source's 404 queues the record as listed with the body it always had, which a
processor of any version reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.domain.raw_record import Delivery
from shared.pipeline.fetching import _message
from shared.sources import get_source
from shared.sources.incremental import FetchedRecord

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MISSING = FetchedRecord(record={"id": 7}, listed={"id": 7}, detail_missing=True)


@pytest.mark.parametrize("name", ["written-questions", "written-statements"])
def test_a_source_whose_list_cuts_texts_flags_a_missing_detail(name: str) -> None:
    message = _message(get_source(name), MISSING, NOW, Delivery.NOTIFY)
    assert message.detail_missing and '"detail_missing":true' in message.to_body()


@pytest.mark.parametrize("name", ["bills", "statutory-instruments", "deposited-papers"])
def test_another_source_with_a_detail_endpoint_queues_the_body_it_always_did(name: str) -> None:
    source = get_source(name)
    assert source.has_detail
    message = _message(source, MISSING, NOW, Delivery.NOTIFY)
    assert not message.detail_missing and "detail_missing" not in message.to_body()
