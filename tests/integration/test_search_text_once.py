"""A version's searched words are read once in the notifier, however many readers need them: the immediate watches,
the digest watches and the read index (each used to read them again, the index from the stored item)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from shared.watching.query import SearchText
from shared.watching.watch import Watch

T0 = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)


def test_each_new_versions_words_are_read_once(stack, enqueue, detail_record, list_records, monkeypatch):
    # GIVEN an immediate watch and a daily watch with queries, and stored versions of four items
    stack.add_watches(
        [Watch(name="now", query="school OR pupils"), Watch(name="daily", query="school", frequency="daily")]
    )
    enqueue([detail_record, *list_records[:3]], fetched_at=T0)
    while stack.pump_queue(stack.queue_mapping("ProcessorFunction")):
        pass
    records = stack.read_stream(stack.stream_mappings[0])
    read: Counter[str] = Counter()
    words_of = SearchText.of.__func__  # type: ignore[attr-defined]

    def counted(cls: type[SearchText], item: Any) -> SearchText:
        read[item.id] += 1
        return words_of(cls, item)  # type: ignore[no-any-return]

    monkeypatch.setattr(SearchText, "of", classmethod(counted))

    # WHEN the notifier publishes them, records the digest matches and writes the read index
    assert stack.invoke("NotifierFunction", {"Records": records}) == {"batchItemFailures": []}

    # THEN each version's words were read once
    assert len(read) == 4
    assert set(read.values()) == {1}, read
