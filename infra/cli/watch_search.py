"""`deptwatch watch test`: which items stored in a deployed stack a watch would match.

The items table is keyed by item id and holds each item's latest version only, with no index by word, so this is a
paginated Scan of the whole table (eventually consistent, only the item and its version read), the watch applied to
each row here. Its cost grows with the table: DynamoDB charges a read unit per 8 KB scanned (half of 4 KB, eventually
consistent), so 100,000 items of ~4 KB are ~50,000 read units (a few US cents on demand) and ~400 pages of 1 MB. An
operator's command, run by hand: acceptable; the notifier never does this (it matches each version as it is written).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from shared.domain.item import Item
from shared.watching.search import stored_matches
from shared.watching.watch import Watch


@dataclass
class ScanCost:
    """What the Scan read: rows, pages, read units (as DynamoDB reports them), rows it could not read."""

    rows: int = 0
    pages: int = 0
    read_units: float = 0.0
    unreadable: list[str] = field(default_factory=list)

    def summary(self) -> str:
        skipped = f", {len(self.unreadable)} unreadable skipped" if self.unreadable else ""
        return f"scanned {self.rows} stored items in {self.pages} page(s), {self.read_units:g} read units{skipped}"


def stored_versions(dynamodb: Any, table_name: str, cost: ScanCost) -> Iterator[tuple[Item, int]]:
    """Every stored item's latest version, page by page."""
    paginator = dynamodb.get_paginator("scan")
    pages = paginator.paginate(
        TableName=table_name,
        ProjectionExpression="item_id, #item, version",
        ExpressionAttributeNames={"#item": "item"},
        ReturnConsumedCapacity="TOTAL",
    )
    for page in pages:
        cost.pages += 1
        cost.read_units += float(page.get("ConsumedCapacity", {}).get("CapacityUnits", 0))
        for row in page.get("Items", []):
            cost.rows += 1
            try:
                yield Item.model_validate_json(row["item"]["S"]), int(row["version"]["N"])
            except (KeyError, ValueError, ValidationError):  # a row this version cannot read must not stop the test
                cost.unreadable.append(row.get("item_id", {}).get("S", "?"))


def search_stored(dynamodb: Any, items_table: str, watch: Watch, cost: ScanCost) -> Iterator[dict[str, Any]]:
    """The stored items the watch matches, each as one summary (id, version, kind, title, departments, link)."""
    for item, version in stored_matches(watch, stored_versions(dynamodb, items_table, cost)):
        yield {
            "item_id": item.id,
            "version": version,
            "kind": item.kind,
            "title": item.title,
            "departments": [department.slug for department in item.departments],
            "updated_at": item.updated_at.isoformat(),
            "url": str(item.url),
        }
