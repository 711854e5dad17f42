"""Search over stored items with the watches' query language (shared/watching/query.py).

The engine: the notifier stores each item's searched words once (as the watches compute them), compressed, in a
partition per department beside its timeline; a search reads the window of that partition with one Query (pages of
1 MB, about 2,000 items each) and matches in the Lambda, then reads the timeline rows of the matches only. No index
service to run or pay for while idle; a search costs the window's read units. Matching is substring search on the
stored words (whole words, phrases within one field, prefixes): what `SearchText` answers, without building its word
positions per item.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
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
    found: dict[str, Match] = {}
    read = 0
    for slug in slugs:
        partition = timeline_key(slug)
        top = store.page(partition, 1).rows
        if not top:
            continue
        latest = datetime.fromisoformat(top[0].sk.split("#", 1)[0])
        earliest = (latest - window).astimezone(UTC).isoformat(timespec="seconds")
        for row in store.since(words_key(slug), earliest):
            read += 1
            if row.item_id in found or (sources and row.source not in sources):
                continue
            if _matches(query, row):
                found[row.item_id] = Match(partition, row.sk, row.item_id)
    newest = sorted(found.values(), key=lambda match: match.sk, reverse=True)
    return newest[:limit], read


def _matches(query: Query | None, row: SearchRow) -> bool:
    return query is None or query.matches(cast(SearchText, StoredWords(zlib.decompress(row.words).decode())))
