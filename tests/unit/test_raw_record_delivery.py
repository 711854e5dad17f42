"""The raw message's delivery: absent from an ordinary body, carried when a poll asks for something else."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from shared.domain.raw_record import Delivery, RawRecordMessage

FETCHED = datetime(2026, 11, 30, 9, tzinfo=UTC)


def test_an_ordinary_body_has_no_delivery_and_reads_back_as_notify() -> None:
    body = RawRecordMessage(source="written-questions", record={"id": 1}, fetched_at=FETCHED).to_body()
    assert "delivery" not in json.loads(body)
    assert RawRecordMessage.model_validate_json(body).delivery is Delivery.NOTIFY


@pytest.mark.parametrize("delivery", [Delivery.QUIET, Delivery.DIGEST])
def test_a_chosen_delivery_survives_the_queue(delivery: Delivery) -> None:
    message = RawRecordMessage(source="written-questions", record={"id": 1}, fetched_at=FETCHED, delivery=delivery)
    assert RawRecordMessage.model_validate_json(message.to_body()).delivery is delivery


def test_an_unknown_delivery_is_refused() -> None:
    with pytest.raises(ValidationError, match="delivery"):
        RawRecordMessage.model_validate(
            {"source": "s", "record": {}, "fetched_at": FETCHED.isoformat(), "delivery": "loud"}
        )
