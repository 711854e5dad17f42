"""The read table: what the read side serves, one partition per department timeline and per item's versions.

Keys (`pk`, `sk`, both strings):
- `dept#<slug>` / `<published_at UTC>#<item id>`: a department's timeline, newest first when read backwards; the row
  holds the latest version's notification (JSON, for that department);
- `dept#<slug>#<kind>` / the same sort key: the same row, one partition per kind, so a kind filter and the calendar
  (scheduled events) read only their own rows;
- `words#<slug>` / the same sort key: the item's searched words, zlib-compressed, and its source: all a search reads
  of an item it does not find (a few hundred bytes, against the notification's few KB);
- `item#<item id>` / `v#<version, 10 digits>`: every version of an item, its notification with what changed.

The notifier writes it from the stream it already reads (shared/pipeline/indexing.py); the read API only reads.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from shared.adapters.dynamodb import BATCH_ATTEMPTS, BATCH_BACKOFF, BATCH_GET_LIMIT, BATCH_WRITE_LIMIT, batch_get
from shared.adapters.retry import Sleep, retry_pending

Key = tuple[str, str]
FILTERED_READ = 200


def timeline_key(slug: str, kind: str | None = None) -> str:
    return f"dept#{slug}#{kind}" if kind else f"dept#{slug}"


def words_key(slug: str) -> str:
    return f"words#{slug}"


def versions_key(item_id: str) -> str:
    return f"item#{item_id}"


def version_sort_key(version: int) -> str:
    return f"v#{version:010d}"


class IndexWriteError(RuntimeError):
    """Rows DynamoDB still had not written after the retries: the stream retries the batch."""


@dataclass(frozen=True)
class Row:
    """One row of a timeline or of an item's versions, as read."""

    pk: str
    sk: str
    item_id: str
    version: int
    notification: str
    """The notification JSON (shared.domain.notification.Notification) of this version for this partition."""
    version_at: str
    """When deptwatch fetched this version (UTC ISO 8601): Atom's `updated`, HTTP's Last-Modified."""

    @classmethod
    def of(cls, row: dict[str, Any]) -> Row:
        return cls(
            pk=row["pk"]["S"],
            sk=row["sk"]["S"],
            item_id=row["item_id"]["S"],
            version=int(row["version"]["N"]),
            notification=row["notification"]["S"],
            version_at=row["version_at"]["S"],
        )


@dataclass(frozen=True)
class SearchRow:
    """What a search reads of each item to decide: the timeline row is read for the matches only."""

    sk: str
    item_id: str
    source: str
    words: bytes
    """The searched words, zlib-compressed (shared/pipeline/indexing.py)."""


@dataclass(frozen=True)
class Page:
    rows: tuple[Row, ...]
    older: str | None
    """The sort key to read older rows before, when there are any."""
    newer: str | None
    """The sort key to read newer rows after, when there are any."""


