"""The publish ledger's leases on the stack's StateTable: a claim is its holder's until the holder's Lambda deadline
(plus a margin), and a notifier that finds a claim held waits for it within its own time, on an injected clock."""

from __future__ import annotations

from typing import Any

import pytest

from shared.adapters.aws import aws_client
from shared.adapters.publish_ledger import LEASE_MARGIN_SECONDS, ClaimOutcome, PublishLedger

START = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = START
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ledger(stack: Any, clock: Clock) -> PublishLedger:
    return PublishLedger(aws_client("dynamodb"), stack.output("StateTableName"), clock=clock, sleep=clock.sleep)


def lease_until(stack: Any, key: str) -> int:
    row = stack.dynamodb.get_item(
        TableName=stack.output("StateTableName"), Key={"id": {"S": key}}, ConsistentRead=True
    )["Item"]
    return int(row["lease_until"]["N"])


def test_a_claim_is_held_until_the_holders_deadline_and_a_margin(stack, ledger, clock):
    # WHEN an invocation with 30 s left claims a key
    assert ledger.claim(["k"], held_for=30) == {"k": ClaimOutcome.CLAIMED}

    # THEN the claim is held until then and the margin, no longer
    assert lease_until(stack, "k") == START + 30 + LEASE_MARGIN_SECONDS


def test_a_claim_held_by_an_invocation_that_died_is_waited_for_and_taken(stack, ledger, clock):
    # GIVEN a claim left by an invocation that had 30 s left and died (never completed, never released)
    ledger.claim(["k"], held_for=30)

    # WHEN the stream's retry comes at once, with 30 s of its own and 20 s it may wait
    outcomes = ledger.claim(["k"], held_for=30, wait_for=20)

    # THEN it waited 20 s, found the claim still held, and says so (the stream retries it)
    assert outcomes == {"k": ClaimOutcome.BUSY}
    assert clock.slept == [20]

    # WHEN the next retry comes at once too
    outcomes = ledger.claim(["k"], held_for=30, wait_for=20)

    # THEN it waited only for the lease to end (35 s after the claim, free the second after), and took the claim
    assert outcomes == {"k": ClaimOutcome.CLAIMED}
    assert clock.slept == [20, 16]
    # AND holds it until its own deadline (it began 20 s in, with 30 s left: waiting does not move a deadline)
    assert lease_until(stack, "k") == START + 20 + 30 + LEASE_MARGIN_SECONDS


def test_a_claim_completed_by_its_holder_while_waited_for_is_not_taken(stack, ledger, clock):
    # GIVEN a claim held by a live notifier, which completes it while another waits
    ledger.claim(["k"], held_for=30)
    holder_completes = clock.sleep

    def sleep(seconds: float) -> None:
        holder_completes(seconds)
        ledger.complete(["k"])

    waiting = PublishLedger(aws_client("dynamodb"), stack.output("StateTableName"), clock=clock, sleep=sleep)

    # WHEN the other claims it, with time to wait
    outcomes = waiting.claim(["k"], held_for=30, wait_for=20)

    # THEN it finds the message published: it will not publish it again
    assert outcomes == {"k": ClaimOutcome.DONE}


def test_without_time_to_wait_a_held_claim_is_reported_at_once(stack, ledger, clock):
    # GIVEN a claim held by another invocation
    ledger.claim(["k"], held_for=30)

    # WHEN an invocation with no time to spare (less than its publishing reserve left) claims it
    outcomes = ledger.claim(["k"], held_for=8, wait_for=-2)

    # THEN it reports the claim busy without waiting
    assert outcomes == {"k": ClaimOutcome.BUSY}
    assert clock.slept == []
