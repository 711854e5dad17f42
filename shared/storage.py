"""DynamoDB adapters: versioned items, per-source watermarks, and the notifier's publish ledger."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError

from shared.models.item import Item

DYNAMODB_ITEM_LIMIT = 409_600
"""DynamoDB's item size limit in bytes, attribute names included (moto enforces 405,000, AWS 409,600)."""
ITEM_JSON_BUDGET = DYNAMODB_ITEM_LIMIT - 9_600
"""Bytes left for the item's JSON once the key and bookkeeping attributes are stored."""
BATCH_GET_LIMIT = 100
TRANSACTION_LIMIT = 100
TRANSACTION_ATTEMPTS = 5
BATCH_ATTEMPTS = 5
SHORTENED_MARKER = "\n\n[… shortened by deptwatch: the full text is on the page linked below]"


class ItemTooLargeError(ValueError):
    """An item that does not fit in one DynamoDB item even with its texts shortened."""


class WriteOutcome(StrEnum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    STALE = "stale"
    """A change older than the stored version (a late redelivery): ignored."""


@dataclass(frozen=True)
class WriteResult:
    outcome: WriteOutcome
    version: int


def _conditional_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def fit_item(item: Item, budget: int = ITEM_JSON_BUDGET) -> Item:
    """The item, with its body (then summary) shortened when its JSON would not fit in one DynamoDB item."""
    size = len(item.model_dump_json().encode())
    for text_field in ("body", "summary"):
        if size <= budget:
            break
        text: str | None = getattr(item, text_field)
        if not text:
            continue
        excess = size - budget + len(SHORTENED_MARKER.encode()) + 64
        keep = text.encode()[: max(len(text.encode()) - excess, 0)].decode(errors="ignore").rstrip()
        item = item.model_copy(update={text_field: keep + SHORTENED_MARKER})
        size = len(item.model_dump_json().encode())
    if size > budget:
        raise ItemTooLargeError(f"item {item.id} is {size} bytes even with its texts shortened")
    return item


def batch_get(client: Any, table: str, request: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """One BatchGetItem of at most 100 keys, its unprocessed keys retried with backoff: the rows found, and whether
    every key was read."""
    rows: list[dict[str, Any]] = []
    pending: dict[str, Any] = {table: request}
    for attempt in range(BATCH_ATTEMPTS):
        response = client.batch_get_item(RequestItems=pending)
        rows += response.get("Responses", {}).get(table, [])
        pending = response.get("UnprocessedKeys") or {}
        if not pending:
            return rows, True
        time.sleep(min(0.05 * 2**attempt, 1.0))
    return rows, False


class ItemStore:
    """Items keyed by `item_id`, one row each, with a version number that a material change increments.

    The table's stream (NEW_AND_OLD_IMAGES) carries each new version, with the previous one, to the notifier.
    """

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def stored_hashes(self, item_ids: Sequence[str]) -> dict[str, tuple[str, int]]:
        """Item id → (content hash, version) of the stored items among `item_ids`, read in batches of 100."""
        found: dict[str, tuple[str, int]] = {}
        unique = list(dict.fromkeys(item_ids))
        for start in range(0, len(unique), BATCH_GET_LIMIT):
            request = {
                "Keys": [{"item_id": {"S": i}} for i in unique[start : start + BATCH_GET_LIMIT]],
                "ProjectionExpression": "item_id, content_hash, #version",
                "ExpressionAttributeNames": {"#version": "version"},
            }
            # Keys still unread after the retries are simply not found: the conditional write decides for them.
            rows, _ = batch_get(self._client, self._table, request)
            for row in rows:
                found[row["item_id"]["S"]] = (row["content_hash"]["S"], int(row["version"]["N"]))
        return found

    def save_if_changed(self, item: Item, fetched_at: datetime, content_hash: str | None = None) -> WriteResult:
        """One conditional write: nothing is written when the content is unchanged or older than what is stored."""
        content_hash = content_hash or item.content_hash()
        # Compared as strings in the condition: one offset (UTC) and one precision make string order time order.
        fetched = fetched_at.astimezone(UTC).isoformat(timespec="microseconds")
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key={"item_id": {"S": item.id}},
                UpdateExpression=(
                    "SET #version = if_not_exists(#version, :zero) + :one, content_hash = :hash, "
                    "fetched_at = :fetched, #source = :source, #item = :item"
                ),
                ConditionExpression=(
                    "attribute_not_exists(item_id) OR (content_hash <> :hash AND fetched_at <= :fetched)"
                ),
                ExpressionAttributeNames={"#version": "version", "#source": "source", "#item": "item"},
                ExpressionAttributeValues={
                    ":zero": {"N": "0"},
                    ":one": {"N": "1"},
                    ":hash": {"S": content_hash},
                    ":fetched": {"S": fetched},
                    ":source": {"S": item.source},
                    ":item": {"S": item.model_dump_json()},
                },
                ReturnValues="UPDATED_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not _conditional_failure(error):
                raise
            old = error.response.get("Item", {})
            version = int(old.get("version", {}).get("N", "0"))
            unchanged = old.get("content_hash", {}).get("S") == content_hash
            return WriteResult(WriteOutcome.UNCHANGED if unchanged else WriteOutcome.STALE, version)
        version = int(response["Attributes"]["version"]["N"])
        return WriteResult(WriteOutcome.NEW if version == 1 else WriteOutcome.UPDATED, version)


def item_from_image(image: dict[str, Any] | None) -> tuple[Item, int] | None:
    """The item and version in a stream image (already deserialised to plain values), or None."""
    if not image or "item" not in image:
        return None
    return Item.model_validate_json(image["item"]), int(image["version"])


@dataclass(frozen=True)
class SeenRecord:
    """What the fetcher last queued of one upstream record."""

    listed: str
    """Digest of the record as the list endpoint gave it."""
    content: str
    """Digest of the record as queued (completed from its detail endpoint where the list cuts it)."""
    day: str
    """The day it was last seen (ISO date): records out of the poll window are forgotten."""
    checked: int
    """When its detail endpoint was last read (epoch seconds)."""


@dataclass(frozen=True)
class SourceState:
    watermark: datetime | None = None
    """When the source last completed a poll: the next one starts here, less the overlap."""
    seen: dict[str, SeenRecord] = field(default_factory=dict)
    """Record key → what was last queued of it, for the records seen within the poll window."""


SEEN_SHARDS = 16
"""Items the per-record memory of one source is spread over, by a hash of the record key. One item (400 KB) holds
~2,500 records keyed by GOV.UK paths and ~5,000 keyed by ids: 16 hold 40,000 to 80,000 in the poll window (a week of
catching up after an outage), and still cost one BatchGetItem to read."""
BATCH_WRITE_LIMIT = 25


class WatermarkStore:
    """Per-source state: the watermark (`watermark#<source>`) and the digests of recent records, in SEEN_SHARDS items
    (`seen#<source>#<n>`) so that a busy window never outgrows DynamoDB's 400 KB item.

    A poll reads them all in one BatchGetItem, and writes only the shards that changed, then the watermark. Either
    write may be lost to a crash without harm: a shard not written only re-queues its records (the processor finds
    them unchanged), and a watermark not written only re-reads the window.
    """

    def __init__(self, client: Any, table_name: str, shards: int = SEEN_SHARDS, budget: int = ITEM_JSON_BUDGET) -> None:
        self._client = client
        self._table = table_name
        self._shards = shards
        self._budget = budget
        self._read: dict[str, dict[str, str]] = {}
        """Source → shard id → the JSON read by the last `get`: unchanged shards are not written again."""

    def _shard_id(self, source: str, key: str) -> str:
        number = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest()) % self._shards
        return f"seen#{source}#{number}"

    def get(self, source: str) -> SourceState:
        ids = [f"watermark#{source}", *(f"seen#{source}#{n}" for n in range(self._shards))]
        rows = self._batch_get(ids)
        watermark = rows.get(ids[0], {})
        stored = {row_id: row["seen"]["S"] for row_id, row in rows.items() if row_id != ids[0] and "seen" in row}
        self._read[source] = stored
        seen: dict[str, SeenRecord] = {}
        # Before the shards, the memory lived in the watermark item: read it until the next write moves it.
        for text in (watermark.get("seen", {}).get("S") or "{}", *stored.values()):
            seen.update({key: SeenRecord(*entry) for key, entry in json.loads(text).items()})
        value = watermark.get("value", {}).get("S")
        return SourceState(watermark=datetime.fromisoformat(value) if value else None, seen=seen)

    def put(self, source: str, state: SourceState) -> None:
        if state.watermark is None:
            raise ValueError("a source state is saved with a watermark")
        shards: dict[str, dict[str, tuple[str, str, str, int]]] = {
            f"seen#{source}#{n}": {} for n in range(self._shards)
        }
        for key, e in state.seen.items():
            shards[self._shard_id(source, key)][key] = (e.listed, e.content, e.day, e.checked)
        previous = self._read.pop(source, {})
        changed = {
            shard_id: text
            for shard_id, entries in shards.items()
            if (text := self._fitting_json(entries)) != previous.get(shard_id, "{}")
        }
        self._batch_put([{"id": {"S": shard_id}, "seen": {"S": text}} for shard_id, text in changed.items()])
        self._client.put_item(
            TableName=self._table,
            Item={"id": {"S": f"watermark#{source}"}, "value": {"S": state.watermark.isoformat()}},
        )

    def _fitting_json(self, entries: dict[str, tuple[str, str, str, int]]) -> str:
        """The shard's JSON within the item budget: beyond it (an extreme backfill), the records seen on the oldest
        days are forgotten, which costs their re-queueing, never a failed poll."""
        text = json.dumps(entries, separators=(",", ":"), sort_keys=True)
        if len(text.encode()) <= self._budget:
            return text
        kept: dict[str, tuple[str, str, str, int]] = {}
        size = 2
        for key, entry in sorted(entries.items(), key=lambda pair: pair[1][2], reverse=True):
            size += len(json.dumps({key: entry}, separators=(",", ":")).encode()) - 1  # less its braces, plus a comma
            if size > self._budget:
                break
            kept[key] = entry
        return json.dumps(kept, separators=(",", ":"), sort_keys=True)

    def _batch_get(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        request = {"Keys": [{"id": {"S": row_id}} for row_id in ids], "ConsistentRead": True}
        rows, complete = batch_get(self._client, self._table, request)
        if not complete:
            # A partial state would forget records (re-queueing them) or lose the watermark (re-reading the window):
            # fail the poll instead, and the next one reads again.
            raise RuntimeError(f"state of {ids[0]} still unread after {BATCH_ATTEMPTS} attempts (throttled)")
        return {row["id"]["S"]: row for row in rows}

    def _batch_put(self, rows: Sequence[dict[str, Any]]) -> None:
        for start in range(0, len(rows), BATCH_WRITE_LIMIT):
            pending: dict[str, Any] = {
                self._table: [{"PutRequest": {"Item": row}} for row in rows[start : start + BATCH_WRITE_LIMIT]]
            }
            for attempt in range(BATCH_ATTEMPTS):
                pending = self._client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                if not pending:
                    break
                time.sleep(min(0.05 * 2**attempt, 1.0))
            else:
                raise RuntimeError(f"state shards of {self._table} still unwritten after {BATCH_ATTEMPTS} attempts")


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

    def __init__(self, client: Any, table_name: str, lease_seconds: int, clock: Any = time.time) -> None:
        self._client = client
        self._table = table_name
        self._lease = lease_seconds
        self._clock = clock

    def claim(self, keys: Sequence[str]) -> dict[str, ClaimOutcome]:
        """Claim every key, in transactions of up to 100 conditional puts (one request for a typical batch).

        A transaction fails whole when one of its claims does; its cancellation reasons say which, and the rest are
        claimed again without them.
        """
        now = int(self._clock())
        outcomes: dict[str, ClaimOutcome] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), TRANSACTION_LIMIT):
            pending = unique[start : start + TRANSACTION_LIMIT]
            for _ in range(TRANSACTION_ATTEMPTS):
                if not pending:
                    break
                refused = self._claim_transaction(pending, now)
                outcomes.update(refused)
                if not refused:
                    outcomes.update(dict.fromkeys(pending, ClaimOutcome.CLAIMED))
                    pending = []
                pending = [key for key in pending if key not in refused]
            else:
                if pending:
                    raise RuntimeError(f"{len(pending)} publish claims kept conflicting")
        return outcomes

    def _claim_transaction(self, keys: Sequence[str], now: int) -> dict[str, ClaimOutcome]:
        """Put the claims; on cancellation, the outcome of each key that was refused (an empty dict: all claimed)."""
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
            refused = {}
            for key, reason in zip(keys, error.response.get("CancellationReasons", []), strict=False):
                if reason.get("Code") == "ConditionalCheckFailed":
                    status = reason.get("Item", {}).get("status", {}).get("S")
                    refused[key] = ClaimOutcome.DONE if status == self.COMPLETED else ClaimOutcome.BUSY
            if not refused:  # cancelled for another reason (a conflicting transaction): try again
                time.sleep(0.05)
                return self._claim_transaction(keys, now)
            return refused
        return {}

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
                if not _conditional_failure(error):
                    raise
