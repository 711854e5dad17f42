"""The saved watches, in the state table: one item per watch (`watch#<name>`, its JSON) and one index of their names.

The state table is keyed by `id` alone and mostly holds the publish ledger (a row per message, kept a week), so
finding the watches by scanning it would cost reads in proportion to the ledger, every time the notifier looks. The
index item (`watch-names`, a string set changed with ADD/DELETE, so concurrent adds never lose one another) makes a
read one GetItem plus one BatchGetItem per 100 watches, whatever the table holds. A watch is written before its name
is added, and its name removed before it is deleted, so an indexed name without its item is only ever a crash
between the two: it is skipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from shared.adapters.dynamodb import BATCH_GET_LIMIT, batch_get
from shared.observability import logger
from shared.watching.index import WatchIndex
from shared.watching.watch import Frequency, Watch

WATCH_KEY_PREFIX = "watch#"
WATCH_INDEX_KEY = "watch-names"
WATCHES_TTL_SECONDS = 60.0
"""How long the notifier uses the watches it read before reading them again: a watch added or removed takes effect
within a minute, at one read a minute per warm container."""


def watch_key(name: str) -> str:
    return f"{WATCH_KEY_PREFIX}{name}"


class WatchStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def put(self, watch: Watch) -> None:
        self._client.put_item(
            TableName=self._table, Item={"id": {"S": watch_key(watch.name)}, "watch": {"S": watch.model_dump_json()}}
        )
        self._client.update_item(
            TableName=self._table,
            Key={"id": {"S": WATCH_INDEX_KEY}},
            UpdateExpression="ADD watch_names :name",
            ExpressionAttributeValues={":name": {"SS": [watch.name]}},
        )

    def delete(self, name: str) -> bool:
        """Remove the watch; whether there was one."""
        self._client.update_item(
            TableName=self._table,
            Key={"id": {"S": WATCH_INDEX_KEY}},
            UpdateExpression="DELETE watch_names :name",
            ExpressionAttributeValues={":name": {"SS": [name]}},
        )
        removed = self._client.delete_item(
            TableName=self._table, Key={"id": {"S": watch_key(name)}}, ReturnValues="ALL_OLD"
        )
        return bool(removed.get("Attributes"))

    def get(self, name: str) -> Watch | None:
        row = self._client.get_item(TableName=self._table, Key={"id": {"S": watch_key(name)}}, ConsistentRead=True)
        return _read(row["Item"]) if "Item" in row else None

    def list(self) -> list[Watch]:
        """Every saved watch that can still be read, by name. One that cannot (saved before a department or source
        it names was retired) is logged and left out: it must not stop the others."""
        index = self._client.get_item(
            TableName=self._table, Key={"id": {"S": WATCH_INDEX_KEY}}, ConsistentRead=True
        ).get("Item", {})
        names = sorted(index.get("watch_names", {}).get("SS", []))
        watches: list[Watch] = []
        for start in range(0, len(names), BATCH_GET_LIMIT):
            keys = [{"id": {"S": watch_key(name)}} for name in names[start : start + BATCH_GET_LIMIT]]
            rows, complete = batch_get(self._client, self._table, {"Keys": keys, "ConsistentRead": True})
            if not complete:
                raise RuntimeError("the watches could not all be read (DynamoDB left keys unprocessed)")
            watches += [watch for row in rows if (watch := _read(row)) is not None]
        return sorted(watches, key=lambda watch: watch.name)


def _read(row: dict[str, Any]) -> Watch | None:
    try:
        return Watch.model_validate_json(row["watch"]["S"])
    except (ValidationError, KeyError) as error:
        logger.error("stored watch unreadable: skipped", extra={"id": row.get("id", {}).get("S"), "error": str(error)})
        return None


class SavedWatches:
    """Every saved watch, read from the store at most once per `ttl` seconds (the notifier builds one per container
    and shares it between its immediate and digest readers: one read a minute, not one each)."""

    def __init__(
        self, store: WatchStore, ttl: float = WATCHES_TTL_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._store = store
        self._ttl = ttl
        self._clock = clock
        self._watches: tuple[Watch, ...] = ()
        self._read_at: float | None = None

    def __call__(self) -> tuple[Watch, ...]:
        now = self._clock()
        if self._read_at is None or now - self._read_at >= self._ttl:
            self._watches = tuple(self._store.list())
            self._read_at = now
        return self._watches


class ImmediateWatches:
    """The immediate watches of the saved ones, indexed once per read."""

    frequencies: tuple[Frequency, ...] = (Frequency.IMMEDIATE,)

    def __init__(
        self,
        saved: SavedWatches | WatchStore,
        ttl: float = WATCHES_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._saved = saved if isinstance(saved, SavedWatches) else SavedWatches(saved, ttl, clock)
        self._read: tuple[Watch, ...] | None = None
        self._index = WatchIndex(())

    def __call__(self) -> WatchIndex:
        read = self._saved()
        if read is not self._read:  # a new read of the store: index it again
            self._index = WatchIndex(w for w in read if w.frequency in self.frequencies)
            self._read = read
        return self._index


class DigestWatches(ImmediateWatches):
    """The daily and weekly watches of the saved ones (the notifier records their matches)."""

    frequencies = (Frequency.DAILY, Frequency.WEEKLY)
