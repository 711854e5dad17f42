"""Nothing lost, nothing doubled, nobody in: the whole local pipeline under seeded random faults at every step.

A world of about a hundred upstream records (written questions and statements built from the recorded responses, of
seven departments, changing over three phases: tabled → answered → corrected, published → edited → corrected,
withdrawn, late arrivals; six poison records; records of two departments the stack does not watch) is polled through
the real fetcher, processor and notifier on the local stack, with faults drawn from a seeded generator at every step:
upstream (timeouts, 429 with Retry-After: 0, 5xx, broken JSON, an ignored department filter), AWS (throttled calls,
per-entry failures of SQS SendMessageBatch and SNS PublishBatch, throttled DynamoDB writes, unprocessed ledger writes),
Lambda deaths (the fetcher after queueing and before its watermark; the processor after its write and before its batch
response; the notifier after SNS accepted and before the ledger completed, and after the ledger completed and before
its batch response) and the same SQS batch given to two processors at once.

Each phase is polled until a poll completes (a poll that fails or dies is followed by the next scheduled one, as in
AWS). At the end:
- every upstream item of a watched department is stored exactly in its latest version (content hash of the latest
  upstream record's parse, and as many versions as the record had changes); nothing else is stored;
- every version was notified exactly once per department, with the event of its change; the one documented
  at-least-once window, a notifier that dies after SNS accepted a message and before the ledger marked it completed,
  republishes it once after the lease expires: those messages arrive exactly twice, and no other message more than once;
- the dead-letter queue holds exactly the poison records, each with its reason, once per poll that queued it; a poison
  record that an invocation dead-lettered before dying (or that two concurrent invocations were given) comes back with
  its batch and is dead-lettered again (see test_production_gaps.py);
- no queue holds anything else: the raw-records queue and the notifier's failure queue are empty.

Run with `-s` to see the seed and the table of what was injected and survived. More seeds:
`DEPTWATCH_FAULT_SEEDS=1,2,3 pytest tests/faults`.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.adapters.publish_ledger import ledger_key
from shared.domain.raw_record import RawRecordMessage
from shared.sources import get_source
from tests.faults.harness import deliveries_by_key, format_table, table_rows
from tests.faults.world import PHASES, WorldBuilder, WorldItem

SEEDS = tuple(int(s) for s in os.environ.get("DEPTWATCH_FAULT_SEEDS", "20240105,1679416").split(",") if s.strip())
MAX_POLLS_PER_PHASE = 8


def read_all(stack: Any, output: str) -> list[dict[str, Any]]:
    """Every message on a queue (received and left hidden: the test is over)."""
    url = stack.output(output)
    messages: list[dict[str, Any]] = []
    while batch := stack.sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=60, MessageAttributeNames=["All"]
    ).get("Messages", []):
        messages += batch
    return messages


def stored_items(stack: Any) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for page in stack.dynamodb.get_paginator("scan").paginate(
        TableName=stack.output("ItemsTableName"), ConsistentRead=True
    ):
        for row in page["Items"]:
            rows[row["item_id"]["S"]] = {
                "version": int(row["version"]["N"]),
                "content_hash": row["content_hash"]["S"],
                "item": json.loads(row["item"]["S"]),
            }
    return rows


def latest_hash(item: WorldItem) -> str:
    """The content hash of the latest upstream record's parse (the detail endpoint's form of it)."""
    record = item.record_in(PHASES[-1])
    assert record is not None
    message = RawRecordMessage(source=item.source, record=record, fetched_at=datetime.now(UTC))
    return get_source(item.source).parse(message).content_hash()


def history(item: WorldItem, deliveries: list[Any]) -> str:
    """What the item's department was told, version by version: shown when an assertion on the item fails."""
    lines = [f"{item.item_id} ({item.lifecycle}, {item.department}):"]
    for delivery in sorted(deliveries, key=lambda d: d.message["item"]["version"]):
        if delivery.message["item"]["id"] == item.item_id:
            changes = delivery.message.get("changes") or {}
            lines.append(
                f"  v{delivery.message['item']['version']} {delivery.message['event']}: "
                f"changed {changes.get('fields')} {changes.get('summary')}"
            )
    return "\n".join(lines)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_version_is_stored_and_notified_once_under_seeded_faults(rig_factory, seed):
    started = time.perf_counter()
    # GIVEN the seeded world and the stack with faults injected at every step
    world = WorldBuilder(seed).build()
    rig = rig_factory(seed)
    stack, ledger = rig.stack, rig.injector.ledger

    # WHEN each phase of the world is polled until a poll completes, the pipeline draining after every poll
    for phase in PHASES:
        rig.upstream.show(world, phase)
        for _ in range(MAX_POLLS_PER_PHASE):
            outcome = rig.pipeline.poll(phase)
            rig.pipeline.drain()
            if outcome.complete:
                break
        else:
            pytest.fail(f"seed {seed}: phase {phase} had no complete poll in {MAX_POLLS_PER_PHASE}")

    deliveries = stack.collect_deliveries()
    delivered = deliveries_by_key(deliveries)
    dead = read_all(stack, "DeadLetterQueueUrl")
    dead_bodies = Counter(message["Body"] for message in dead)
    stored = stored_items(stack)

    items = [item for item in world if item.watched and not item.poison]
    poison = {item.upstream_id: item for item in world if item.poison}
    versions = {item.item_id: item.expected_versions() for item in items}
    expected_keys = {
        (item.item_id, number, item.department)
        for item in items
        for number in range(1, len(versions[item.item_id]) + 1)
    }
    in_window = {key for key in delivered if ledger_key(*key) in ledger.publish_window}
    queued_poison = Counter(
        {body: n for body, n in ledger.queued_bodies.items() if json.loads(body)["record"]["id"] in poison}
    )
    polls = rig.pipeline.polls
    print(
        "\n"
        + format_table(
            f"deptwatch fault run, seed {seed}: {len(world)} upstream records ({len(items)} items of watched "
            f"departments, {len(poison)} poison, {sum(not i.watched for i in world)} of unwatched departments), "
            f"{len(PHASES)} phases",
            table_rows(ledger),
            [
                f"polls: {len(polls)} ({sum(p.died for p in polls)} died, "
                f"{sum(bool(p.failed_sources) for p in polls)} with a failed source); "
                f"upstream requests: {rig.upstream.requests}; waits asked for (not slept): {len(rig.backoff)}",
                f"stored: {len(stored)} items, {sum(r['version'] for r in stored.values())} versions "
                f"(expected {len(items)} items, {len(expected_keys)} versions)",
                f"notified: {sum(delivered.values())} messages for {len(delivered)} (item, version, department); "
                f"{len(in_window)} delivered twice, all in the documented window "
                f"({len(ledger.publish_window)} ledger keys caught by a death after SNS accepted)",
                f"dead-letter queue: {len(dead)} messages, {len({json.loads(b)['record']['id'] for b in dead_bodies})} "
                f"poison records, {sum(queued_poison.values())} poison messages queued, "
                f"{sum(dead_bodies.values()) - len(dead_bodies)} extra copies from redelivered batches",
                *(f"  poll {number}, {poll.describe()}" for number, poll in enumerate(polls, 1)),
                f"run time: {time.perf_counter() - started:.1f} s",
            ],
        ),
    )

    # THEN nothing is left in flight, and the notifier never gave up on a batch
    assert read_all(stack, "RawRecordsQueueUrl") == []
    assert read_all(stack, "NotifierFailureQueueUrl") == []

    # AND exactly the watched departments' items are stored, each in its latest upstream version
    assert sorted(stored) == sorted(versions), "stored items differ from the upstream items of watched departments"
    for item in items:
        row = stored[item.item_id]
        assert row["version"] == len(versions[item.item_id]), history(item, deliveries)
        assert row["content_hash"] == latest_hash(item), f"{item.item_id} is not stored in its latest version"

    # AND every version was notified to its department, with the event of its change
    assert set(delivered) == expected_keys
    for delivery in deliveries:
        message = delivery.message
        expected_event = versions[message["item"]["id"]][message["item"]["version"] - 1]
        assert message["event"] == expected_event, f"{message['item']['id']} v{message['item']['version']}"
        assert expected_event in delivery.attributes["event"] == message["events"]
        assert message["item"]["url"] in delivery.email

    # AND exactly once, except the documented window: a death after SNS accepted and before the ledger completed
    # republishes those messages once after the lease: exactly twice, and only they
    doubled = {key: count for key, count in delivered.items() if count > 1}
    assert {key: count for key, count in doubled.items() if key not in in_window} == {}
    assert all(delivered[key] == 2 for key in in_window), {key: delivered[key] for key in in_window}

    # AND the dead-letter queue holds exactly the poison records, each with its reason
    assert {json.loads(body)["record"]["id"] for body in dead_bodies} == set(poison)
    for message in dead:
        record_id = json.loads(message["Body"])["record"]["id"]
        attributes = message["MessageAttributes"]
        assert attributes["error_type"]["StringValue"] == "PoisonRecord"
        assert poison[record_id].poison in attributes["reason"]["StringValue"], attributes["reason"]["StringValue"]
    # AND each poison message that was queued is there once; twice only if its batch came back after it was
    # dead-lettered (an invocation that died after it, or a concurrent delivery)
    assert set(dead_bodies) == set(queued_poison)
    assert {body: n for body, n in dead_bodies.items() if n > 1 and body not in ledger.dead_letter_window} == {}
    assert max(dead_bodies.values()) <= 2
