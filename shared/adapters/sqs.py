"""SQS adapters: the raw-records queue (batched sends within AWS's limits) and the dead-letter queue."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from shared.adapters.retry import Backoff, Sleep, retry_pending
from shared.domain.raw_record import RawRecordMessage

SQS_BATCH_ENTRIES = 10
SQS_BATCH_BYTES = 1_048_576
"""SQS's limit for one message and for the sum of a batch (1 MiB since 2025); moto does not enforce it."""
SEND_ATTEMPTS = 4
SEND_BACKOFF = Backoff(first=0.1, cap=2.0)


class QueueSendError(RuntimeError):
    """Messages that SQS refused even after retries: the fetcher must not advance its watermark."""


class MessageTooLargeError(QueueSendError):
    pass


def batches_within_limits(bodies: Sequence[str]) -> Iterator[list[int]]:
    """Indexes of `bodies` grouped into SQS batches: at most 10 entries and 1 MiB in all."""
    batch: list[int] = []
    size = 0
    for index, body in enumerate(bodies):
        length = len(body.encode())
        if length > SQS_BATCH_BYTES:
            raise MessageTooLargeError(f"message {index} is {length} bytes, over SQS's {SQS_BATCH_BYTES}")
        if batch and (len(batch) == SQS_BATCH_ENTRIES or size + length > SQS_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(index)
        size += length
    if batch:
        yield batch


SHORTENED_MARKER = " [… shortened by deptwatch to fit a queue message]"


def fit_message(message: RawRecordMessage, limit: int = SQS_BATCH_BYTES) -> RawRecordMessage:
    """The message, with the record's longest texts cut until it fits one SQS message (a record is never dropped).

    Only a record far beyond anything seen upstream (1 MiB) is touched; the item keeps its link to the full text.
    """
    size = len(message.to_body().encode())
    if size <= limit:
        return message
    record = json.loads(json.dumps(message.record))
    while size > limit:
        path, text = max(_string_leaves(record), key=lambda leaf: len(leaf[1]), default=(None, ""))
        if path is None or len(text) <= len(SHORTENED_MARKER):
            raise MessageTooLargeError(f"record of {message.source} is {size} bytes and cannot be shortened to fit")
        encoded = text.encode()
        keep = max(len(encoded) - (size - limit) - len(SHORTENED_MARKER.encode()) - 16, 0)
        _set_leaf(record, path, encoded[:keep].decode(errors="ignore") + SHORTENED_MARKER)
        message = message.model_copy(update={"record": record})
        size = len(message.to_body().encode())
    return message


def _string_leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from _string_leaves(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _string_leaves(child, (*path, index))


def _set_leaf(container: Any, path: tuple[Any, ...], value: str) -> None:
    for step in path[:-1]:
        container = container[step]
    container[path[-1]] = value


class RawRecordQueue:
    def __init__(self, client: Any, queue_url: str, sleep: Sleep = time.sleep) -> None:
        self._client = client
        self._url = queue_url
        self._sleep = sleep

    def send(self, messages: Iterable[RawRecordMessage]) -> int:
        """Send every message; retry the entries SQS failed; raise QueueSendError if any still failed."""
        bodies = [fit_message(message).to_body() for message in messages]
        for batch in batches_within_limits(bodies):
            self._send_batch({str(i): bodies[i] for i in batch})
        return len(bodies)

    def _send_batch(self, entries: dict[str, str]) -> None:
        unsent = retry_pending(self._send, entries, attempts=SEND_ATTEMPTS, backoff=SEND_BACKOFF, sleep=self._sleep)
        if unsent:
            raise QueueSendError(f"SQS failed {len(unsent)} message(s) after {SEND_ATTEMPTS} attempts")

    def _send(self, entries: dict[str, str]) -> dict[str, str]:
        """One SendMessageBatch; the entries SQS failed on its side (worth sending again). An entry refused as the
        sender's fault fails them all: it would be refused again."""
        response = self._client.send_message_batch(
            QueueUrl=self._url, Entries=[{"Id": entry_id, "MessageBody": body} for entry_id, body in entries.items()]
        )
        failed = response.get("Failed") or []
        permanent = [f for f in failed if f.get("SenderFault")]
        if permanent:
            reasons = "; ".join(f"{f.get('Code')}: {f.get('Message')}" for f in permanent)
            raise QueueSendError(f"SQS rejected {len(permanent)} message(s): {reasons}")
        return {f["Id"]: entries[f["Id"]] for f in failed}


class DeadLetterQueue:
    """Where the processor puts a poison record at once, with the reason it can never be processed."""

    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def send(self, body: str, reason: str, error_type: str, source: str | None = None) -> None:
        attributes = {
            "reason": {"DataType": "String", "StringValue": reason[:1000] or "unknown"},
            "error_type": {"DataType": "String", "StringValue": error_type},
        }
        if source:
            attributes["source"] = {"DataType": "String", "StringValue": source[:100]}
        self._client.send_message(QueueUrl=self._url, MessageBody=body, MessageAttributes=attributes)

    def remove_from_source(self, queue_arn: str, receipt_handle: str) -> None:
        """Delete a dead-lettered message from the queue it came from (`arn:aws:sqs:<region>:<account>:<name>`)."""
        *_, account, name = queue_arn.split(":")
        queue_url = f"{self._client.meta.endpoint_url}/{account}/{name}"
        self._client.delete_message(QueueUrl=queue_url, ReceiptHandle=receipt_handle)
