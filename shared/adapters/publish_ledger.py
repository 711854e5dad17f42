"""The notifier's publish ledger in the state table: claim, complete, release, so nothing is published twice."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from botocore.exceptions import ClientError

from shared.adapters.dynamodb import TRANSACTION_ATTEMPTS, TRANSACTION_LIMIT, conditional_failure
from shared.adapters.retry import Backoff, Sleep, retry_pending

CANCELLED_BACKOFF = Backoff(first=0.05, cap=0.05)
"""The pause before a claim transaction cancelled by a conflicting transaction or throttling is tried again."""
LEASE_MARGIN_SECONDS = 5
"""Added to the holder's deadline: the clocks of two Lambda hosts differ a little, and a publish sent just before the
deadline may reach SNS just after it."""
BUSY_WAITS = 3
"""At most this many waits for claims held by others, in one `claim`: each ends when a lease does or the time to wait
is up, so more would only meet claims taken again by a live notifier."""

VERSION_KEY_PREFIX = "published#"
DIGEST_KEY_PREFIX = "published-digest#"
WATCH_TARGET_PREFIX = "watch:"


class VersionKey(NamedTuple):
    """What a ledger key of one version's message names: `published#<item id>#v<version>#<target>`, the target a
    department's slug or `watch:<watch name>` (neither contains '#')."""

    item_id: str
    version: int
    target: str


def ledger_key(item_id: str, version: int, target: str) -> str:
    """The ledger key of a version's message to one topic (`target`: a department's slug, or `watch_target(name)`)."""
    return f"{VERSION_KEY_PREFIX}{item_id}#v{version}#{target}"


def watch_target(watch_name: str) -> str:
    return f"{WATCH_TARGET_PREFIX}{watch_name}"


def parse_ledger_key(key: str) -> VersionKey:
    """`ledger_key` read back; ValueError for a key that is not a version's (a digest's, say)."""
    if not key.startswith(VERSION_KEY_PREFIX):
        raise ValueError(f"not a version's ledger key: {key!r}")
    parts = key.removeprefix(VERSION_KEY_PREFIX).rsplit("#", 2)
    if len(parts) != 3 or not parts[1].startswith("v") or not parts[1][1:].isdigit():
        raise ValueError(f"not a version's ledger key: {key!r}")
    item_id, version, target = parts
    return VersionKey(item_id, int(version[1:]), target)


def digest_ledger_key(watch_name: str, frequency: str, period_end: datetime) -> str:
    """The ledger key of a watch's digest of one period (`frequency`: daily or weekly)."""
    return f"{DIGEST_KEY_PREFIX}{watch_name}#{frequency}#{period_end.isoformat()}"


class ClaimsConflictError(RuntimeError):
    """Claims that could not be settled after the attempts allowed: the notifier fails the batch, and the stream
    delivers it again."""


class ClaimOutcome(StrEnum):
    CLAIMED = "claimed"
    DONE = "done"
    """Published before: never again."""
    BUSY = "busy"
    """Another notifier holds an unexpired claim: retry later."""


@dataclass
class _Round:
    """What one claim round settled: each refused key's outcome, and until when each busy key is held."""

    outcomes: dict[str, ClaimOutcome] = field(default_factory=dict)
    held_until: dict[str, int] = field(default_factory=dict)


