"""`LocalStack.messages_on` counts a queue's messages, waiting and in flight; `settled` reads it for the queues the
functions consume."""

from __future__ import annotations

from datetime import UTC, datetime

from infra.local.stack import LocalStack
from shared.domain.raw_record import RawRecordMessage
from tests.helpers import queue_raw, recorded


def test_a_queued_record_is_counted_until_the_pipeline_has_run(stack: LocalStack) -> None:
    raw_queue = stack.output("RawRecordsQueueUrl")
    record = recorded("written-questions/detail_1679416.json")["value"]
    # GIVEN one record on the raw-records queue
    queue_raw(stack, [RawRecordMessage(source="written-questions", record=record, fetched_at=datetime.now(UTC))])
    # THEN it is counted, and the pipeline is not at rest
    assert stack.messages_on(raw_queue) == 1 and not stack.settled()
    # WHEN the pipeline has run
    stack.drain()
    # THEN nothing is left on it and the pipeline is at rest
    assert stack.messages_on(raw_queue) == 0 and stack.settled()
