"""Processor throughput on one core: parse + normalise + render, against a bare `model_validate` loop."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from bench import synthetic
from shared.adapters.sns import build_entry
from shared.domain.lifecycle import classify
from shared.domain.notification import Notification
from shared.domain.raw_record import RawRecordMessage
from shared.sources.written_questions import WrittenQuestion, WrittenQuestionsSource

RECORDS = 1_000
REPEATS = 5
"""Each loop runs this many times and the fastest counts (as timeit does): the others measured the machine."""


def _records_per_second(work: Callable[[Any], object], inputs: Sequence[Any]) -> float:
    fastest = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        for value in inputs:
            work(value)
        fastest = min(fastest, time.perf_counter() - started)
    return len(inputs) / fastest


def throughput() -> dict[str, float]:
    records = synthetic.written_questions(RECORDS)
    source = WrittenQuestionsSource()
    fetched_at = datetime.now(UTC)
    bodies = [RawRecordMessage(source=source.name, record=r, fetched_at=fetched_at).to_body() for r in records]

    def process_and_render(body: str) -> None:
        item = source.parse(RawRecordMessage.model_validate_json(body))
        item.content_hash()
        build_entry("m0", Notification.for_department(item, 1, classify(None, item), item.departments[0]))

    return {
        "records_per_second": _records_per_second(process_and_render, bodies),
        "bare_validate_per_second": _records_per_second(WrittenQuestion.model_validate, records),
    }
