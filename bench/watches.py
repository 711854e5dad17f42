"""Matching 10,000 watches against 1,000 item versions: the notifier's index (`WatchIndex.matching`) against the plain
loop over every watch (`Watch.matches`), on the same versions, with the same answers.

The versions are the recorded items (every source's recordings that parse) in turn, each a new version. The watches
are synthetic, drawn from those items' own words (so they match as often as a watch can on this sample, a pessimistic
case for the index: a real vocabulary is larger, so fewer watches share an item's words) in a realistic mix: single
words, phrases cut from the texts, AND, OR, prefixes, exclusions, filters alone; a third ask for one or two
departments, a tenth for a kind.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from infra.local.replay import recorded_apis
from shared.domain.departments import DEPARTMENTS
from shared.domain.kinds import Kind
from shared.domain.lifecycle import classify, events_of
from shared.domain.notification import Notification
from shared.domain.raw_record import RawRecordMessage
from shared.sources import get_source
from shared.sources.base import PoisonRecordError
from shared.watching.index import COMMON_WORDS, WatchIndex
from shared.watching.query import FIELD_BREAK, SearchText
from shared.watching.watch import Watch

WATCHES = 10_000
VERSIONS = 1_000
LOOP_VERSIONS = 200
"""The plain loop is timed on every fifth version (it takes ~0.1 s each): its per-version figure is what counts."""
SEED = 13


def recorded_versions(count: int) -> list[Notification]:
    """`count` new versions: the recorded items that parse, in turn (as the notifier receives them)."""
    fetched_at = datetime.now(UTC)
    items = []
    for api in recorded_apis():
        # Each fake lives in infra/local/replay/<source>.py.
        source = get_source(type(api).__module__.rsplit(".", 1)[-1].replace("_", "-"))
        records: Any = getattr(api, "details", None) or getattr(api, "records", None) or getattr(api, "events", [])
        for record in records.values() if isinstance(records, dict) else records:
            try:
                items.append(source.parse(RawRecordMessage(source=source.name, record=record, fetched_at=fetched_at)))
            except PoisonRecordError:
                continue  # the recordings keep records a source refuses, for its tests
    versions = []
    for number in range(count):
        item = items[number % len(items)]
        event, events = classify(None, item), events_of(None, item)
        versions.append(Notification.for_department(item, number + 1, event, item.departments[0], None, events))
    return versions


def synthetic_watches(count: int, versions: list[Notification], seed: int = SEED) -> list[Watch]:
    chooser = random.Random(seed)
    texts = [SearchText.of(version.item).words for version in {v.item.id: v for v in versions}.values()]
    vocabulary = sorted(
        {w for text in texts for w in text if w != FIELD_BREAK and len(w) > 3 and not w.isdigit()} - COMMON_WORDS
    )
    slugs = [department.slug for department in DEPARTMENTS]

    def word() -> str:
        return chooser.choice(vocabulary)

    def phrase() -> str:
        text = chooser.choice(texts)
        length = chooser.choice((2, 2, 3))
        start = chooser.randrange(max(1, len(text) - length))
        taken = [w for w in text[start : start + length] if w != FIELD_BREAK] or [word()]
        return '"' + " ".join(taken) + '"'

    shapes: list[tuple[float, Callable[[], str | None]]] = [
        (0.30, word),
        (0.15, phrase),
        (0.15, lambda: f"{word()} AND {word()}"),
        (0.15, lambda: " OR ".join(word() for _ in range(chooser.choice((2, 3))))),
        (0.10, lambda: word()[: chooser.randint(4, 7)] + "*"),
        (0.10, lambda: f"{word()} -{word()}"),
        (0.025, lambda: None),  # filters alone
        (0.025, lambda: f"-{word()}"),  # a pure exclusion: unanchored
    ]
    weights = [weight for weight, _ in shapes]
    watches = []
    for number in range(count):
        query = chooser.choices([shape for _, shape in shapes], weights)[0]()
        departments = tuple(chooser.sample(slugs, chooser.choice((1, 2)))) if chooser.random() < 0.33 else ()
        kinds = (chooser.choice(list(Kind)).value,) if chooser.random() < 0.10 else ()
        if query is None and not departments:
            departments = (chooser.choice(slugs),)
        watches.append(Watch(name=f"w{number}", query=query, departments=departments, kinds=kinds))
    return watches


def watches_bench(watch_count: int = WATCHES, version_count: int = VERSIONS) -> dict[str, float]:
    versions = recorded_versions(version_count)
    watches = synthetic_watches(watch_count, versions)
    for watch in watches:
        _ = watch.parsed_query  # parsed once per read in the notifier too, before any version
    started = time.perf_counter()
    index = WatchIndex(watches)
    build_seconds = time.perf_counter() - started

    text_seconds = index_seconds = 0.0
    candidates: list[int] = []
    matched: list[int] = []
    for version in versions:
        started = time.perf_counter()
        text = SearchText.of(version.item)
        text_seconds += time.perf_counter() - started
        started = time.perf_counter()
        found = index.candidates(version, text)
        matching = [watch for watch in found if watch.matches(version, text)]
        index_seconds += time.perf_counter() - started
        candidates.append(len(found))
        matched.append(len(matching))

    loop_seconds = 0.0
    looped = versions[:: max(1, version_count // LOOP_VERSIONS)]
    for version in looped:
        text = SearchText.of(version.item)
        started = time.perf_counter()
        by_loop = [watch for watch in watches if watch.matches(version, text)]
        loop_seconds += time.perf_counter() - started
        if by_loop != index.matching(version, text):
            raise AssertionError(f"the index and the loop disagree on {version.item.id}")
    return {
        "watches": watch_count,
        "versions": version_count,
        "distinct_items": len({version.item.id for version in versions}),
        "build_ms": build_seconds * 1000,
        "text_us": text_seconds / version_count * 1e6,
        "index_us": index_seconds / version_count * 1e6,
        "loop_us": loop_seconds / len(looped) * 1e6,
        "loop_versions": len(looped),
        "candidates_mean": statistics.mean(candidates),
        "candidates_max": max(candidates),
        "matches_mean": statistics.mean(matched),
    }
