"""What a saved watch has matched among the stored items: its query and filters over the search windows, paged.

The search engine (shared/web/search.py) finds the items of the window whose words match the watch's query and whose
source is one of its sources; the timeline rows of those candidates are then read a chunk at a time, newest first,
and the watch's other filters (kinds, events, houses, categories, organisations: all in the notification) decide,
until a page is full. So a page reads the window's words once and the timeline rows of about a page of candidates.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from shared.adapters.read_store import ReadStore, Row
from shared.domain.departments import DEPARTMENTS
from shared.domain.notification import Notification
from shared.watching.watch import Watch
from shared.web.search import Match, search

CANDIDATES_READ = 40
"""Timeline rows read per BatchGetItem while filling a page (the filters may refuse some)."""


@dataclass(frozen=True)
class WatchPage:
    rows: tuple[tuple[Row, Notification], ...]
    older: str | None
    """The sort key to read older matches before, when there are any."""
    newer: str | None
    """The sort key to read newer matches after, when there are any."""


def watch_page(
    store: ReadStore, watch: Watch, size: int, *, before: str | None = None, after: str | None = None
) -> WatchPage:
    """`size` stored items the watch matches, newest first: the newest, those older than `before`, or those just
    newer than `after` (sort keys `<published_at>#<item id>`, comparable across departments)."""
    slugs = list(watch.departments) or [department.slug for department in DEPARTMENTS]
    matches, _ = search(store, watch.parsed_query, slugs, watch.sources, limit=None)
    forward = after is not None and before is None
    if before is not None:
        candidates = [match for match in matches if match.sk < before]
    elif after is not None:
        candidates = [match for match in reversed(matches) if match.sk > after]
    else:
        candidates = matches
    taken: list[tuple[Row, Notification]] = []
    for row, notification in _selected(store, watch, candidates):
        taken.append((row, notification))
        if len(taken) > size:
            break
    more = len(taken) > size
    taken = taken[:size]
    if forward:
        taken.reverse()
    if not taken:
        return WatchPage((), None, None)
    older = taken[-1][0].sk if (more or forward) else None
    newer = taken[0][0].sk if (before is not None or (forward and more)) else None
    return WatchPage(tuple(taken), older, newer)


def _selected(store: ReadStore, watch: Watch, candidates: Sequence[Match]) -> Iterator[tuple[Row, Notification]]:
    """The candidates' rows the watch's filters select, in the candidates' order, read a chunk at a time."""
    for start in range(0, len(candidates), CANDIDATES_READ):
        chunk = candidates[start : start + CANDIDATES_READ]
        for row in store.rows([(match.partition, match.sk) for match in chunk]):
            notification = Notification.model_validate_json(row.notification)
            if watch.selects(notification):
                yield row, notification
