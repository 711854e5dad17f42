"""A notifier killed while it holds publish claims, and the stream's retries at the spacing Lambda really uses.

The claims of a killed notifier stay IN_PROGRESS until their lease ends. The stream may retry at once: a retry that
only reported the claims busy spent the batch's 10 retries inside the lease (120 s then), and the batch went to the
failure queue, never notified. A claim is now held until its holder's Lambda deadline plus a margin, and a retry that
finds it held waits for it within its own time: the batch is published whatever the spacing of the retries.

The stream mapping's retries run on the fake clock the ledger reads (conftest.py): time moves only when the mapping
backs off or the notifier waits, never because a test says the lease is over.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from infra.local.stack import lambda_stream_retry_delay
from shared.adapters.publish_ledger import ledger_key
from tests.faults.harness import deliveries_by_key
from tests.faults.test_crash_points import (
    assert_settled,
    expected_first_versions,
    ledger_status,
    run_phase,
    small_world,
)

SPACINGS = {
    "immediate": lambda retry: 0.0,
    "lambda-backoff": lambda_stream_retry_delay,
}
CLAIMED_THEN_DIED = "notifier died after the ledger claim, before publishing"
PUBLISHED_THEN_DIED = "notifier died after SNS accepted, before ledger complete"


@pytest.fixture(params=sorted(SPACINGS))
def spacing(request: pytest.FixtureRequest, stack: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(stack, "stream_retry_delay", SPACINGS[request.param])
    return str(request.param)


def test_a_notifier_killed_after_claiming_and_before_publishing_loses_nothing(rig_factory, spacing):
    # GIVEN a notifier that is killed right after the ledger claimed its batch, before it publishes anything
    world = small_world()
    rig = rig_factory(enabled=False)
    rig.injector.force(CLAIMED_THEN_DIED)
    started = rig.clock()

    # WHEN the records are fetched and the pipeline runs, the stream retrying at this spacing
    run_phase(rig, world)

    # THEN every department heard of each item exactly once: nothing lost to the abandoned claims, nothing doubled
    assert rig.injector.ledger.injected[CLAIMED_THEN_DIED] == 1
    expected = expected_first_versions(world)
    assert deliveries_by_key(rig.stack.collect_deliveries()) == Counter(dict.fromkeys(expected, 1))
    assert all(ledger_status(rig.stack, ledger_key(*key)) == "COMPLETED" for key in expected)
    # AND nothing went to the failure queue
    assert_settled(rig.stack)
    # AND it took about the dead notifier's lease (its 30 s timeout and the margin), not the old 120 s
    assert 30 < rig.clock() - started < 120


def test_the_documented_window_republishes_once_whatever_the_spacing(rig_factory, spacing):
    """ARCHITECTURE.md's one window: a notifier killed after SNS accepted its messages, before the ledger marked them
    completed. The retry cannot know that they were published: after the lease it publishes them again, once."""
    # GIVEN a notifier killed after SNS accepted its messages, before the ledger marks them completed
    world = small_world()
    rig = rig_factory(enabled=False)
    rig.injector.force(PUBLISHED_THEN_DIED)

    # WHEN the records are fetched and the pipeline runs, the stream retrying at this spacing
    run_phase(rig, world)

    # THEN each message of that invocation arrived exactly twice (never lost, never more than one duplicate)
    expected = expected_first_versions(world)
    assert rig.injector.ledger.publish_window == {ledger_key(*key) for key in expected}
    assert deliveries_by_key(rig.stack.collect_deliveries()) == Counter(dict.fromkeys(expected, 2))
    assert all(ledger_status(rig.stack, ledger_key(*key)) == "COMPLETED" for key in expected)
    assert_settled(rig.stack)
