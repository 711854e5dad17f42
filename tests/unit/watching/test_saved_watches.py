"""The notifier's immediate and digest readers share one read of the saved watches a minute, not one each."""

from __future__ import annotations

from shared.adapters.watch_store import DigestWatches, ImmediateWatches, SavedWatches
from shared.watching.watch import Watch


class CountingStore:
    """Stands in for WatchStore (our adapter, not boto3): counts the reads."""

    def __init__(self, watches: list[Watch]) -> None:
        self.watches = watches
        self.reads = 0

    def list(self) -> list[Watch]:
        self.reads += 1
        return list(self.watches)


def test_the_immediate_and_digest_readers_share_one_read_per_minute() -> None:
    now = [0.0]
    store = CountingStore([Watch(name="now", query="schools"), Watch(name="daily", query="schools", frequency="daily")])
    saved = SavedWatches(store, ttl=60, clock=lambda: now[0])  # type: ignore[arg-type]
    immediate, digests = ImmediateWatches(saved), DigestWatches(saved)

    assert [w.name for w in immediate()] == ["now"] and [w.name for w in digests()] == ["daily"]
    now[0] = 30.0
    immediate(), digests()
    assert store.reads == 1

    # A minute later one new read serves both, and each index follows it.
    store.watches.append(Watch(name="weekly", frequency="weekly"))
    now[0] = 61.0
    assert [w.name for w in digests()] == ["daily", "weekly"] and [w.name for w in immediate()] == ["now"]
    assert store.reads == 2


def test_an_immediate_reader_given_the_store_reads_it_itself() -> None:
    store = CountingStore([Watch(name="now")])
    reader = ImmediateWatches(store, ttl=60, clock=lambda: 0.0)  # type: ignore[arg-type]
    assert len(reader()) == len(reader()) == 1 and store.reads == 1
