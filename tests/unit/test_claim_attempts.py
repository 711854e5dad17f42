"""The publish ledger's claim transactions, on botocore's Stubber: one bound on the transactions of a claim.

Claims used to be retried by two nested retries (rounds that each settle some refused keys, around attempts of a
transaction cancelled for another reason), so one claim could take up to TRANSACTION_ATTEMPTS² transactions. Now every
transaction counts towards one TRANSACTION_ATTEMPTS, whatever cancelled it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from shared.adapters.dynamodb import TRANSACTION_ATTEMPTS
from shared.adapters.publish_ledger import ClaimOutcome, ClaimsConflictError, PublishLedger

TABLE = "state"
NOW = 1_700_000_000
CONFLICT = {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
UNREFUSED = {"Code": "None"}


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
        modeled_fields={"CancellationReasons": list(reasons)},
    )


def refused(status: str) -> dict[str, Any]:
    return {"Code": "ConditionalCheckFailed", "Item": {"id": {"S": "k"}, "status": {"S": status}}}


def test_refusals_and_conflicts_together_take_at_most_the_attempts_allowed(dynamodb):
    # GIVEN a first transaction refusing one claim (published before), then every transaction of the other two
    # cancelled by a conflicting transaction
    client, stubber = dynamodb
    cancelled(stubber, refused(PublishLedger.COMPLETED), UNREFUSED, UNREFUSED)
    for _ in range(TRANSACTION_ATTEMPTS - 1):
        cancelled(stubber, CONFLICT, CONFLICT)
    sleeps: list[float] = []
    ledger = PublishLedger(client, TABLE, clock=lambda: NOW, sleep=sleeps.append)

    # WHEN the three are claimed
    # THEN it gives up after TRANSACTION_ATTEMPTS transactions in all (the fixture checks every stubbed answer was
    # used; a further transaction would find none), naming the two left and the reason
    with pytest.raises(ClaimsConflictError, match=f"2 publish claims.*cancelled {TRANSACTION_ATTEMPTS} times"):
        ledger.claim(["a", "b", "c"], held_for=30)
    # AND it paused after each conflict but not after the refusal, nor after the last attempt
    assert sleeps == [0.05] * (TRANSACTION_ATTEMPTS - 2)


def test_a_refusal_after_conflicts_settles_its_key_and_claims_the_rest(dynamodb):
    # GIVEN a conflict, then a refused claim (held by another notifier), then the rest go through
    client, stubber = dynamodb
    cancelled(stubber, CONFLICT, CONFLICT)
    cancelled(stubber, UNREFUSED, refused(PublishLedger.IN_PROGRESS))
    stubber.add_response("transact_write_items", {}, {"TransactItems": [{"Put": ANY}]})
    sleeps: list[float] = []
    ledger = PublishLedger(client, TABLE, clock=lambda: NOW, sleep=sleeps.append)

    # WHEN the two are claimed
    outcomes = ledger.claim(["a", "b"], held_for=30)

    # THEN the free one is claimed and the held one reported busy, after one pause (the conflict's)
    assert outcomes == {"a": ClaimOutcome.CLAIMED, "b": ClaimOutcome.BUSY}
    assert sleeps == [0.05]
