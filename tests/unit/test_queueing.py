"""SQS batching within AWS's limits (shared/queueing.py): moto does not enforce them, so these guards are ours."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber
from moto import mock_aws

from shared.adapters.sqs import (
    SEND_ATTEMPTS,
    SQS_BATCH_BYTES,
    SQS_BATCH_ENTRIES,
    MessageTooLargeError,
    QueueSendError,
    RawRecordQueue,
    batches_within_limits,
    fit_message,
)
from shared.adapters.sqs import (
    SHORTENED_MARKER as QUEUE_SHORTENED_MARKER,
)
from shared.domain.raw_record import MAX_RECORD_DEPTH, TOO_DEEP, RawRecordMessage
from tests.unit.aws_calls import REGION, record_calls, stubbed

MIB = 1_048_576
NOW = datetime(2026, 11, 27, 9, tzinfo=UTC)


def check_limits(bodies: list[str], batches: list[list[int]]) -> None:
    assert [i for batch in batches for i in batch] == list(range(len(bodies))), "every message once, in order"
    for batch in batches:
        assert 1 <= len(batch) <= 10
        assert sum(len(bodies[i].encode()) for i in batch) <= MIB


def test_the_limits_are_aws_limits():
    assert SQS_BATCH_ENTRIES == 10
    assert SQS_BATCH_BYTES == MIB


def test_small_messages_go_ten_to_a_batch():
    # GIVEN 25 small messages
    bodies = ["{}"] * 25

    # WHEN they are batched
    batches = list(batches_within_limits(bodies))

    # THEN they go 10, 10, 5
    assert [len(b) for b in batches] == [10, 10, 5]
    check_limits(bodies, batches)


def test_large_messages_are_batched_within_one_mib():
    # GIVEN messages of 400 KiB each
    bodies = ["x" * 400 * 1024] * 5

    # WHEN they are batched
    batches = list(batches_within_limits(bodies))

    # THEN no batch is over 1 MiB (two fit, three do not)
    assert [len(b) for b in batches] == [2, 2, 1]
    check_limits(bodies, batches)


def test_a_mix_of_sizes_never_exceeds_either_limit():
    # GIVEN messages of many sizes
    sizes = [1, 900_000, 10, 148_565, 1, MIB, 5, 600_000, 500_000, *([100] * 23)]
    bodies = ["y" * size for size in sizes]

    # WHEN they are batched
    batches = list(batches_within_limits(bodies))

    # THEN each batch is within 10 entries and 1 MiB
    check_limits(bodies, batches)
    # AND a batch is filled exactly to the limit when it can be
    assert [0, 1, 2, 3] in batches


def test_a_message_of_exactly_one_mib_is_sent_alone():
    bodies = ["a", "z" * MIB, "b"]

    assert list(batches_within_limits(bodies)) == [[0], [1], [2]]


def test_sizes_are_counted_in_bytes_not_characters():
    # GIVEN two messages of 300,000 three-byte characters (900,000 bytes each)
    bodies = ["€" * 300_000] * 2

    # WHEN they are batched
    # THEN they do not share a batch
    assert list(batches_within_limits(bodies)) == [[0], [1]]


@pytest.mark.parametrize("body", ["z" * (MIB + 1), "é" * (MIB // 2 + 1)])
def test_an_oversize_message_raises(body):
    # GIVEN a message over 1 MiB (in bytes)
    # WHEN it is batched
    # THEN MessageTooLargeError (a QueueSendError: the fetcher keeps its watermark), naming the message
    with pytest.raises(MessageTooLargeError, match="message 1 is"):
        list(batches_within_limits(["ok", body]))
    assert issubclass(MessageTooLargeError, QueueSendError)


def test_no_messages_no_batches():
    assert list(batches_within_limits([])) == []


# --- RawRecordQueue on real boto3 clients: moto's SQS, or botocore's Stubber for failures moto cannot produce ---


def within_sqs_limits(params: dict[str, Any]) -> None:
    """SendMessageBatch as AWS refuses it (moto does not): over 10 entries, over 1 MiB in all, ids repeated."""
    entries = params["Entries"]
    assert 1 <= len(entries) <= SQS_BATCH_ENTRIES, "TooManyEntriesInBatchRequest"
    assert sum(len(e["MessageBody"].encode()) for e in entries) <= MIB, "BatchRequestTooLong"
    assert len({e["Id"] for e in entries}) == len(entries), "BatchEntryIdsNotDistinct"


@pytest.fixture
def sqs() -> Iterator[tuple[Any, str, list[dict[str, Any]]]]:
    """moto's SQS with a queue taking messages of up to 1 MiB, as the raw-records queue; the client's calls."""
    with mock_aws():
        client = boto3.client("sqs", region_name=REGION)
        url = client.create_queue(QueueName="raw-records", Attributes={"MaximumMessageSize": str(MIB)})["QueueUrl"]
        yield client, url, record_calls(client, "SendMessageBatch", within_sqs_limits)


@pytest.fixture
def stubbed_sqs() -> Iterator[tuple[Any, Stubber, list[dict[str, Any]]]]:
    """A real SQS client whose answers the test scripts (per-entry failures), with the client's calls."""
    with stubbed("sqs") as (client, stubber):
        yield client, stubber, record_calls(client, "SendMessageBatch", within_sqs_limits)


