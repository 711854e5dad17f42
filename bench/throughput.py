"""Processor throughput on one core: parse + normalise + render, against a bare `model_validate` loop."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from bench import synthetic
from shared.lifecycle import classify
from shared.models.notification import Notification
from shared.models.queue import RawRecordMessage
from shared.publishing import build_entry
from shared.sources.written_questions import WrittenQuestion, WrittenQuestionsSource

RECORDS = 2_000


def throughput() -> dict[str, float]:
    records = synthetic.written_questions(RECORDS)
    source = WrittenQuestionsSource()
    fetched_at = datetime.now(UTC)
    bodies = [RawRecordMessage(source=source.name, record=r, fetched_at=fetched_at).to_body() for r in records]

    started = time.perf_counter()
    for record in records:
        WrittenQuestion.model_validate(record)
    bare = RECORDS / (time.perf_counter() - started)

    started = time.perf_counter()
    for body in bodies:
        message = RawRecordMessage.model_validate_json(body)
        item = source.parse(message)
        item.content_hash()
        notification = Notification.for_department(item, 1, classify(None, item), item.departments[0])
        build_entry("m0", notification)
    full = RECORDS / (time.perf_counter() - started)
    return {"records_per_second": full, "bare_validate_per_second": bare}
