"""Which watches a notification can match, found from the item's words once, not by asking every watch.

Each watch's query gives a set of *anchors*: words (or word prefixes) at least one of which an item must contain for
the query to match. A word or phrase: its least common-looking word (a phrase needs all its words). `a AND b`: the
anchors of the part that looks rarest (any part's would do: all must match). `a OR b`: the union (either may be the
one that matches), none if a part has none. `NOT a` has none: it matches items *without* something. A watch without
anchors (no query, a pure exclusion) is always a candidate, but only for the departments, sources or kinds its filters
name. An item's candidates are the watches anchored on one of its words, plus those; the exact `Watch.matches` then
decides, so the index can only save work, never change the answer (`tests/unit/watching/test_watch_index.py` checks
that on random queries and items).

Built once per read of the watches (the notifier keeps it with them, a minute), used for every version: a dict lookup
per distinct word of the item, plus one per (word, prefix length in use) for prefix anchors.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from shared.domain.notification import Notification
from shared.watching.query import FIELD_BREAK, All, AnyOf, Node, SearchText, Term
from shared.watching.watch import Watch

COMMON_WORDS = frozenset(
    ("a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is", "it", "of", "on", "or",
     "that", "the", "their", "this", "to", "was", "were", "will", "with")
)  # fmt: skip
"""Words nearly every item contains: a poor anchor when the query offers another."""


@dataclass(frozen=True)
class Anchor:
    """A word an item must contain, or (`prefix`) the start of one."""

    text: str
    prefix: bool = False

    def commonness(self) -> float:
        """A guess at how many items contain it (no statistics: the index is built before any item is seen). Short
        words and prefixes are common, listed function words very common."""
        if self.text in COMMON_WORDS:
            return 100.0
        guess = 10.0 / len(self.text)
        return guess * 3 if self.prefix else guess


Anchors = frozenset[Anchor]


def _commonness(anchors: Anchors) -> float:
    return sum(anchor.commonness() for anchor in anchors)


def anchors_of(node: Node) -> Anchors | None:
    """Words at least one of which an item must contain for `node` to match it; None when no such set exists."""
    if isinstance(node, Term):
        *whole, last = node.words
        choices = [Anchor(word) for word in whole] + [Anchor(last, prefix=node.prefix)]
        return frozenset({min(choices, key=Anchor.commonness)})
    if isinstance(node, All):
        sets = [found for part in node.parts if (found := anchors_of(part)) is not None]
        return min(sets, key=_commonness) if sets else None
    if isinstance(node, AnyOf):
        union: set[Anchor] = set()
        for part in node.parts:
            found = anchors_of(part)
            if found is None:
                return None
            union |= found
        return frozenset(union)
    return None  # Not, or a node this index does not know: always a candidate


class WatchIndex:
    """The watches (any frequency), indexed by their query's anchors and, for those without, by their filters."""

    def __init__(self, watches: Iterable[Watch]) -> None:
        self.watches: tuple[Watch, ...] = tuple(watches)
        self._by_word: dict[str, list[int]] = {}
        self._by_prefix: dict[str, list[int]] = {}
        self._prefix_lengths: tuple[int, ...] = ()
        self._unanchored: dict[tuple[str, str], list[int]] = {}
        """("department"|"source"|"kind", value) or ("", "") for every item → watches without anchors."""
        for at, watch in enumerate(self.watches):
            query = watch.parsed_query
            anchors = anchors_of(query.root) if query is not None else None
            if anchors is None:
                for key in _filter_keys(watch):
                    self._unanchored.setdefault(key, []).append(at)
                continue
            for anchor in anchors:
                (self._by_prefix if anchor.prefix else self._by_word).setdefault(anchor.text, []).append(at)
        self._prefix_lengths = tuple(sorted({len(prefix) for prefix in self._by_prefix}))

    def __iter__(self) -> Iterator[Watch]:
        return iter(self.watches)

    def __len__(self) -> int:
        return len(self.watches)

    def candidates(self, notification: Notification, text: SearchText) -> list[Watch]:
        """The watches that may match this version (a superset of those that do), in the order given."""
        found: set[int] = set()
        item = notification.item
        for key in (("", ""), ("source", item.source), ("kind", item.kind)):
            found.update(self._unanchored.get(key, ()))
        for department in {item.department.slug, *(d.slug for d in item.departments)}:
            found.update(self._unanchored.get(("department", department), ()))
        by_word, by_prefix, lengths = self._by_word, self._by_prefix, self._prefix_lengths
        for word in text.positions:
            if word == FIELD_BREAK:
                continue
            if (anchored := by_word.get(word)) is not None:
                found.update(anchored)
            for length in lengths:
                if length > len(word):
                    break
                if (anchored := by_prefix.get(word[:length])) is not None:
                    found.update(anchored)
        return [self.watches[at] for at in sorted(found)]

    def matching(self, notification: Notification, text: SearchText) -> list[Watch]:
        """The watches this version matches (filters and query, exactly as `Watch.matches`), in the order given.
        Every frequency: a caller wanting some filters on `watch.frequency`."""
        return [watch for watch in self.candidates(notification, text) if watch.matches(notification, text)]


def _filter_keys(watch: Watch) -> Sequence[tuple[str, str]]:
    """Where a watch without anchors is filed: under each department it asks for, else each source, else each kind,
    else under every item. Every filter a watch names must hold for it to match, so filing it under one is enough."""
    if watch.departments:
        return [("department", slug) for slug in watch.departments]
    if watch.sources:
        return [("source", source) for source in watch.sources]
    if watch.kinds:
        return [("kind", kind) for kind in watch.kinds]
    return [("", "")]