QUEUE_URL = "https://sqs.eu-west-2.amazonaws.com/123456789012/raw-records"


def sqs_answer(stubber: Stubber, ids: list[str], failed: dict[str, tuple[str, bool]] | None = None) -> None:
    """Script one SendMessageBatch answer for entries `ids`: `failed` maps an id to its (Code, SenderFault)."""
    failed = failed or {}
    stubber.add_response(
        "send_message_batch",
        {
            "Successful": [
                {"Id": i, "MessageId": f"message-{i}", "MD5OfMessageBody": "0" * 32} for i in ids if i not in failed
            ],
            "Failed": [
                {"Id": i, "Code": code, "Message": f"{code} from SQS", "SenderFault": sender}
                for i, (code, sender) in failed.items()
            ],
        },
        {"QueueUrl": QUEUE_URL, "Entries": [{"Id": i, "MessageBody": ANY} for i in ids]},
    )


def received_bodies(client: Any, url: str) -> list[str]:
    """Every message on the queue (received until it answers none)."""
    bodies: list[str] = []
    while batch := client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages"):
        bodies += [message["Body"] for message in batch]
    return bodies


def messages(raw_message, count: int, record: dict[str, Any]):
    return [raw_message({**record, "id": n + 1}) for n in range(count)]


def test_queue_sends_every_message_in_batches(sqs, raw_message, detail_record):
    # GIVEN 23 records and an SQS queue
    client, url, calls = sqs
    records = messages(raw_message, 23, detail_record)

    # WHEN they are sent
    sent = RawRecordQueue(client, url, sleep=lambda _: None).send(records)

    # THEN all are sent, 10 at most at a time, and all are on the queue
    assert sent == 23
    assert [len(c["Entries"]) for c in calls] == [10, 10, 3]
    assert sorted(received_bodies(client, url)) == sorted(m.to_body() for m in records)


def test_queue_retries_only_the_entries_sqs_failed(stubbed_sqs, raw_message, detail_record):
    # GIVEN SQS failing one entry once for a reason on its side
    client, stubber, calls = stubbed_sqs
    sqs_answer(stubber, ["0", "1", "2", "3", "4"], failed={"3": ("InternalError", False)})
    sqs_answer(stubber, ["3"])

    # WHEN five records are sent
    RawRecordQueue(client, QUEUE_URL, sleep=lambda _: None).send(messages(raw_message, 5, detail_record))

    # THEN that entry alone is sent again
    assert [[e["Id"] for e in call["Entries"]] for call in calls] == [["0", "1", "2", "3", "4"], ["3"]]
    assert calls[1]["Entries"][0]["MessageBody"] == calls[0]["Entries"][3]["MessageBody"]


def test_queue_raises_when_sqs_rejects_an_entry(stubbed_sqs, raw_message, detail_record):
    # GIVEN SQS rejecting an entry as the sender's fault
    client, stubber, calls = stubbed_sqs
    sqs_answer(stubber, ["0", "1"], failed={"0": ("InvalidMessageContents", True)})

    # WHEN it is sent
    # THEN QueueSendError with SQS's reason, at once
    with pytest.raises(QueueSendError, match="InvalidMessageContents"):
        RawRecordQueue(client, QUEUE_URL, sleep=lambda _: None).send(messages(raw_message, 2, detail_record))
    assert len(calls) == 1


def test_queue_gives_up_when_an_entry_keeps_failing(stubbed_sqs, raw_message, detail_record):
    # GIVEN SQS failing the one entry on its side at every attempt
    client, stubber, calls = stubbed_sqs
    for _ in range(SEND_ATTEMPTS):
        sqs_answer(stubber, ["0"], failed={"0": ("InternalError", False)})

    # WHEN it is sent
    # THEN QueueSendError after SEND_ATTEMPTS calls (a further call would find no scripted answer)
    with pytest.raises(QueueSendError, match="after"):
        RawRecordQueue(client, QUEUE_URL, sleep=lambda _: None).send(messages(raw_message, 1, detail_record))
    assert len(calls) == SEND_ATTEMPTS


