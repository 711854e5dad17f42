"""Per-source fetch state in the state table: the watermark and the digests of recently queued records."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shared.adapters.dynamodb import BATCH_ATTEMPTS, BATCH_BACKOFF, BATCH_WRITE_LIMIT, ITEM_JSON_BUDGET, batch_get
from shared.adapters.retry import Sleep, retry_pending
from shared.sources.incremental import MEMORY_SHARDS, PollCheckpoint, SeenRecord, SourceState, shard_of

SEEN_SHARDS = MEMORY_SHARDS
"""Items the per-record memory of one source is spread over, by a hash of the record key. One item (400 KB) holds
~2,500 records keyed by GOV.UK paths and ~5,000 keyed by ids: 16 hold 40,000 to 80,000 in the poll window (a week of
catching up after an outage), and still cost one BatchGetItem to read."""


class WatermarkStore:
    """Per-source state: the watermark (`watermark#<source>`) and the digests of recent records, in SEEN_SHARDS items
    (`seen#<source>#<n>`) so that a busy window never outgrows DynamoDB's 400 KB item.

    A poll reads them all in one BatchGetItem (a poll that may not be due reads its `head` first, then only the memory
    if it is), and writes only the shards that changed, then the watermark. Either
    write may be lost to a crash without harm: a shard not written only re-queues its records (the processor finds
    them unchanged), and a watermark not written only re-reads the window.
    """

    def __init__(
        self,
        client: Any,
        table_name: str,
        shards: int = SEEN_SHARDS,
        budget: int = ITEM_JSON_BUDGET,
        sleep: Sleep = time.sleep,
    ) -> None:
        self._client = client
        self._table = table_name
        self._shards = shards
        self._budget = budget
        self._sleep = sleep
        self._read: dict[str, dict[str, str]] = {}
        """Source → shard id → the JSON read by the last `get`: unchanged shards are not written again."""

    def _shard_id(self, source: str, key: str) -> str:
        number = shard_of(key, self._shards)
        return f"seen#{source}#{number}"

    def head(self, source: str) -> SourceState:
        """The watermark item alone (watermark, checkpoint, last completed poll, sweep day), without the record
        memory: what decides whether a poll is due, in one GetItem. `get(source, head)` then reads the memory."""
        key = {"id": {"S": f"watermark#{source}"}}
        row = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item", {})
        return self._state(source, row, {})

    def get(self, source: str, head: SourceState | None = None) -> SourceState:
        """The source's whole state in one BatchGetItem; given its `head` (already read), only the memory's parts."""
        watermark_id = f"watermark#{source}"
        ids = [*([] if head is not None else [watermark_id]), *(f"seen#{source}#{n}" for n in range(self._shards))]
        rows = self._batch_get(ids)
        stored = {row_id: row["seen"]["S"] for row_id, row in rows.items() if row_id != watermark_id and "seen" in row}
        if head is None:
            return self._state(source, rows.get(watermark_id, {}), stored)
        memory = self._state(source, {}, stored).seen
        return dataclasses.replace(head, seen={**head.seen, **memory})

    def _state(self, source: str, watermark: dict[str, Any], stored: dict[str, str]) -> SourceState:
        """The state from the watermark item and the memory parts' JSON (`stored`, shard id → text)."""
        self._read[source] = stored
        seen: dict[str, SeenRecord] = {}
        # Before the shards, the memory lived in the watermark item: read it until the next write moves it.
        for text in (watermark.get("seen", {}).get("S") or "{}", *stored.values()):
            seen.update({key: SeenRecord(*entry) for key, entry in json.loads(text).items()})
        value = watermark.get("value", {}).get("S")
        checkpoint = watermark.get("checkpoint", {}).get("S")
        return SourceState(
            watermark=datetime.fromisoformat(value) if value else None,
            seen=seen,
            checkpoint=PollCheckpoint.model_validate_json(checkpoint) if checkpoint else None,
            completed_poll=watermark.get("completed_poll", {}).get("S", ""),
            swept=watermark.get("swept", {}).get("S", ""),
        )

    def put(self, source: str, state: SourceState) -> None:
        """The memory's changed shards, then the watermark item (with the checkpoint of an unfinished poll, whose
        watermark may still be none: a first poll stopped for time)."""
        if state.watermark is None and state.checkpoint is None:
            raise ValueError("a source state is saved with a watermark")
        shards: dict[str, dict[str, tuple[str | int, ...]]] = {f"seen#{source}#{n}": {} for n in range(self._shards)}
        for key, e in state.seen.items():
            entry: tuple[str | int, ...] = (e.listed, e.content, e.day, e.checked)
            shards[self._shard_id(source, key)][key] = (*entry, e.poll) if e.poll else entry
        previous = self._read.pop(source, {})
        changed = {
            shard_id: text
            for shard_id, entries in shards.items()
            if (text := self._fitting_json(entries)) != previous.get(shard_id, "{}")
        }
        self._batch_put([{"id": {"S": shard_id}, "seen": {"S": text}} for shard_id, text in changed.items()])
        # What is written stays what was read: a checkpointed poll writes again only the shards it changed since.
        self._read[source] = {**previous, **changed}
        item: dict[str, Any] = {"id": {"S": f"watermark#{source}"}}
        if state.watermark is not None:
            item["value"] = {"S": state.watermark.isoformat()}
        if state.checkpoint is not None:
            item["checkpoint"] = {"S": state.checkpoint.model_dump_json()}
        if state.completed_poll:
            item["completed_poll"] = {"S": state.completed_poll}
        if state.swept:
            item["swept"] = {"S": state.swept}
        self._client.put_item(TableName=self._table, Item=item)

    def _fitting_json(self, entries: dict[str, Any]) -> str:
        """The shard's JSON within the item budget: beyond it (an extreme backfill), the records seen on the oldest
        days are forgotten, which costs their re-queueing, never a failed poll."""
        text = json.dumps(entries, separators=(",", ":"), sort_keys=True)
        if len(text.encode()) <= self._budget:
            return text
        kept: dict[str, Any] = {}
        size = 2
        for key, entry in sorted(entries.items(), key=lambda pair: pair[1][2], reverse=True):
            size += len(json.dumps({key: entry}, separators=(",", ":")).encode()) - 1  # less its braces, plus a comma
            if size > self._budget:
                break
            kept[key] = entry
        return json.dumps(kept, separators=(",", ":"), sort_keys=True)

    def _batch_get(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        request = {"Keys": [{"id": {"S": row_id}} for row_id in ids], "ConsistentRead": True}
        rows, complete = batch_get(self._client, self._table, request, sleep=self._sleep)
        if not complete:
            # A partial state would forget records (re-queueing them) or lose the watermark (re-reading the window):
            # fail the poll instead, and the next one reads again.
            raise RuntimeError(f"state of {ids[0]} still unread after {BATCH_ATTEMPTS} attempts (throttled)")
        return {row["id"]["S"]: row for row in rows}

    def _batch_put(self, rows: Sequence[dict[str, Any]]) -> None:
        for start in range(0, len(rows), BATCH_WRITE_LIMIT):
            requests = {self._table: [{"PutRequest": {"Item": row}} for row in rows[start : start + BATCH_WRITE_LIMIT]]}
            unwritten = retry_pending(
                self._write, requests, attempts=BATCH_ATTEMPTS, backoff=BATCH_BACKOFF, sleep=self._sleep
            )
            if unwritten:
                raise RuntimeError(f"state shards of {self._table} still unwritten after {BATCH_ATTEMPTS} attempts")

    def _write(self, requests: dict[str, Any]) -> dict[str, Any]:
        """One BatchWriteItem; the requests it left unprocessed."""
        return self._client.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
