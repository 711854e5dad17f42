"""The watch store on moto's DynamoDB (the stack's state table): put, list, get, delete; and the notifier's cache."""

from __future__ import annotations

from shared.adapters.watch_store import ImmediateWatches, WatchStore
from shared.watching.watch import Watch


def test_put_list_get_delete(stack) -> None:
    store = WatchStore(stack.dynamodb, stack.output("StateTableName"))
    assert store.list() == []
    store.put(Watch(name="b", query="water"))
    store.put(Watch(name="a", frequency="weekly"))
    store.put(Watch(name="b", query="water -waste"))  # replaced, listed once
    assert [(w.name, w.query) for w in store.list()] == [("a", None), ("b", "water -waste")]
    assert store.get("a") == Watch(name="a", frequency="weekly")
    assert store.delete("a") is True
    assert store.delete("a") is False
    assert store.get("a") is None
    assert [w.name for w in store.list()] == ["b"]


def test_an_unreadable_stored_watch_is_skipped_not_fatal(stack) -> None:
    table = stack.output("StateTableName")
    store = WatchStore(stack.dynamodb, table)
    store.put(Watch(name="good"))
    store.put(Watch(name="retired"))
    stack.dynamodb.put_item(
        TableName=table,
        Item={"id": {"S": "watch#retired"}, "watch": {"S": '{"name": "retired", "departments": ["gone"]}'}},
    )
    assert [w.name for w in store.list()] == ["good"]


def test_the_notifier_reads_the_watches_once_per_ttl(stack) -> None:
    store = WatchStore(stack.dynamodb, stack.output("StateTableName"))
    now = [0.0]
    watches = ImmediateWatches(store, ttl=60, clock=lambda: now[0])
    store.put(Watch(name="first"))
    store.put(Watch(name="digest", frequency="daily"))
    assert [w.name for w in watches()] == ["first"]
    store.put(Watch(name="second"))
    now[0] = 59.0
    assert [w.name for w in watches()] == ["first"]  # cached
    now[0] = 60.0
    assert [w.name for w in watches()] == ["first", "second"]
