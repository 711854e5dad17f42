"""DynamoDB adapters: versioned items, per-source watermarks, and the notifier's publish ledger."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError

from shared.models.item import Item

DYNAMODB_ITEM_LIMIT = 409_600
"""DynamoDB's item size limit in bytes, attribute names included (moto enforces 405,000, AWS 409,600)."""
ITEM_JSON_BUDGET = DYNAMODB_ITEM_LIMIT - 9_600
"""Bytes left for the item's JSON once the key and bookkeeping attributes are stored."""
BATCH_WRITE_LIMIT = 25
BATCH_GET_LIMIT = 100
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
    for field in ("body", "summary"):
        if size <= budget:
            break
        text: str | None = getattr(item, field)
        if not text:
            continue
        excess = size - budget + len(SHORTENED_MARKER.encode()) + 64
        keep = text.encode()[: max(len(text.encode()) - excess, 0)].decode(errors="ignore").rstrip()
        item = item.model_copy(update={field: keep + SHORTENED_MARKER})
        size = len(item.model_dump_json().encode())
    if size > budget:
        raise ItemTooLargeError(f"item {item.id} is {size} bytes even with its texts shortened")
    return item


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
            pending: dict[str, Any] = {
                self._table: {
                    "Keys": [{"item_id": {"S": i}} for i in unique[start : start + BATCH_GET_LIMIT]],
                    "ProjectionExpression": "item_id, content_hash, #version",
                    "ExpressionAttributeNames": {"#version": "version"},
                }
            }
            for attempt in range(5):
                response = self._client.batch_get_item(RequestItems=pending)
                for row in response.get("Responses", {}).get(self._table, []):
                    found[row["item_id"]["S"]] = (row["content_hash"]["S"], int(row["version"]["N"]))
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
                time.sleep(min(0.05 * 2**attempt, 1.0))
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

    def get(self, item_id: str) -> tuple[Item, int] | None:
        response = self._client.get_item(TableName=self._table, Key={"item_id": {"S": item_id}}, ConsistentRead=True)
        row = response.get("Item")
        if not row:
            return None
        return Item.model_validate_json(row["item"]["S"]), int(row["version"]["N"])


def item_from_image(image: dict[str, Any] | None) -> tuple[Item, int] | None:
    """The item and version in a stream image (already deserialised to plain values), or None."""
    if not image or "item" not in image:
        return None
    return Item.model_validate_json(image["item"]), int(image["version"])


class WatermarkStore:
    """Per-source high-water marks: where the next poll starts (less the overlap)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def get(self, source: str) -> datetime | None:
        response = self._client.get_item(
            TableName=self._table, Key={"id": {"S": f"watermark#{source}"}}, ConsistentRead=True
        )
        value = response.get("Item", {}).get("value", {}).get("S")
        return datetime.fromisoformat(value) if value else None

    def put(self, source: str, value: datetime) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={"id": {"S": f"watermark#{source}"}, "value": {"S": value.isoformat()}},
        )


class ClaimOutcome(StrEnum):
    CLAIMED = "claimed"
    DONE = "done"
    """Published before: never again."""
    BUSY = "busy"
    """Another notifier holds an unexpired claim: retry later."""


class PublishLedger:
    """One row per published message, so a replayed stream record or a retried batch never publishes twice.

    A claim is taken before publishing (conditional put), marked completed right after, and released when the publish
    failed. A claim left behind by a crash expires after the lease, and the message is then published by the retry.
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

    def claim(self, key: str) -> ClaimOutcome:
        now = int(self._clock())
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "id": {"S": key},
                    "status": {"S": self.IN_PROGRESS},
                    "lease_until": {"N": str(now + self._lease)},
                    "expiration": {"N": str(now + self.RETENTION_SECONDS)},
                },
                ConditionExpression="attribute_not_exists(id) OR (#status = :in_progress AND lease_until < :now)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":in_progress": {"S": self.IN_PROGRESS}, ":now": {"N": str(now)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not _conditional_failure(error):
                raise
            status = error.response.get("Item", {}).get("status", {}).get("S")
            return ClaimOutcome.DONE if status == self.COMPLETED else ClaimOutcome.BUSY
        return ClaimOutcome.CLAIMED

    def complete(self, keys: Sequence[str]) -> None:
        expiration = str(int(self._clock()) + self.RETENTION_SECONDS)
        requests = [
            {"PutRequest": {"Item": {"id": {"S": k}, "status": {"S": self.COMPLETED}, "expiration": {"N": expiration}}}}
            for k in keys
        ]
        for start in range(0, len(requests), BATCH_WRITE_LIMIT):
            self._write_all(requests[start : start + BATCH_WRITE_LIMIT])

    def release(self, keys: Iterable[str]) -> None:
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

    def _write_all(self, requests: list[dict[str, Any]], attempts: int = 5) -> None:
        pending = {self._table: requests}
        for attempt in range(attempts):
            response = self._client.batch_write_item(RequestItems=pending)
            pending = response.get("UnprocessedItems") or {}
            if not pending:
                return
            time.sleep(min(0.05 * 2**attempt, 1.0))
        raise RuntimeError(f"{len(pending[self._table])} ledger writes stayed unprocessed after {attempts} attempts")


def dump_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
