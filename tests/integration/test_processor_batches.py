"""The processor's per-batch work in Powertools' hooks: each batch is parsed and its stored hashes read once, entering
it; its metrics are emitted leaving it; nothing carries over to the next batch, and nothing has to be called first."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response

from infra.local.stack import LocalStack
from shared.adapters.aws import aws_client
from shared.adapters.items_store import ItemStore
from shared.adapters.sqs import DeadLetterQueue
from shared.pipeline.processing import RecordProcessor

T0 = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)


def received_batch(stack: LocalStack) -> dict[str, Any]:
    """The next batch of the raw-records queue, as Lambda's poller hands it to the processor (messages deleted)."""
    mapping = stack.queue_mapping("ProcessorFunction")
    url = stack.output("RawRecordsQueueUrl")
    messages = stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)["Messages"]
    for message in messages:
        stack.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return {"Records": [stack.lambda_sqs_record(m, mapping.queue_arn) for m in messages]}


@contextmanager
def dynamodb_requests() -> Iterator[Counter[str]]:
    counts: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        counts[model.name] += 1

    client = aws_client("dynamodb")
    client.meta.events.register("before-parameter-build.dynamodb", count)
    try:
        yield counts
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb", count)


def record_counts(records: list[logging.LogRecord]) -> dict[str, int]:
    """The outcome counts of the "records processed" log lines (one per source of a batch): outcome → count."""
    counts: dict[str, int] = {}
    for record in records:
        if record.getMessage() == "records processed":
            counts |= {
                k: v for k, v in record.__dict__.items() if k in ("new", "updated", "unchanged", "stale", "failed")
            }
    return counts


def test_each_batch_reads_its_stored_hashes_once_and_counts_only_its_own_records(stack, enqueue, list_records, caplog):
    # GIVEN three records queued
    enqueue(list_records[:3], fetched_at=T0)
    caplog.clear()

    # WHEN the processor handles them as one batch
    with dynamodb_requests() as first_requests:
        first = stack.invoke("ProcessorFunction", received_batch(stack))
    first_counts = record_counts(caplog.records)

    # AND the same three come again, fetched later, as a second batch to the same (cached) processor
    enqueue(list_records[:3], fetched_at=T0 + timedelta(hours=1))
    caplog.clear()
    with dynamodb_requests() as second_requests:
        second = stack.invoke("ProcessorFunction", received_batch(stack))
    second_counts = record_counts(caplog.records)

    # THEN each batch read the stored hashes in one BatchGetItem; the second wrote nothing (all unchanged)
    assert first == second == {"batchItemFailures": []}
    assert first_requests == Counter({"BatchGetItem": 1, "UpdateItem": 3})
    assert second_requests == Counter({"BatchGetItem": 1})
    # AND each batch's log line counts its own records only
    assert first_counts == {"new": 3}
    assert second_counts == {"unchanged": 3}


def test_the_processor_needs_nothing_called_before_a_batch(stack, enqueue, list_records, detail_record):
    # GIVEN a record stored, then queued again unchanged with a new one, and a processor built from scratch
    enqueue([detail_record], fetched_at=T0)
    stack.drain()
    enqueue([detail_record, list_records[0]], fetched_at=T0 + timedelta(hours=1))
    processor = RecordProcessor(
        store=ItemStore(aws_client("dynamodb"), stack.output("ItemsTableName")),
        dead_letters=DeadLetterQueue(aws_client("sqs"), stack.output("DeadLetterQueueUrl")),
    )

    # WHEN Powertools alone drives it (no other call first)
    with dynamodb_requests() as requests:
        response = process_partial_response(
            event=received_batch(stack), record_handler=processor.process_record, processor=processor
        )

    # THEN its hooks read the stored hashes once, so only the new record is written
    assert response == {"batchItemFailures": []}
    assert requests == Counter({"BatchGetItem": 1, "UpdateItem": 1})
    assert sorted(processor.counts.items()) == [
        (("written-questions", "new"), 1),
        (("written-questions", "unchanged"), 1),
    ]
