"""Helpers the tests share beside their fixtures (tests/conftest.py): the recorded responses and queueing records as
the fetcher does. One of each: a test module imports these rather than copying them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from infra.local.replay import RECORDED, load_recording
from infra.local.stack import LocalStack
from shared.adapters.aws import aws_client
from shared.adapters.sqs import RawRecordQueue
from shared.domain.raw_record import RawRecordMessage


def recorded(name: str) -> Any:
    """`recorded("written-questions/list_2024-01-05.json")`: a fresh copy of a recorded response body
    (infra/local/recordings/, what the demo serves)."""
    return load_recording(RECORDED / name)


def queue_raw(stack: LocalStack, messages: Sequence[RawRecordMessage]) -> list[str]:
    """Put the messages on the stack's raw-records queue as the fetcher does (RawRecordQueue); returns their bodies."""
    RawRecordQueue(aws_client("sqs"), stack.output("RawRecordsQueueUrl"), sleep=lambda _: None).send(list(messages))
    return [message.to_body() for message in messages]
