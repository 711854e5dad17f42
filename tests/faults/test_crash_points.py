"""Each crash point of the pipeline on its own, deterministically: where a Lambda dies, what comes back, and that the
end result is still every version stored once and notified once per department; and the one documented window where
a message is notified twice, asserted as exactly that.

The same faults run at random in test_seeded_faults.py; here each one is forced at a chosen point, with no other
fault, so that a regression names its crash point.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest

from shared.adapters.publish_ledger import ledger_key
from tests.faults.harness import deliveries_by_key
from tests.faults.test_seeded_faults import read_all, stored_items
from tests.faults.world import WorldBuilder, WorldItem

DFE = "department-for-education"
DHSC = "department-of-health-and-social-care"


def small_world() -> list[WorldItem]:
    """Four questions and two statements of several departments, no poison: every phase-1 record is new."""
    return WorldBuilder(7, questions=4, statements=2).build(poison=False, unwatched=False)


def expected_first_versions(world: list[WorldItem]) -> set[tuple[str, int, str]]:
    return {(item.item_id, 1, item.department) for item in world if item.record_in(1) is not None}


def run_phase(rig: Any, world: list[WorldItem], phase: int = 1) -> Any:
    rig.upstream.show(world, phase)
    outcome = rig.pipeline.poll(phase)
    rig.pipeline.drain()
    return outcome


def ledger_status(stack: Any, key: str) -> str | None:
    row = stack.dynamodb.get_item(
        TableName=stack.output("StateTableName"), Key={"id": {"S": key}}, ConsistentRead=True
    ).get("Item")
    return row["status"]["S"] if row else None


def watermark(stack: Any, source: str) -> str | None:
    row = stack.dynamodb.get_item(
        TableName=stack.output("StateTableName"), Key={"id": {"S": f"watermark#{source}"}}, ConsistentRead=True
    ).get("Item")
    return row["value"]["S"] if row else None


def assert_settled(stack: Any) -> None:
    assert read_all(stack, "RawRecordsQueueUrl") == []
    assert read_all(stack, "NotifierFailureQueueUrl") == []
    assert read_all(stack, "DeadLetterQueueUrl") == []


def test_a_fetcher_that_dies_after_queueing_and_before_its_watermark_loses_nothing_and_doubles_nothing(rig_factory):
    # GIVEN a fetcher that dies after queueing the first source's records, before saving its watermark
    world = small_world()
    rig = rig_factory(enabled=False)
    rig.injector.force("fetcher died after enqueue, before watermark")

    # WHEN the schedule fires and the pipeline runs
    first = run_phase(rig, world)

    # THEN the invocation failed, and no watermark was saved
    assert first.died
    assert watermark(rig.stack, "written-questions") is None
    delivered = deliveries_by_key(rig.stack.collect_deliveries())
    # AND what it queued before dying was processed and notified (the questions; it never reached the statements)
    questions = {key for key in expected_first_versions(world) if key[0].startswith("written-questions:")}
    assert delivered == Counter(dict.fromkeys(questions, 1))

    # WHEN the next schedule fires: it reads the same window again and queues the questions again
    second = run_phase(rig, world)

    # THEN the poll completes and saves the watermarks; the questions queued again change nothing and are not
    # notified again, the statements are notified now: every version once
    assert second.complete
    present = Counter(item.source for item in world if item.record_in(1) is not None)
    # (since issue #12 the died poll's message comes back and re-queues them; the new schedule's polls then find them)
    queued: Counter[str] = Counter()
    for report in second.reports:
        queued[report["source"]] += report["queued"]
    assert queued == present
    assert watermark(rig.stack, "written-questions") is not None
    delivered += deliveries_by_key(rig.stack.collect_deliveries())
    assert delivered == Counter(dict.fromkeys(expected_first_versions(world), 1))
    assert all(row["version"] == 1 for row in stored_items(rig.stack).values())
    assert_settled(rig.stack)


def test_a_processor_that_dies_after_writing_and_before_its_batch_response_doubles_nothing(rig_factory):
    # GIVEN a processor that dies right after its second item write, before it returns the batch response
    world = small_world()
    rig = rig_factory(enabled=False)
    rig.injector.force("processor died after the item write", skip=1)

    # WHEN the records are fetched and the pipeline runs
    run_phase(rig, world)

    # THEN the batch came back (SQS) and was processed again: the written items were found unchanged, every item is
    # version 1 and every department heard of each item once
    assert rig.injector.ledger.injected["processor died after the item write"] == 1
    assert all(row["version"] == 1 for row in stored_items(rig.stack).values())
    assert len(stored_items(rig.stack)) == len(expected_first_versions(world))
    assert deliveries_by_key(rig.stack.collect_deliveries()) == Counter(
        dict.fromkeys(expected_first_versions(world), 1)
    )
    assert_settled(rig.stack)


def test_the_documented_window_a_notifier_that_dies_after_sns_accepted_republishes_once_after_the_lease(rig_factory):
    """ARCHITECTURE.md, "Nothing notified twice": the one window left is a crash between SNS accepting a message and
    the claim being marked completed. The claim stays IN_PROGRESS; once its lease (the dead notifier's deadline and a
    margin) has ended, the stream's retry claims it again and publishes it again: subscribers get that message twice.
    The retry waits for the lease on the fake clock (test_ledger_window.py: at every retry spacing)."""
    # GIVEN a notifier that dies after SNS accepted its messages, before the ledger marks them completed
    world = small_world()
    rig = rig_factory(enabled=False)
    rig.injector.force("notifier died after SNS accepted, before ledger complete")

    # WHEN the records are fetched and the pipeline runs (the stream's retry waits for the lease to end)
    run_phase(rig, world)

    # THEN every message of that invocation arrived exactly twice: at most one duplicate, and only in that window
    delivered = deliveries_by_key(rig.stack.collect_deliveries())
    window = rig.injector.ledger.publish_window
    assert window == {ledger_key(*key) for key in expected_first_versions(world)}
    assert delivered == Counter(dict.fromkeys(expected_first_versions(world), 2))
    # AND the retry completed the claims: a further replay publishes nothing
    assert all(ledger_status(rig.stack, key) == "COMPLETED" for key in window)
    assert_settled(rig.stack)


def test_a_notifier_that_dies_after_the_ledger_completed_and_before_its_batch_response_doubles_nothing(rig_factory):
    # GIVEN a notifier that dies after the ledger marked its messages completed, before it returns
    world = small_world()
    rig = rig_factory(enabled=False)
    rig.injector.force("notifier died after ledger complete, before batch response")

    # WHEN the records are fetched and the pipeline runs (the stream retries the batch)
    run_phase(rig, world)

    # THEN the retry found every message published: each arrived once
    assert rig.injector.ledger.injected["notifier died after ledger complete, before batch response"] == 1
    assert deliveries_by_key(rig.stack.collect_deliveries()) == Counter(
        dict.fromkeys(expected_first_versions(world), 1)
    )
    assert_settled(rig.stack)


@pytest.mark.parametrize("changed", [False, True], ids=["new-record", "changed-record"])
def test_two_processors_given_the_same_message_at_once_write_it_once(rig_factory, changed):
    # GIVEN one question (stored already as tabled, for the changed case) and its message on the queue
    builder = WorldBuilder(11)
    world = [builder.question(0, DFE, "tabled-answered")]
    rig = rig_factory(enabled=False)
    if changed:
        run_phase(rig, world, 1)
        rig.stack.collect_deliveries()
    rig.upstream.show(world, 2 if changed else 1)
    assert rig.pipeline.poll(2 if changed else 1).complete

    # AND both invocations held at their item write until the other one is there too
    barrier = threading.Barrier(2, timeout=10)
    writes: list[str] = []

    def hold(params: dict[str, Any]) -> None:
        writes.append(params["Key"]["item_id"]["S"])
        barrier.wait()

    rig.injector.hold_update = hold

    # WHEN SQS gives the same message to two processor invocations running at the same time
    assert rig.pipeline.deliver_twice(rig.stack.queue_mapping("ProcessorFunction"))
    rig.injector.hold_update = None
    rig.pipeline.drain()

    # THEN both tried the conditional write, one write won: one new version, and its department was told once
    assert writes == [world[0].item_id] * 2
    version = 2 if changed else 1
    assert stored_items(rig.stack)[world[0].item_id]["version"] == version
    delivered = deliveries_by_key(rig.stack.collect_deliveries())
    assert delivered == Counter({(world[0].item_id, version, DFE): 1})
    assert_settled(rig.stack)
