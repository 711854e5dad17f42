"""The notifier's publish ledger in the state table: claim, complete, release, so nothing is published twice."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError

from shared.adapters.dynamodb import TRANSACTION_ATTEMPTS, TRANSACTION_LIMIT, conditional_failure
from shared.adapters.retry import IMMEDIATELY, Backoff, Sleep, retry_pending

CANCELLED_BACKOFF = Backoff(first=0.05, cap=0.05)
"""The pause before a claim transaction cancelled by a conflicting transaction or throttling is tried again."""


class ClaimsConflictError(RuntimeError):
    """Claims that could not be settled after the attempts allowed: the notifier fails the batch, and the stream
    delivers it again."""


class ClaimOutcome(StrEnum):
    CLAIMED = "claimed"
    DONE = "done"
    """Published before: never again."""
    BUSY = "busy"
    """Another notifier holds an unexpired claim: retry later."""


class PublishLedger:
    """One row per published message, so a replayed stream record or a retried batch never publishes twice.

    Claims are taken before publishing (conditional puts, batched in transactions), marked completed right after, and
    released when the publish failed. A claim left behind by a crash expires after the lease, and the message is then
    published by the retry.
    """

    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    RETENTION_SECONDS = 7 * 24 * 3600
    """Longer than a stream record can be replayed (24 hours), then removed by the table's TTL."""

    def __init__(
        self,
        client: Any,
        table_name: str,
        lease_seconds: int,
        clock: Callable[[], float] = time.time,
        sleep: Sleep = time.sleep,
    ) -> None:
        self._client = client
        self._table = table_name
        self._lease = lease_seconds
        self._clock = clock
        self._sleep = sleep

    def claim(self, keys: Sequence[str]) -> dict[str, ClaimOutcome]:
        """Claim every key, in transactions of up to 100 conditional puts (one request for a typical batch).

        A transaction fails whole when one of its claims does; its cancellation reasons say which, and the rest are
        claimed again without them, at once. A transaction cancelled for no refused claim (a conflicting transaction,
        throttling) is tried again after a pause. Either is tried TRANSACTION_ATTEMPTS times at most, then
        ClaimsConflictError is raised.
        """
        now = int(self._clock())
        outcomes: dict[str, ClaimOutcome] = {}

        def claim_round(pending: list[str]) -> list[str]:
            """The pending keys claimed or refused; those still to claim because others were refused."""
            refused = self._claim_transaction(pending, now)
            outcomes.update(refused)
            if not refused:
                outcomes.update(dict.fromkeys(pending, ClaimOutcome.CLAIMED))
            return [key for key in pending if key not in outcomes]

        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), TRANSACTION_LIMIT):
            chunk = unique[start : start + TRANSACTION_LIMIT]
            # Each round settles at least one key: no pause needed between rounds.
            unsettled = retry_pending(claim_round, chunk, attempts=TRANSACTION_ATTEMPTS, backoff=IMMEDIATELY)
            if unsettled:
                raise ClaimsConflictError(f"{len(unsettled)} publish claims kept conflicting")
        return outcomes

    def _claim_transaction(self, keys: Sequence[str], now: int) -> dict[str, ClaimOutcome]:
        """Put the claims in one transaction; the outcome of each key refused by its condition (empty: all claimed).

        A cancellation that refused no key is tried again, TRANSACTION_ATTEMPTS times in all, then ClaimsConflictError.
        """
        refused: dict[str, ClaimOutcome] = {}
        reasons: list[str] = []

        def attempt(pending: Sequence[str]) -> Sequence[str]:
            """The keys again if the transaction was cancelled for another reason than a refused claim; else none."""
            cancellations = self._put_claims(pending, now)
            for key, reason in zip(pending, cancellations, strict=False):
                if reason.get("Code") == "ConditionalCheckFailed":
                    status = reason.get("Item", {}).get("status", {}).get("S")
                    refused[key] = ClaimOutcome.DONE if status == self.COMPLETED else ClaimOutcome.BUSY
            reasons[:] = sorted({r["Code"] for r in cancellations if r.get("Code") not in (None, "None")})
            return pending if cancellations and not refused else []

        cancelled = retry_pending(
            attempt, keys, attempts=TRANSACTION_ATTEMPTS, backoff=CANCELLED_BACKOFF, sleep=self._sleep
        )
        if cancelled:
            raise ClaimsConflictError(
                f"claim transaction of {len(keys)} keys cancelled {TRANSACTION_ATTEMPTS} times"
                f" ({', '.join(reasons) or 'no reason given'})"
            )
        return refused

    def _put_claims(self, keys: Sequence[str], now: int) -> list[dict[str, Any]]:
        """One TransactWriteItems of conditional claims; its cancellation reasons, one per key (empty: written)."""
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": {
                                "id": {"S": key},
                                "status": {"S": self.IN_PROGRESS},
                                "lease_until": {"N": str(now + self._lease)},
                                "expiration": {"N": str(now + self.RETENTION_SECONDS)},
                            },
                            "ConditionExpression": (
                                "attribute_not_exists(id) OR (#status = :in_progress AND lease_until < :now)"
                            ),
                            "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": {
                                ":in_progress": {"S": self.IN_PROGRESS},
                                ":now": {"N": str(now)},
                            },
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        }
                    }
                    for key in keys
                ]
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            return list(error.response.get("CancellationReasons", [])) or [{"Code": "Unknown"}]
        return []

    def complete(self, keys: Sequence[str]) -> None:
        """Mark the keys published, in transactions of up to 100 puts."""
        expiration = str(int(self._clock()) + self.RETENTION_SECONDS)
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), TRANSACTION_LIMIT):
            items = [
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": {"id": {"S": k}, "status": {"S": self.COMPLETED}, "expiration": {"N": expiration}},
                    }
                }
                for k in unique[start : start + TRANSACTION_LIMIT]
            ]
            self._client.transact_write_items(TransactItems=items)

    def release(self, keys: Iterable[str]) -> None:
        """Give up claims whose publish failed, so that the retry publishes (rare: one conditional delete each)."""
        for key in keys:
            try:
                self._client.delete_item(
                    TableName=self._table,
                    Key={"id": {"S": key}},
                    ConditionExpression="#status = :in_progress",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues={":in_progress": {"S": self.IN_PROGRESS}},
                )
            except ClientError as error:
                if not conditional_failure(error):
                    raise
