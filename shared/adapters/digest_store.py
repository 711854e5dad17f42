"""What each digest watch matched, in the state table: one row per (watch, UTC day), read back by a digest.

A row `digest#<watch>#<YYYY-MM-DD>` holds a string set of `<epoch seconds>|<item id>` (when the version was stored,
and which item), changed with ADD: adding an entry twice (a stream retry) changes nothing, and two notifiers adding to
the same row never lose each other's. So a digest of (start, end] reads the rows of the days it spans (2 for a day,
8 for a week) and its cost grows with its matches, not with the table (which is mostly the publish ledger).

DynamoDB's 400 KB per item: an entry is at most 311 bytes (an item id is at most 300), so a row part takes at most
PART_ENTRIES of them. Each ADD also adds its entry count to `n` under the condition that the part stays within
PART_ENTRIES; when it would not, the entries go to the next part (`…#<day>#1`, `#2`, …). `n` counts entries added
again too, so it is an upper bound: a part whose `n` is close to full is followed by the reader to the next part.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from shared.adapters.dynamodb import BATCH_GET_LIMIT, batch_get, conditional_failure
from shared.adapters.retry import Sleep

DIGEST_KEY_PREFIX = "digest#"
PART_ENTRIES = 1000
"""Entries per row part: 1000 x 311 bytes stays well within DynamoDB's 409,600 bytes per item."""
ADD_CHUNK = 100
"""Entries per UpdateItem: a part the reader finds with more than PART_ENTRIES - ADD_CHUNK may have refused some."""
RETENTION = timedelta(days=35)
"""Longer than the longest digest period (a week) plus its retries; then the table's TTL removes the row."""
MAX_PARTS = 1000
"""A bound on the parts of one row (a million matches of one watch in a day): beyond it, something is wrong."""


@dataclass(frozen=True, order=True)
class DigestMatch:
    """A version of an item matched a digest watch; `matched_at`: when the version was stored."""

    watch: str
    matched_at: datetime
    item_id: str

    @property
    def entry(self) -> str:
        return f"{int(self.matched_at.timestamp()):010d}|{self.item_id}"


def day_key(watch: str, day: str, part: int = 0) -> str:
    return f"{DIGEST_KEY_PREFIX}{watch}#{day}" + (f"#{part}" if part else "")


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


class DigestMatchStore:
    def __init__(self, client: Any, table_name: str, sleep: Sleep = time.sleep) -> None:
        self._client = client
        self._table = table_name
        self._sleep = sleep

    def record(self, matches: Iterable[DigestMatch]) -> int:
        """Add the matches to their rows (one UpdateItem per row and 100 entries); how many requests it took."""
        rows: dict[tuple[str, str], set[str]] = defaultdict(set)
        latest: dict[tuple[str, str], datetime] = {}
        for match in matches:
            key = (match.watch, _day(match.matched_at))
            rows[key].add(match.entry)
            latest[key] = max(latest.get(key, match.matched_at), match.matched_at)
        requests = 0
        for (watch, day), entries in sorted(rows.items()):
            expiration = int((latest[(watch, day)] + RETENTION).timestamp())
            ordered = sorted(entries)
            part = 0
            for start in range(0, len(ordered), ADD_CHUNK):
                chunk = ordered[start : start + ADD_CHUNK]
                while True:
                    requests += 1
                    if self._add(day_key(watch, day, part), chunk, expiration):
                        break
                    part += 1
                    if part >= MAX_PARTS:
                        raise RuntimeError(f"digest matches of watch {watch!r} on {day} fill {MAX_PARTS} parts")
        return requests

    def _add(self, key: str, entries: Sequence[str], expiration: int) -> bool:
        """Add the entries to one part unless that would take it past PART_ENTRIES; whether they were added."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"id": {"S": key}},
                UpdateExpression="ADD matches :entries, n :count SET expiration = :expiration",
                ConditionExpression="attribute_not_exists(n) OR n <= :room",
                ExpressionAttributeValues={
                    ":entries": {"SS": list(entries)},
                    ":count": {"N": str(len(entries))},
                    ":room": {"N": str(PART_ENTRIES - len(entries))},
                    ":expiration": {"N": str(expiration)},
                },
            )
        except ClientError as error:
            if conditional_failure(error):
                return False
            raise
        return True

    def read(self, watch: str, start: datetime, end: datetime) -> list[str]:
        """The ids of the items the watch matched in (start, end], each once, in the order of their last match."""
        days = []
        moment = start.astimezone(UTC).date()
        while moment <= end.astimezone(UTC).date():
            days.append(moment.isoformat())
            moment += timedelta(days=1)
        low, high = int(start.timestamp()), int(end.timestamp())
        last_match: dict[str, int] = {}
        pending = [day_key(watch, day) for day in days]
        part_of = {day_key(watch, day): (day, 0) for day in days}
        while pending:
            keys, pending = pending[:BATCH_GET_LIMIT], pending[BATCH_GET_LIMIT:]
            request = {"Keys": [{"id": {"S": key}} for key in keys], "ConsistentRead": True}
            rows, complete = batch_get(self._client, self._table, request, sleep=self._sleep)
            if not complete:
                raise RuntimeError(f"the digest matches of watch {watch!r} could not all be read")
            for row in rows:
                for entry in row.get("matches", {}).get("SS", []):
                    seconds, _, item_id = entry.partition("|")
                    if low < int(seconds) <= high:
                        last_match[item_id] = max(last_match.get(item_id, 0), int(seconds))
                if int(row.get("n", {}).get("N", "0")) > PART_ENTRIES - ADD_CHUNK:
                    row_day, part = part_of[row["id"]["S"]]
                    following = day_key(watch, row_day, part + 1)
                    part_of[following] = (row_day, part + 1)
                    pending.append(following)
        return sorted(last_match, key=lambda item_id: (last_match[item_id], item_id))