def test_a_whole_call_error_from_sqs_propagates_without_a_retry(stubbed_sqs, raw_message, detail_record):
    # GIVEN SQS refusing the whole call (botocore's own retry mode has already retried what it retries)
    client, stubber, calls = stubbed_sqs
    stubber.add_client_error("send_message_batch", "AWS.SimpleQueueService.NonExistentQueue", "no queue", 400)

    # WHEN records are sent
    # THEN the error reaches the caller (the fetcher keeps its watermark) after that one call
    with pytest.raises(ClientError, match="NonExistentQueue"):
        RawRecordQueue(client, QUEUE_URL, sleep=lambda _: None).send(messages(raw_message, 2, detail_record))
    assert len(calls) == 1


# --- A record over 1 MiB is shortened to fit, never dropped ---


def body_size(message) -> int:
    return len(message.to_body().encode())


@pytest.mark.parametrize("char", ["x", "é", '"', "\n"], ids=["ascii", "two-byte", "escaped-quote", "newline"])
def test_an_oversize_record_is_shortened_to_fit_one_message(raw_message, detail_record, char):
    # GIVEN a record whose answer alone is about 1.5 MiB once in JSON
    encoded_size = len(json.dumps(char, ensure_ascii=False).encode()) - 2  # as it is in the message body
    answer = "<p>Start of the answer.</p>" + char * (1_600_000 // encoded_size)
    message = raw_message({**detail_record, "answerText": answer})
    assert body_size(message) > MIB

    # WHEN it is fitted to a queue message
    fitted = fit_message(message)

    # THEN it fits, the answer is cut with a marker, and everything else is as it was
    assert body_size(fitted) <= MIB
    assert fitted.record["answerText"].startswith("<p>Start of the answer.</p>")
    assert fitted.record["answerText"].endswith(QUEUE_SHORTENED_MARKER)
    assert {k: v for k, v in fitted.record.items() if k != "answerText"} == {
        k: v for k, v in detail_record.items() if k != "answerText"
    }
    assert fitted.fetched_at == message.fetched_at
    # AND not much more was cut than needed (text that JSON escapes is cut by its raw bytes, so up to twice as much)
    assert body_size(fitted) > (MIB - 64 * 1024 if encoded_size == len(char.encode()) else MIB // 3)


def test_a_record_within_the_limit_is_left_alone(raw_message, detail_record):
    message = raw_message(detail_record)

    assert fit_message(message) is message


def test_the_queue_sends_an_oversize_record_shortened(sqs, raw_message, detail_record):
    # GIVEN a record of about 2 MiB
    client, url, calls = sqs
    big = raw_message({**detail_record, "answerText": "y" * (2 * MIB)})

    # WHEN it is sent with a normal one
    RawRecordQueue(client, url, sleep=lambda _: None).send([big, raw_message(detail_record)])

    # THEN both are sent, the big one within the limit, and both are on the queue
    bodies = [e["MessageBody"] for call in calls for e in call["Entries"]]
    assert len(bodies) == 2
    assert all(len(b.encode()) <= MIB for b in bodies)
    assert sorted(received_bodies(client, url)) == sorted(bodies)


def test_a_record_that_cannot_be_shortened_raises(raw_message, detail_record):
    # GIVEN a record over 1 MiB made of many short strings (nothing long enough to cut)
    message = raw_message({**detail_record, "groupedQuestions": ["ab"] * 300_000})

    # WHEN it is fitted
    # THEN MessageTooLargeError (the fetcher keeps its watermark and reports it)
    with pytest.raises(MessageTooLargeError):
        fit_message(message)


# --- the record's nesting limit (pydantic's serialiser stops at 255 levels) ---


def _nested(levels: int) -> dict[str, Any]:
    """A record whose field `f` nests `levels` containers deep (lists and dicts alternating)."""
    value: Any = "leaf"
    for level in range(levels):
        value = [value] if level % 2 else {"k": value}
    return {"id": 1, "f": value}


@pytest.mark.parametrize("levels", [0, 1, MAX_RECORD_DEPTH - 1, MAX_RECORD_DEPTH, MAX_RECORD_DEPTH + 1, 300])
def test_a_record_is_kept_as_it_is_up_to_the_nesting_limit_and_cut_only_beyond_it(levels: int) -> None:
    # GIVEN a record nesting containers `levels` deep under one field
    record = _nested(levels)

    # WHEN it is put in a queue message and read back
    message = RawRecordMessage.model_validate_json(
        RawRecordMessage(source="written-questions", record=record, fetched_at=NOW).to_body()
    )

    # THEN within the limit it is unchanged; beyond it, only the part past the limit is replaced by the marker
    within = levels < MAX_RECORD_DEPTH
    assert (message.record == record) is within
    if not within:
        text = json.dumps(message.record)
        assert text.count(TOO_DEEP) == 1
        assert text.count("[") + text.count("{") == MAX_RECORD_DEPTH + 1  # cut at the same level, however deep