class PublishLedger:
    """One row per published message, so a replayed stream record or a retried batch never publishes twice.

    Claims are taken before publishing (conditional puts, batched in transactions), marked completed right after, and
    released when the publish failed. A claim is held until its holder's deadline (the end of the Lambda invocation
    that took it: nothing of that invocation runs later) plus LEASE_MARGIN_SECONDS. So a claim left behind by a crash
    is known to be abandoned once that time is past, and the retry that finds it held waits for it (within its own
    time) and then publishes, instead of spending the stream's retries on it.
    """

    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    RETENTION_SECONDS = 7 * 24 * 3600
    """Longer than a stream record can be replayed (24 hours), then removed by the table's TTL."""

    def __init__(
        self,
        client: Any,
        table_name: str,
        clock: Callable[[], float] = time.time,
        sleep: Sleep = time.sleep,
    ) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock
        self._sleep = sleep

    def claim(self, keys: Sequence[str], held_for: float, wait_for: float = 0.0) -> dict[str, ClaimOutcome]:
        """Claim every key for the `held_for` seconds the claiming invocation has left; keys held by others are waited
        for, `wait_for` seconds at most, then claimed again.

        Waiting is what keeps a crashed notifier's batch from being lost: the stream may retry at once, and a retry
        that only reported the claims busy would spend every retry before the lease ends. One that waits spends at
        least `wait_for` seconds (or until the lease ends), so a lease outlasts only a few of them.

        Claims go in transactions of up to 100 conditional puts (one request for a typical batch). A transaction fails
        whole when one of its claims does; its cancellation reasons say which, and the rest are claimed again without
        them, at once. A transaction cancelled for no refused claim (a conflicting transaction, throttling) is tried
        again after a pause. Each hundred keys takes TRANSACTION_ATTEMPTS transactions at most, whatever their mix,
        then ClaimsConflictError is raised; each wait for held claims (BUSY_WAITS at most) starts that count again for
        the keys it claims again.
        """
        start = self._clock()
        lease_until = math.ceil(start + held_for) + LEASE_MARGIN_SECONDS
        settled = self._claim_all(keys, lease_until)
        for _ in range(BUSY_WAITS):
            busy = {
                key: until for key, until in settled.held_until.items() if settled.outcomes[key] is ClaimOutcome.BUSY
            }
            now = self._clock()
            if not busy or now >= start + wait_for:
                break
            # A claim is free once its lease is past (`lease_until < now`, in whole seconds).
            self._sleep(max(0.0, min(max(busy.values()) + 1, start + wait_for) - now))
            again = self._claim_all(list(busy), lease_until)
            settled.outcomes.update(again.outcomes)
            settled.held_until.update(again.held_until)
        return settled.outcomes

    def _claim_all(self, keys: Sequence[str], lease_until: int) -> _Round:
        """Claim the keys in transactions of up to 100, each hundred in TRANSACTION_ATTEMPTS transactions at most.

        One retry, not two nested: each transaction of the keys still pending either goes through (all claimed),
        refuses some claims (those are settled, published or busy, and the rest go again at once), or is cancelled for
        another reason (a conflicting transaction, throttling: the same keys go again after CANCELLED_BACKOFF). Keys
        still pending after the last attempt raise ClaimsConflictError.
        """
        now = int(self._clock())
        settled = _Round()
        settled_some = False
        reasons: list[str] = []

        def attempt(pending: list[str]) -> list[str]:
            """One transaction of the pending keys; those still to claim."""
            nonlocal settled_some
            cancellations = self._put_claims(pending, now, lease_until)
            if not cancellations:
                settled.outcomes.update(dict.fromkeys(pending, ClaimOutcome.CLAIMED))
                return []
            refused = self._refused(pending, cancellations, now)
            settled.outcomes.update(refused.outcomes)
            settled.held_until.update(refused.held_until)
            settled_some = bool(refused.outcomes)
            reasons[:] = sorted({r["Code"] for r in cancellations if r.get("Code") not in (None, "None")})
            return [key for key in pending if key not in settled.outcomes]

        def pause(seconds: float) -> None:
            """Only after a transaction cancelled for another reason than a refused claim."""
            if not settled_some:
                self._sleep(seconds)

        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), TRANSACTION_LIMIT):
            chunk = unique[start : start + TRANSACTION_LIMIT]
            unsettled = retry_pending(
                attempt, chunk, attempts=TRANSACTION_ATTEMPTS, backoff=CANCELLED_BACKOFF, sleep=pause
            )
            if unsettled:
                raise ClaimsConflictError(
                    f"{len(unsettled)} publish claims unsettled: their claim transaction was cancelled"
                    f" {TRANSACTION_ATTEMPTS} times ({', '.join(reasons) or 'no reason given'})"
                )
        return settled

    def _refused(self, keys: Sequence[str], cancellations: list[dict[str, Any]], now: int) -> _Round:
        """The outcome of each key whose claim its condition refused (published before, or held), and until when it
        is held."""
        refused = _Round()
        for key, reason in zip(keys, cancellations, strict=False):
            if reason.get("Code") == "ConditionalCheckFailed":
                held = reason.get("Item", {})
                done = held.get("status", {}).get("S") == self.COMPLETED
                refused.outcomes[key] = ClaimOutcome.DONE if done else ClaimOutcome.BUSY
                refused.held_until[key] = int(held.get("lease_until", {}).get("N", now))
        return refused

    def _put_claims(self, keys: Sequence[str], now: int, lease_until: int) -> list[dict[str, Any]]:
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
                                "lease_until": {"N": str(lease_until)},
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
