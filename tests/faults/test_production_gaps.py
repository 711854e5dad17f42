"""Guarantees of "nothing lost, nothing doubled" that the production code does not keep yet: each test states the
guarantee, drives the fault or the upstream change that breaks it, and is a strict xfail until the fix named in its
reason lands (then it passes, fails as XPASS, and the mark must go).
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.faults.harness import deliveries_by_key
from tests.faults.test_crash_points import run_phase
from tests.faults.test_seeded_faults import read_all, stored_items
from tests.faults.world import WorldBuilder, WorldItem

DFE = "department-for-education"
DHSC = "department-of-health-and-social-care"
DEFRA = "department-for-environment-food-rural-affairs"


def test_a_failed_publish_batch_call_loses_no_notification_and_doubles_none(rig_factory):
    # GIVEN new questions of three departments (one topic each, one PublishBatch call per topic)
    builder = WorldBuilder(3)
    world = [builder.question(n, d, "tabled") for n, d in enumerate((DFE, DHSC, DEFRA))]
    rig = rig_factory(enabled=False)
    # AND SNS refuses the second PublishBatch call of the notifier with a throttling error
    rig.injector.force("sns PublishBatch: call throttled", skip=1)

    # WHEN the records are fetched and the pipeline runs (the stream retries the failed batch at once)
    run_phase(rig, world)

    # THEN every department heard of its question exactly once, and the notifier never gave a batch up
    delivered = deliveries_by_key(rig.stack.collect_deliveries())
    assert delivered == Counter({(item.item_id, 1, item.department): 1 for item in world})
    assert read_all(rig.stack, "NotifierFailureQueueUrl") == []


def _statement_with(phases: dict[int, str]) -> WorldItem:
    """Statement 0 (the recorded HCWS421, whose text the list endpoint cuts), with its text in each phase."""
    item = WorldBuilder(5).statement(0, DFE, "published")
    base = item.records[1]
    item.records = {phase: {**base, "text": text} for phase, text in phases.items()}
    return item


def test_an_edit_after_the_list_endpoints_cut_is_stored_and_notified(rig_factory):
    # GIVEN a fetcher that reads the detail of a cut record at every poll (DETAIL_RECHECK_MINUTES=0, this module's
    # stack environment; by default at least hourly), and a statement whose long text the list cuts, notified
    text = WorldBuilder(5).statement(0, DFE, "published").records[1]["text"]
    edited = text.replace("Statement 0.", "Statement 0: 4,200 places, not 42,000 as first stated.")
    assert edited != text and len(text) > 600
    world = [_statement_with({1: text, 2: edited})]
    rig = rig_factory(enabled=False)
    run_phase(rig, world, 1)
    assert len(rig.stack.collect_deliveries()) == 1

    # WHEN the department edits the end of the statement, and the next poll runs
    run_phase(rig, world, 2)

    # THEN the edit is stored as version 2 and notified once
    assert stored_items(rig.stack)[world[0].item_id]["version"] == 2
    deliveries = rig.stack.collect_deliveries()
    assert [(d.message["event"], d.message["item"]["version"]) for d in deliveries] == [("updated", 2)]
    assert "4,200 places" in deliveries[0].message["item"]["body"]


def test_a_record_that_changes_back_to_earlier_content_is_stored_and_notified(rig_factory):
    # GIVEN a statement published, then edited (both stored and notified)
    text = WorldBuilder(5).statement(0, DFE, "published").records[1]["text"]
    edited = "<p>Correction: this statement is withdrawn pending review.</p>" + text
    world = [_statement_with({1: text, 2: edited, 3: text})]
    rig = rig_factory(enabled=False)
    run_phase(rig, world, 1)
    run_phase(rig, world, 2)
    assert [d.message["item"]["version"] for d in rig.stack.collect_deliveries()] == [1, 2]

    # WHEN the edit is undone upstream (the text is the first one again), and the next poll runs
    run_phase(rig, world, 3)

    # THEN the item is stored as it is now (version 3) and subscribers are told
    row = stored_items(rig.stack)[world[0].item_id]
    assert row["version"] == 3
    assert "Correction:" not in row["item"]["body"]
    assert [d.message["item"]["version"] for d in rig.stack.collect_deliveries()] == [3]


def test_a_poison_record_is_dead_lettered_once_even_when_its_batch_dies_after_it(rig_factory):
    # GIVEN a poison record (a question without a heading) listed before a good one
    builder = WorldBuilder(13)
    poison = builder.poison()[0]
    poison.records = {1: poison.records[next(iter(poison.records))]}
    good = builder.question(0, DFE, "tabled")
    rig = rig_factory(enabled=False)
    # AND a processor that dies right after writing the good record, before it returns the batch response
    rig.injector.force("processor died after the item write")

    # WHEN they are fetched and the pipeline runs
    run_phase(rig, [poison, good], 1)

    # THEN the good record was notified once, and the poison record is on the DLQ once
    assert deliveries_by_key(rig.stack.collect_deliveries()) == Counter({(good.item_id, 1, DFE): 1})
    dead = read_all(rig.stack, "DeadLetterQueueUrl")
    assert [json.loads(message["Body"])["record"]["id"] for message in dead] == [poison.upstream_id]


@pytest.fixture
def stack_environment(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """As the suite's, with the detail of a record the list cuts read at every poll (not at most hourly)."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    return {"DETAIL_RECHECK_MINUTES": "0"}
