"""The read side's index, written by the notifier from the stream records it already reads.

Each new version of an item becomes (shared/adapters/read_store.py):
- one version row (`item#<id>` / `v#<version>`): the version's notification, with what changed;
- per department, one timeline row (`dept#<slug>`), one in the department's partition for the item's kind
  (`dept#<slug>#<kind>`), and one row of the item's searched words, compressed (`words#<slug>`);
- the delete of the rows the previous version sorted under, when its date (a rescheduled event) or its departments
  changed.

Stream records of one item come in order and a failed batch is retried from its first failed record on, so plain
puts and deletes (BatchWriteItem, no conditions) always end with the latest version's rows: a replay of version N is
followed by the replay of N+1. Rows are written after publishing: an index that cannot be written fails the batch,
whose retry finds every notification in the ledger already published and writes the index again.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from shared.adapters.dynamodb import ITEM_JSON_BUDGET
from shared.adapters.read_store import Key, ReadStore, timeline_key, version_sort_key, versions_key, words_key
from shared.domain.item import Item
from shared.observability import logger
from shared.pipeline.notifying import VersionChange
from shared.watching.query import FIELD_BREAK, SearchText

COMPRESSION = 6
"""zlib's default level: a question's words shrink about threefold, and a search reads three times fewer units."""
STORED_FIELD_BREAK = "|"
"""How the stored words mark a break between two searched fields (a word is letters and digits only)."""


def sort_key(item: Item) -> str:
    """A timeline's sort key: the item's date (published, tabled, or an event's start) in UTC, then its id."""
    return f"{item.published_at.astimezone(UTC).isoformat(timespec='seconds')}#{item.id}"


def searched_words(searched: SearchText, budget: int) -> str:
    """An item's searched words (the watches' `SearchText`) as one string, fields apart, within `budget` bytes."""
    text = " ".join(STORED_FIELD_BREAK if word == FIELD_BREAK else word for word in searched.words)
    if len(text.encode()) <= budget:
        return text
    return text.encode()[: max(budget, 0)].decode(errors="ignore").rsplit(" ", 1)[0]


def index_writes(
    changes: Sequence[VersionChange], fetched_at: Sequence[str | None]
) -> tuple[list[dict[str, Any]], list[Key]]:
    """The puts and deletes for the new versions among `changes` (`fetched_at`: each version's fetch time, as the
    items table stores it), the last operation per key kept (one BatchWriteItem may not name a key twice)."""
    operations: dict[Key, dict[str, Any] | None] = {}
    for change, fetched in zip(changes, fetched_at, strict=True):
        try:
            notifications = change.notifications
        except Exception as error:  # the notifier sets such a record aside with its reason: nothing to index
            logger.warning("version not indexed", extra={"item_id": change.item_id, "error": str(error)})
            continue
        if not notifications or change.new is None or change.search_text is None:
            continue
        item, version = change.new
        words = searched_words(change.search_text, ITEM_JSON_BUDGET)
        bodies = [notification.to_json() for notification in notifications]
        version_at = fetched or datetime.now(UTC).isoformat(timespec="microseconds")
        common = {"item_id": {"S": item.id}, "version": {"N": str(version)}, "version_at": {"S": version_at}}
        common |= {"source": {"S": item.source}, "kind": {"S": item.kind}}
        operations[(versions_key(item.id), version_sort_key(version))] = {
            "pk": {"S": versions_key(item.id)},
            "sk": {"S": version_sort_key(version)},
            "notification": {"S": bodies[0]},
            **common,
        }
        sk = sort_key(item)
        written: set[Key] = set()
        for notification, body in zip(notifications, bodies, strict=True):
            slug = notification.item.department.slug
            row = {"sk": {"S": sk}, "notification": {"S": body}, **common}
            operations[(timeline_key(slug), sk)] = {"pk": {"S": timeline_key(slug)}, **row}
            operations[(timeline_key(slug, item.kind), sk)] = {"pk": {"S": timeline_key(slug, item.kind)}, **row}
            operations[(words_key(slug), sk)] = {
                "pk": {"S": words_key(slug)},
                "sk": {"S": sk},
                "item_id": {"S": item.id},
                "source": {"S": item.source},
                "words": {"B": zlib.compress(words.encode(), COMPRESSION)},
            }
            written |= {(timeline_key(slug), sk), (timeline_key(slug, item.kind), sk), (words_key(slug), sk)}
        if change.old is not None:
            old = change.old[0]
            for department in old.departments:
                slug = department.slug
                for partition in (timeline_key(slug), timeline_key(slug, old.kind), words_key(slug)):
                    key = (partition, sort_key(old))
                    if key not in written:  # its date moved (or the department left): the old row goes
                        operations[key] = None
    puts = [row for row in operations.values() if row is not None]
    deletes = [key for key, row in operations.items() if row is None]
    return puts, deletes


class Indexer:
    def __init__(self, store: ReadStore) -> None:
        self._store = store

    def index(self, records: Sequence[DynamoDBRecord], changes: Sequence[VersionChange]) -> int:
        """Write the rows of the new versions among `changes` (read from `records`, in the same order); the number
        of rows put or deleted."""
        puts, deletes = index_writes(changes, [fetched_at_of(record) for record in records])
        self._store.write(puts, deletes)
        return len(puts) + len(deletes)


def fetched_at_of(record: DynamoDBRecord) -> str | None:
    """When the processor fetched the version in a stream record (the items table's `fetched_at`, UTC)."""
    image = record.dynamodb.new_image if record.dynamodb else None
    value = (image or {}).get("fetched_at")
    return value if isinstance(value, str) else None