class ReadStore:
    def __init__(self, client: Any, table_name: str, sleep: Sleep = time.sleep) -> None:
        self._client = client
        self._table = table_name
        self._sleep = sleep

    # -- writing (the notifier) -------------------------------------------------------------------------------------

    def write(self, puts: Sequence[dict[str, Any]], deletes: Sequence[Key]) -> None:
        """Put and delete rows with BatchWriteItem (25 a call), unprocessed ones retried; IndexWriteError if some are
        still left. A key must appear once across both (the caller keeps the last operation per key)."""
        requests: list[dict[str, Any]] = [{"PutRequest": {"Item": put}} for put in puts]
        requests += [{"DeleteRequest": {"Key": {"pk": {"S": pk}, "sk": {"S": sk}}}} for pk, sk in deletes]
        for start in range(0, len(requests), BATCH_WRITE_LIMIT):
            chunk = requests[start : start + BATCH_WRITE_LIMIT]

            def send(pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
                response = self._client.batch_write_item(RequestItems={self._table: pending})
                return list(response.get("UnprocessedItems", {}).get(self._table, []))

            left = retry_pending(send, chunk, attempts=BATCH_ATTEMPTS, backoff=BATCH_BACKOFF, sleep=self._sleep)
            if left:
                raise IndexWriteError(f"{len(left)} read-table row(s) not written after {BATCH_ATTEMPTS} attempts")

    # -- reading (the read API) -------------------------------------------------------------------------------------

    def page(
        self,
        partition: str,
        size: int,
        *,
        before: str | None = None,
        after: str | None = None,
        sources: Sequence[str] = (),
    ) -> Page:
        """`size` rows of a timeline partition, newest first: the newest, those older than `before`, or those just
        newer than `after`; only of `sources` when given (a filter, so DynamoDB reads past the others)."""
        forward = after is not None and before is None
        condition, values = "pk = :pk", {":pk": {"S": partition}}
        if before is not None:
            condition += " AND sk < :cursor"
            values[":cursor"] = {"S": before}
        elif after is not None:
            condition += " AND sk > :cursor"
            values[":cursor"] = {"S": after}
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": forward,
        }
        if sources:
            names = [f":source{i}" for i in range(len(sources))]
            request["FilterExpression"] = f"#source IN ({', '.join(names)})"
            request["ExpressionAttributeNames"] = {"#source": "source"}
            values.update({name: {"S": source} for name, source in zip(names, sources, strict=True)})
        rows: list[Row] = []
        for row in self._query(request, limit=size + 1):
            rows.append(Row.of(row))
        more = len(rows) > size
        rows = rows[:size]
        if forward:
            rows.reverse()
        if not rows:
            return Page((), None, None)
        older = rows[-1].sk if (more or forward) else None
        newer = rows[0].sk if (before is not None or (forward and more)) else None
        return Page(tuple(rows), older, newer)

    def since(self, partition: str, earliest: str, until: str | None = None) -> Iterator[SearchRow]:
        """Every row of a words partition sorted at or after `earliest` (and before `until`), newest first. The
        bounds are bare timestamps, which no sort key (`<timestamp>#<id>`) equals: BETWEEN reads [earliest, until)."""
        values = {":pk": {"S": partition}, ":earliest": {"S": earliest}}
        condition = "pk = :pk AND sk >= :earliest"
        if until is not None:
            condition = "pk = :pk AND sk BETWEEN :earliest AND :until"
            values[":until"] = {"S": until}
        request = {
            "TableName": self._table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ProjectionExpression": "sk, item_id, #source, words",
            "ExpressionAttributeNames": {"#source": "source"},
            "ScanIndexForward": False,
        }
        for row in self._query(request):
            yield SearchRow(row["sk"]["S"], row["item_id"]["S"], row["source"]["S"], row.get("words", {}).get("B", b""))

    def rows(self, keys: Sequence[Key]) -> list[Row]:
        """The rows at `keys`, in the order asked (BatchGetItem of 100; one not found is left out)."""
        found: dict[Key, Row] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), BATCH_GET_LIMIT):
            request = {
                "Keys": [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in unique[start : start + BATCH_GET_LIMIT]],
                "ProjectionExpression": "pk, sk, item_id, version, notification, version_at",
            }
            read, _ = batch_get(self._client, self._table, request, sleep=self._sleep)
            for row in read:
                parsed = Row.of(row)
                found[(parsed.pk, parsed.sk)] = parsed
        return [found[key] for key in unique if key in found]

    def versions(self, item_id: str) -> list[Row]:
        """Every stored version of an item, newest first."""
        request = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": versions_key(item_id)}},
            "ScanIndexForward": False,
        }
        return [Row.of(row) for row in self._query(request)]

    def _query(self, request: dict[str, Any], limit: int | None = None) -> Iterator[dict[str, Any]]:
        """The rows of a Query, page after page (1 MB each), until `limit` rows have come (filters included)."""
        given = 0
        while True:
            if limit is not None:
                # With a filter DynamoDB's Limit counts the rows it reads, not those it returns: read more at once.
                request["Limit"] = FILTERED_READ if "FilterExpression" in request else max(limit - given, 1)
            response = self._client.query(**request)
            for row in response.get("Items", []):
                yield row
                given += 1
                if limit is not None and given >= limit:
                    return
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
