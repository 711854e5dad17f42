"""The items table: one row per item, versioned, written only when new or changed."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError

from shared.adapters.dynamodb import BATCH_GET_LIMIT, ITEM_JSON_BUDGET, batch_get, conditional_failure
from shared.adapters.retry import Sleep
from shared.domain.item import Item
from shared.domain.raw_record import Delivery

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


class ItemStore:
    """Items keyed by `item_id`, one row each, with a version number that a material change increments.

    The table's stream (NEW_AND_OLD_IMAGES) carries each new version, with the previous one, to the notifier.
    Each row also says how its version is to be delivered (`delivery`: notify, quiet or digest; a row written before
    deliveries existed has none, which reads as notify) and when it was stored (`stored_at`, UTC ISO-8601, the
    instant `deptwatch notify --since` and the digests select by).
    """

    def __init__(self, client: Any, table_name: str, sleep: Sleep = time.sleep) -> None:
        self._client = client
        self._table = table_name
        self._sleep = sleep

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
            rows, _ = batch_get(self._client, self._table, request, sleep=self._sleep)
            for row in rows:
                found[row["item_id"]["S"]] = (row["content_hash"]["S"], int(row["version"]["N"]))
        return found

    def save_if_changed(
        self,
        item: Item,
        fetched_at: datetime,
        content_hash: str | None = None,
        delivery: Delivery = Delivery.NOTIFY,
    ) -> WriteResult:
        """One conditional write: nothing is written when the content is unchanged or older than what is stored."""
        content_hash = content_hash or item.content_hash()
        stored = datetime.now(UTC).isoformat(timespec="microseconds")
        # Compared as strings in the condition: one offset (UTC) and one precision make string order time order.
        fetched = fetched_at.astimezone(UTC).isoformat(timespec="microseconds")
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key={"item_id": {"S": item.id}},
                UpdateExpression=(
                    "SET #version = if_not_exists(#version, :zero) + :one, content_hash = :hash, "
                    "fetched_at = :fetched, #source = :source, #item = :item, delivery = :delivery, stored_at = :stored"
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
                    ":delivery": {"S": delivery.value},
                    ":stored": {"S": stored},
                },
                ReturnValues="UPDATED_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not conditional_failure(error):
                raise
            old = error.response.get("Item", {})
            version = int(old.get("version", {}).get("N", "0"))
            unchanged = old.get("content_hash", {}).get("S") == content_hash
            return WriteResult(WriteOutcome.UNCHANGED if unchanged else WriteOutcome.STALE, version)
        version = int(response["Attributes"]["version"]["N"])
        return WriteResult(WriteOutcome.NEW if version == 1 else WriteOutcome.UPDATED, version)

    def rows(self, item_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The stored rows (DynamoDB-typed) of the items among `item_ids` that exist, read in batches of 100."""
        found: list[dict[str, Any]] = []
        unique = list(dict.fromkeys(item_ids))
        for start in range(0, len(unique), BATCH_GET_LIMIT):
            request = {"Keys": [{"item_id": {"S": i}} for i in unique[start : start + BATCH_GET_LIMIT]]}
            rows, complete = batch_get(self._client, self._table, request, sleep=self._sleep)
            if not complete:
                raise RuntimeError("DynamoDB left keys unread after its retries: try again")
            found += rows
        return found

    def latest(self, item_ids: Sequence[str]) -> dict[str, tuple[Item, int]]:
        """The latest stored version of each of the items that exist: item id → (item, version)."""
        return {
            row["item_id"]["S"]: (Item.model_validate_json(row["item"]["S"]), int(row["version"]["N"]))
            for row in self.rows(item_ids)
        }

    def rows_stored_since(self, since: datetime) -> Iterator[dict[str, Any]]:
        """Every row whose version was stored at or after `since` (a row from before `stored_at` existed: fetched).

        A Scan with a filter: it reads (and is billed for) the whole table, whatever it returns. For an operator's
        command, not for a function: the table has no index on the time of storing.
        """
        paginator = self._client.get_paginator("scan")
        pages = paginator.paginate(
            TableName=self._table,
            FilterExpression="stored_at >= :since OR (attribute_not_exists(stored_at) AND fetched_at >= :since)",
            ExpressionAttributeValues={":since": {"S": since.astimezone(UTC).isoformat(timespec="microseconds")}},
        )
        for page in pages:
            yield from page.get("Items", [])


def delivery_of(row: dict[str, Any] | None) -> Delivery:
    """How a stored version is to be delivered (a plain-valued stream image or row): absent means notify (rows written
    before deliveries existed), and so does a value this code does not know, so that nothing is withheld by mistake."""
    try:
        return Delivery((row or {}).get("delivery") or Delivery.NOTIFY)
    except ValueError:
        return Delivery.NOTIFY


def item_from_image(image: dict[str, Any] | None) -> tuple[Item, int] | None:
    """The item and version in a stream image (already deserialised to plain values), or None."""
    if not image or "item" not in image:
        return None
    return Item.model_validate_json(image["item"]), int(image["version"])
