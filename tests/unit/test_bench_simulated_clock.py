"""The bench's simulated clock (bench/requests.py) is fixed, so its rows that depend on the detail recheck measure the
same polls every run: the poll after poll 0 holds no memory part's recheck slot, and each poll of a period at most
one (the `recheck` row's target)."""

from __future__ import annotations

from datetime import timedelta

from bench.requests import POLL_INTERVAL, SIMULATED_START, _stamp, simulated_polls
from functions.fetcher import app as fetcher
from infra.cfn_template import load_template
from infra.local.stack import TEMPLATE
from shared.sources.incremental import MEMORY_SHARDS, recheck_due, shard_of

DEFAULT_PERIOD = timedelta(minutes=int(load_template(TEMPLATE)["Parameters"]["DetailRecheckMinutes"]["Default"]))
ONE_KEY_PER_PART = {shard_of(key): key for key in (str(n) for n in range(1_000))}


def _parts_due(poll: int) -> int:
    """The memory parts whose recheck slot falls after the previous poll, up to this one."""
    period = int(DEFAULT_PERIOD.total_seconds())
    return sum(recheck_due(key, _stamp(poll - 1), _stamp(poll), period) for key in ONE_KEY_PER_PART.values())


def test_the_simulated_polls_are_at_the_same_times_every_run() -> None:
    # GIVEN two runs of the simulated clock
    times = []
    for _ in range(2):
        with simulated_polls() as at_poll:
            # WHEN the fetcher's clock is set to poll 1
            at_poll(1)
            times.append(fetcher.utc_now())
    # THEN both read the same time, five minutes after the fixed start
    assert times == [SIMULATED_START + POLL_INTERVAL] * 2


def test_the_poll_after_the_start_holds_no_recheck_slot_and_each_poll_of_a_period_at_most_one() -> None:
    assert len(ONE_KEY_PER_PART) == MEMORY_SHARDS
    polls = round(DEFAULT_PERIOD / POLL_INTERVAL)
    due = [_parts_due(poll) for poll in range(1, polls + 1)]
    # THEN the `idle` row's poll 1 rechecks nothing, no poll rechecks two parts, and each part comes once a period
    assert due[0] == 0
    assert max(due) == 1 and sum(due) == MEMORY_SHARDS
