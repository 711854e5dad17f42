"""Which stored items a watch would match (`deptwatch watch test`, the seed's search box): each item's latest version
read as if first seen, so that its events are every event its state stands for (`answered` for an answered question)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from shared.domain.item import Item
from shared.domain.lifecycle import classify, events_of
from shared.domain.notification import Notification
from shared.watching.watch import Watch


def as_stored(item: Item, version: int) -> Notification:
    """A stored version as a watch sees it: its first department's notification, with every event of its state."""
    return Notification.for_department(
        item, version, classify(None, item), item.departments[0], None, events_of(None, item)
    )


def stored_matches(watch: Watch, versions: Iterable[tuple[Item, int]]) -> Iterator[tuple[Item, int]]:
    for item, version in versions:
        if watch.matches(as_stored(item, version)):  # the item's words are read only when the filters hold
            yield item, version
