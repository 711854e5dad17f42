"""Search over stored items with the watches' query language (shared/watching/query.py).

The engine: the notifier stores each item's searched words once (as the watches compute them), compressed, in a
partition per department beside its timeline; a search reads the window of that partition (its months queried
concurrently, each a key range of about half a megabyte: one round trip, not a 1 MB page after another) and matches
in the Lambda, then reads the timeline rows of the matches only. No index service to run or pay for while idle; a
search costs the window's read units. Matching is substring search on the stored words (whole words, phrases within
one field, prefixes): what `SearchText` answers, without building its word positions per item.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import cast

from shared.adapters.read_store import ReadStore, SearchRow, timeline_key, words_key
from shared.watching.query import Query, SearchText

DEPARTMENT_WINDOW = timedelta(days=366)
"""How far back a search of one department reads."""
ALL_DEPARTMENTS_WINDOW = timedelta(days=31)
"""How far back a search of every department reads (a partition per department)."""
RANGE_SPAN = timedelta(days=31)
"""A window is read as key ranges of this span, all at once: a department's year is 12 Queries of about half a
megabyte each, in parallel (one round trip), not six 1 MB pages one after another."""
CONCURRENT_READS = 10
"""Queries in flight at once: botocore's connection pool keeps 10 per client (more would open and drop sockets)."""
FIELD_BREAK_STORED = "|"


class StoredWords:
    """`SearchText`'s answers from the stored words string: ' a b | c d ' (fields apart)."""

    def __init__(self, stored: str) -> None:
        self._padded = f" {stored} "

    def has_phrase(self, phrase: Sequence[str]) -> bool:
        return f" {' '.join(phrase)} " in self._padded

    def has_prefix(self, prefix: str) -> bool:
        return f" {prefix}" in self._padded

    @cached_property
    def _text(self) -> SearchText:
        """The full SearchText, built only for a phrase ending in a prefix (it reads word positions)."""
        return SearchText.of_texts(self._padded.split(f" {FIELD_BREAK_STORED} "))

    @property
    def words(self) -> tuple[str, ...]:
        return self._text.words

    @property
    def positions(self) -> dict[str, tuple[int, ...]]:
        return self._text.positions


@dataclass(frozen=True)
class Match:
    partition: str
    sk: str
    item_id: str


def search(
    store: ReadStore,
    query: Query | None,
    departments: Iterable[str],
    sources: Sequence[str] = (),
    limit: int | None = 50,
) -> tuple[list[Match], int]:
    """The newest `limit` items matching (all with None; every item of the window without a query), and how many
    rows were read. One department: the year before its newest item; several: each one's month before its newest.
    An item of several departments is found once."""
    slugs = list(departments)
    window = DEPARTMENT_WINDOW if len(slugs) == 1 else ALL_DEPARTMENTS_WINDOW
    with ThreadPoolExecutor(max_workers=CONCURRENT_READS) as pool:
        newest = list(pool.map(lambda slug: _newest(store, slug), slugs))
        ranges = [
            (slug, *bounds)
            for slug, latest in zip(slugs, newest, strict=True)
            if latest is not None
            for bounds in _slices(latest - window, latest)
        ]
        read_ranges = list(pool.map(lambda one: _read_range(store, query, sources, *one), ranges))
    found: dict[str, Match] = {}
    read = 0
    for matches, count in read_ranges:  # in the departments' order: an item of several is found in the first
        read += count
        for match in matches:
            found.setdefault(match.item_id, match)
    newest_first = sorted(found.values(), key=lambda match: match.sk, reverse=True)
    return newest_first[:limit], read


def _newest(store: ReadStore, slug: str) -> datetime | None:
    top = store.page(timeline_key(slug), 1).rows
    return datetime.fromisoformat(top[0].sk.split("#", 1)[0]) if top else None


def _slices(earliest: datetime, latest: datetime) -> list[tuple[str, str | None]]:
    """The window as key ranges [from, until) of RANGE_SPAN each, the newest one open above (items indexed while
    the search runs are found, as one Query would find them)."""
    starts = [earliest]
    while starts[-1] + RANGE_SPAN < latest:
        starts.append(starts[-1] + RANGE_SPAN)
    bounds = [start.astimezone(UTC).isoformat(timespec="seconds") for start in starts]
    return list(zip(bounds, [*bounds[1:], None], strict=True))


def _read_range(
    store: ReadStore, query: Query | None, sources: Sequence[str], slug: str, earliest: str, until: str | None
) -> tuple[list[Match], int]:
    """The matches among one key range's rows (read and matched in a worker thread), and how many rows it read."""
    partition = timeline_key(slug)
    matches, read = [], 0
    for row in store.since(words_key(slug), earliest, until):
        read += 1
        if (not sources or row.source in sources) and _matches(query, row):
            matches.append(Match(partition, row.sk, row.item_id))
    return matches, read


def _matches(query: Query | None, row: SearchRow) -> bool:
    return query is None or query.matches(cast(SearchText, StoredWords(zlib.decompress(row.words).decode())))
