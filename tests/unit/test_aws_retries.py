"""The AWS adapters' retries of partial failures, on botocore's Stubber: bounded, with the waits given to `sleep=`.

The claim transaction of the publish ledger used to call itself again, without limit, whenever it was cancelled for
another reason than a refused claim (a conflicting transaction, throttling): under load, a Lambda timeout or a
RecursionError. It now gives up after TRANSACTION_ATTEMPTS, and the notifier's batch fails and is retried.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from shared.adapters.dynamodb import BATCH_ATTEMPTS, TRANSACTION_ATTEMPTS, batch_get
from shared.adapters.publish_ledger import ClaimOutcome, ClaimsConflictError, PublishLedger
from shared.adapters.source_state import SeenRecord, SourceState, WatermarkStore
from shared.adapters.sqs import SEND_ATTEMPTS, QueueSendError, RawRecordQueue

TABLE = "state"
NOW = 1_700_000_000


@pytest.fixture
def dynamodb() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("dynamodb", region_name="eu-west-2")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def cancelled(stubber: Stubber, *reasons: dict[str, Any]) -> None:
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        service_message="Transaction cancelled",
        modeled_fields={"CancellationReasons": list(reasons)} if reasons else None,
    )


def conflict() -> dict[str, Any]:
    return {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}


def refused(status: str) -> dict[str, Any]:
    return {"Code": "ConditionalCheckFailed", "Item": {"id": {"S": "k"}, "status": {"S": status}}}


def claims(keys: list[str]) -> dict[str, Any]:
    return {"TransactItems": [{"Put": ANY} for _ in keys]}


def ledger(client: Any, sleeps: list[float]) -> PublishLedger:
    return PublishLedger(client, TABLE, clock=lambda: NOW, sleep=sleeps.append)


# --- The publish ledger's claims ------------------------------------------------------------------------------------


def test_a_claim_transaction_that_keeps_conflicting_gives_up_after_a_bounded_number_of_attempts(dynamodb):
    # GIVEN DynamoDB cancelling every claim transaction because another transaction holds the items
    client, stubber = dynamodb
    for _ in range(TRANSACTION_ATTEMPTS):
        cancelled(stubber, conflict(), conflict())
    sleeps: list[float] = []

    # WHEN two keys are claimed
    # THEN it raises a clear error after TRANSACTION_ATTEMPTS transactions (a further call would find no stubbed
    # answer), instead of calling itself again forever
    with pytest.raises(ClaimsConflictError, match=f"cancelled {TRANSACTION_ATTEMPTS} times.*TransactionConflict"):
        ledger(client, sleeps).claim(["a", "b"], held_for=30)
    # AND it paused between the attempts, not after the last
    assert sleeps == [0.05] * (TRANSACTION_ATTEMPTS - 1)


def test_a_claim_transaction_cancelled_without_reasons_is_bounded_too(dynamodb):
    client, stubber = dynamodb
    for _ in range(TRANSACTION_ATTEMPTS):
        cancelled(stubber)

    with pytest.raises(ClaimsConflictError):
        ledger(client, []).claim(["a"], held_for=30)


def test_a_conflict_that_clears_is_retried_and_everything_is_claimed(dynamodb):
    # GIVEN two conflicts, then the transaction goes through
    client, stubber = dynamodb
    cancelled(stubber, conflict(), {"Code": "None"})
    cancelled(stubber, conflict(), {"Code": "None"})
    stubber.add_response("transact_write_items", {}, claims(["a", "b"]))
    sleeps: list[float] = []

    # WHEN the keys are claimed
    outcomes = ledger(client, sleeps).claim(["a", "b"], held_for=30)

    # THEN both are claimed, after two pauses
    assert outcomes == {"a": ClaimOutcome.CLAIMED, "b": ClaimOutcome.CLAIMED}
    assert sleeps == [0.05, 0.05]


def test_refused_claims_are_settled_and_the_rest_claimed_again_at_once(dynamodb):
    # GIVEN one key published before, one claimed by another notifier, and one free
    client, stubber = dynamodb
    cancelled(stubber, refused(PublishLedger.COMPLETED), refused(PublishLedger.IN_PROGRESS), {"Code": "None"})
    stubber.add_response("transact_write_items", {}, claims(["c"]))
    sleeps: list[float] = []

    # WHEN the three are claimed
    outcomes = ledger(client, sleeps).claim(["a", "b", "c"], held_for=30)

    # THEN each has its outcome, and the free one was claimed in a second transaction without a pause
    assert outcomes == {"a": ClaimOutcome.DONE, "b": ClaimOutcome.BUSY, "c": ClaimOutcome.CLAIMED}
    assert sleeps == []


# --- DynamoDB batches -----------------------------------------------------------------------------------------------


# Every transaction of a claim counts towards one TRANSACTION_ATTEMPTS, whatever cancelled it (two nested retries,
# rounds that each settle some refused keys around attempts of a cancelled transaction, once allowed its square).


def test_refusals_and_conflicts_together_take_at_most_the_attempts_allowed(dynamodb):
    # GIVEN a first transaction refusing one claim (published before), then every transaction of the other two
    # cancelled by a conflicting transaction
    client, stubber = dynamodb
    cancelled(stubber, refused(PublishLedger.COMPLETED), {"Code": "None"}, {"Code": "None"})
    for _ in range(TRANSACTION_ATTEMPTS - 1):
        cancelled(stubber, conflict(), conflict())
    sleeps: list[float] = []
    publish_ledger = ledger(client, sleeps)

    # WHEN the three are claimed
    # THEN it gives up after TRANSACTION_ATTEMPTS transactions in all (the fixture checks every stubbed answer was
    # used; a further transaction would find none), naming the two left and the reason
    with pytest.raises(ClaimsConflictError, match=f"2 publish claims.*cancelled {TRANSACTION_ATTEMPTS} times"):
        publish_ledger.claim(["a", "b", "c"], held_for=30)
    # AND it paused after each conflict but not after the refusal, nor after the last attempt
    assert sleeps == [0.05] * (TRANSACTION_ATTEMPTS - 2)


def test_a_refusal_after_conflicts_settles_its_key_and_claims_the_rest(dynamodb):
    # GIVEN a conflict, then a refused claim (held by another notifier), then the rest go through
    client, stubber = dynamodb
    cancelled(stubber, conflict(), conflict())
    cancelled(stubber, {"Code": "None"}, refused(PublishLedger.IN_PROGRESS))
    stubber.add_response("transact_write_items", {}, claims(["a"]))
    sleeps: list[float] = []
    publish_ledger = ledger(client, sleeps)

    # WHEN the two are claimed
    outcomes = publish_ledger.claim(["a", "b"], held_for=30)

    # THEN the free one is claimed and the held one reported busy, after one pause (the conflict's)
    assert outcomes == {"a": ClaimOutcome.CLAIMED, "b": ClaimOutcome.BUSY}
    assert sleeps == [0.05]


def test_unprocessed_keys_are_read_again_a_bounded_number_of_times(dynamodb):
    # GIVEN DynamoDB reading one key of two, then nothing more (throttled)
    client, stubber = dynamodb
    keys = [{"id": {"S": "a"}}, {"id": {"S": "b"}}]
    stubber.add_response(
        "batch_get_item",
        {"Responses": {TABLE: [{"id": {"S": "a"}}]}, "UnprocessedKeys": {TABLE: {"Keys": keys[1:]}}},
        {"RequestItems": {TABLE: {"Keys": keys}}},
    )
    for _ in range(BATCH_ATTEMPTS - 1):
        stubber.add_response(
            "batch_get_item", {"Responses": {TABLE: []}, "UnprocessedKeys": {TABLE: {"Keys": keys[1:]}}}
        )
    sleeps: list[float] = []

    # WHEN the keys are read
    rows, complete = batch_get(client, TABLE, {"Keys": keys}, sleep=sleeps.append)

    # THEN the row read is returned, the read is reported incomplete, and the waits grew, none after the last attempt
    assert (rows, complete) == ([{"id": {"S": "a"}}], False)
    assert sleeps == [0.05, 0.1, 0.2, 0.4]


def test_unprocessed_state_shards_are_written_again_then_the_poll_fails(dynamodb):
    # GIVEN DynamoDB leaving every shard write unprocessed
    client, stubber = dynamodb
    for _ in range(BATCH_ATTEMPTS):
        stubber.add_response(
            "batch_write_item", {"UnprocessedItems": {TABLE: [{"PutRequest": {"Item": {"id": {"S": "seen#s#0"}}}}]}}
        )
    sleeps: list[float] = []
    store = WatermarkStore(client, TABLE, shards=1, sleep=sleeps.append)

    # WHEN a state is saved, THEN it fails after BATCH_ATTEMPTS writes, before the watermark is written
    with pytest.raises(RuntimeError, match=f"unwritten after {BATCH_ATTEMPTS} attempts"):
        store.put("s", SourceState(datetime(2024, 1, 10, tzinfo=UTC), {"k": SeenRecord("l", "c", "2024-01-10", 0)}))
    assert sleeps == [0.05, 0.1, 0.2, 0.4]


# --- SQS ------------------------------------------------------------------------------------------------------------


def test_messages_sqs_keeps_failing_raise_after_the_last_attempt_without_a_wait_after_it(raw_message, detail_record):
    # GIVEN SQS failing one message of two on its side every time
    client = boto3.client("sqs", region_name="eu-west-2")
    with Stubber(client) as stubber:
        failure = {"Id": "1", "SenderFault": False, "Code": "InternalError"}
        stubber.add_response(
            "send_message_batch",
            {"Successful": [{"Id": "0", "MessageId": "m", "MD5OfMessageBody": "x"}], "Failed": [failure]},
        )
        for _ in range(SEND_ATTEMPTS - 1):
            stubber.add_response("send_message_batch", {"Successful": [], "Failed": [failure]})
        sleeps: list[float] = []

        # WHEN two messages are sent, THEN it fails after SEND_ATTEMPTS, having waited between attempts only
        with pytest.raises(QueueSendError, match=f"1 message\\(s\\) after {SEND_ATTEMPTS} attempts"):
            RawRecordQueue(client, "https://queue", sleep=sleeps.append).send(
                [raw_message(detail_record), raw_message(detail_record)]
            )
        stubber.assert_no_pending_responses()
    assert sleeps == [0.1, 0.2, 0.4]
