"""The notifier never loses a batch to one item: a poison stream record (its stored item unreadable, its notification
unrenderable) goes to the NotifierFailureQueue at once with its reason, and the rest of the batch is published; an
unreadable previous version never blocks the versions after it.

The unreadable rows are written as the processor wrote them before it checked dates at the model (issue #11): a
record dated 1800 in London time was stored with the local-mean-time offset "-00:01:15", which no ISO 8601 parser
reads back.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

import shared.adapters.sns as sns

T0 = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)
LMT_DATE = "1800-01-01T00:00:00-00:01:15"


def process_queue_only(stack) -> None:
    while stack.pump_queue(stack.queue_mapping("ProcessorFunction")):
        pass


def stored_json(stack, item_id: str) -> dict[str, Any]:
    row = stack.dynamodb.get_item(TableName=stack.output("ItemsTableName"), Key={"item_id": {"S": item_id}})["Item"]
    return json.loads(row["item"]["S"])


def store_unreadable(stack, like: dict[str, Any], item_id: str) -> None:
    """A row as the processor stored a record dated 1800 before the fix: valid JSON the model cannot read back."""
    item = {**like, "id": item_id, "published_at": LMT_DATE}
    stack.dynamodb.put_item(
        TableName=stack.output("ItemsTableName"),
        Item={
            "item_id": {"S": item_id},
            "version": {"N": "1"},
            "content_hash": {"S": "stored-before-the-fix"},
            "fetched_at": {"S": "2000-01-01T00:00:00.000000+00:00"},
            "source": {"S": "written-questions"},
            "item": {"S": json.dumps(item)},
        },
    )


def failure_queue(stack) -> list[dict[str, Any]]:
    return stack.dead_letters("NotifierFailureQueueUrl")


def item_ids(deliveries) -> list[str]:
    return sorted(d.message["item"]["id"] for d in deliveries)


def test_an_unreadable_stored_item_fails_alone_and_the_rest_of_its_batch_is_published(stack, enqueue, list_records):
    # GIVEN three good records stored, and one row stored unreadable, all in one stream batch
    enqueue(list_records[:3], fetched_at=T0)
    process_queue_only(stack)
    good = [f"written-questions:{r['id']}" for r in list_records[:3]]
    store_unreadable(stack, stored_json(stack, good[0]), "written-questions:1800")
    records = stack.read_stream(stack.stream_mappings[0])

    # WHEN the notifier gets the batch
    response = stack.invoke("NotifierFunction", {"Records": records})

    # THEN nothing is left for the stream to retry, the three good items are published
    assert response == {"batchItemFailures": []}
    assert item_ids(stack.collect_deliveries()) == sorted(good)
    # AND the poison record is on the failure queue once, naming the item and why
    [poison] = failure_queue(stack)
    assert json.loads(poison["Body"])["item_id"] == "written-questions:1800"
    reason = poison["MessageAttributes"]["reason"]["StringValue"]
    assert "unreadable stored item" in reason and "published_at" in reason
    assert poison["MessageAttributes"]["error_type"]["StringValue"] == "PoisonStreamRecord"


def test_an_unreadable_previous_version_does_not_block_the_next_one_which_is_notified_once(
    stack, enqueue, detail_record
):
    # GIVEN an item stored unreadable (version 1), its stream record already set aside
    item_id = f"written-questions:{detail_record['id']}"
    enqueue([detail_record], fetched_at=T0)
    process_queue_only(stack)
    readable = stored_json(stack, item_id)
    stack.dynamodb.delete_item(TableName=stack.output("ItemsTableName"), Key={"item_id": {"S": item_id}})
    stack.drain()
    stack.collect_deliveries()
    store_unreadable(stack, readable, item_id)
    stack.drain()
    assert stack.collect_deliveries() == []
    assert len(failure_queue(stack)) == 1

    # WHEN the record arrives again, now readable (version 2 over the unreadable version 1)
    enqueue([detail_record], fetched_at=T0)
    stack.drain()

    # THEN version 2 is notified, once, as first seen (nothing known before it), and nothing else fails
    [delivery] = stack.collect_deliveries()
    assert (delivery.message["item"]["id"], delivery.message["item"]["version"]) == (item_id, 2)
    assert delivery.message["event"] == "new"
    assert len(failure_queue(stack)) == 1
    # AND a replay of the same stream records publishes nothing again
    stack.stream_mappings[0].iterators.clear()
    stack.drain()
    assert stack.collect_deliveries() == []


@pytest.fixture
def unrenderable(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Item ids whose email cannot be rendered: the OverflowError a year-9999 date raised in rendering."""
    ids: set[str] = set()
    email_text = sns.email_text

    def render(notification):
        if notification.item.id in ids:
            raise OverflowError("date value out of range")
        return email_text(notification)

    monkeypatch.setattr(sns, "email_text", render)
    return ids


def test_an_unrenderable_notification_fails_alone_and_does_not_crash_the_invocation(
    stack, enqueue, list_records, unrenderable
):
    # GIVEN three records stored, one of which cannot be rendered
    enqueue(list_records[:3], fetched_at=T0)
    process_queue_only(stack)
    good = [f"written-questions:{r['id']}" for r in list_records[:3]]
    unrenderable.add(good[1])
    records = stack.read_stream(stack.stream_mappings[0])

    # WHEN the notifier gets the batch
    response = stack.invoke("NotifierFunction", {"Records": records})

    # THEN the invocation ends normally, the two others are published, the poison one is on the failure queue
    assert response == {"batchItemFailures": []}
    assert item_ids(stack.collect_deliveries()) == sorted([good[0], good[2]])
    [poison] = failure_queue(stack)
    assert json.loads(poison["Body"])["item_id"] == good[1]
    assert "OverflowError" in poison["MessageAttributes"]["reason"]["StringValue"]
    # AND it claimed nothing in the ledger (nothing held, nothing marked published)
    claims = stack.dynamodb.scan(TableName=stack.output("StateTableName"))["Items"]
    claimed = {row["id"]["S"].split("#")[1] for row in claims if row["id"]["S"].startswith("published#")}
    assert claimed == {good[0], good[2]}
