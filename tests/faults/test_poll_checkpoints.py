"""Issue #12: a backfill too big for one invocation is checkpointed and resumed, never repeated, whatever kills it.

The real fetcher handler on the local stack (schedule → poll queue → one invocation per poll message), its upstream
client on a simulated clock where every request takes 200 ms (bench/catchup.py): a backfill of 1,500 cut questions
(1,500 detail requests, 300 simulated seconds at 5 a second) needs at least two invocations of 300 s.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest

from bench.catchup import FUNCTION, CatchUpRig, VolumeQuestions, busiest_second, questions
from infra.local.replay.deposited_papers import RecordedPapers
from shared.adapters.aws import aws_client
from shared.pipeline.fetching import CHECKPOINT_EVERY_SECONDS

RATE = 5.0
COUNT = 1_500
SINCE = (date.today() - timedelta(days=40)).isoformat()


@pytest.fixture
def stack_parameters() -> dict[str, str]:
    return {"Sources": "written-questions", "UpstreamRequestsPerSecond": str(RATE)}


def backfill_rig(stack: Any, count: int = COUNT) -> tuple[CatchUpRig, set[int]]:
    records = questions(count, date.today(), days=30)
    return CatchUpRig(stack, VolumeQuestions(records), requests_per_second=RATE), {r["id"] for r in records}


def fetched_twice(rig: CatchUpRig) -> int:
    return sum(n - 1 for n in Counter(rig.detail_ids).values())


def test_a_backfill_longer_than_an_invocation_is_resumed_never_repeated_and_keeps_its_delivery(stack):
    # GIVEN 1,500 cut questions upstream, 300 simulated seconds of detail requests at 5 a second
    rig, expected = backfill_rig(stack)
    with rig.running():
        # WHEN a backfill asks for them, digest delivery, and the poll queue runs
        rig.schedule({"since": SINCE, "delivery": "digest"})
        rig.run_polls()
    # THEN it took several invocations, each within the function's timeout, at most 5 requests in any second
    timeout = stack.functions[FUNCTION].timeout
    assert len(rig.invocations) >= 2
    assert all(invocation.seconds < timeout for invocation in rig.invocations)
    assert busiest_second(rig.request_times) <= RATE
    # AND every question was queued once, each detail read once, all with the delivery asked for
    assert set(rig.tally.queued) == expected
    assert set(rig.tally.queued.values()) == {1}
    assert fetched_twice(rig) == 0
    assert rig.tally.deliveries == Counter({"digest": COUNT})
    # AND only the last invocation's report says the poll completed
    reports = [report for invocation in rig.invocations for report in invocation.reports]
    assert [report["complete"] for report in reports] == [False] * (len(reports) - 1) + [True]


@pytest.mark.parametrize("kills", [(150,), (700, 1300), (5, 400, 1200)], ids=["early", "twice", "three-times"])
def test_a_backfill_killed_mid_poll_completes_with_nothing_lost_and_repeats_at_most_since_its_last_checkpoint(
    stack, kills
):
    # GIVEN the backfill, and the fetcher killed outright (no code after runs) at these upstream requests
    rig, expected = backfill_rig(stack)
    rig.kill_at = set(kills)
    with rig.running():
        # WHEN it runs; each killed invocation's poll message comes back (SQS) and is run again (a message that died
        # 3 times goes to the poll dead-letter queue), then the schedule fires (it takes an unfinished poll on)
        rig.schedule({"since": SINCE, "delivery": "quiet"})
        rig.run_polls()
        rig.later(300)
        rig.schedule()
        rig.run_polls()
    # THEN every invocation the kills hit died, and the backfill still completed: every question queued
    assert sum(invocation.died for invocation in rig.invocations) == len(kills)
    assert set(rig.tally.queued) == expected
    # AND what was fetched twice is at most what each kill had done since the checkpoint before it
    since_checkpoint = CHECKPOINT_EVERY_SECONDS * RATE + 1
    assert fetched_twice(rig) <= len(kills) * since_checkpoint
    assert sum(rig.tally.queued.values()) - len(expected) <= len(kills) * since_checkpoint


def test_a_poll_whose_upstream_fails_mid_backfill_keeps_its_progress_and_the_next_schedule_resumes_it(stack):
    # GIVEN the backfill, and the connection failing at the 500th upstream request (the poll fails)
    rig, expected = backfill_rig(stack)
    rig.fail_at = {500}
    with rig.running():
        rig.schedule({"since": SINCE, "delivery": "quiet"})
        rig.run_polls()
        failed = [r for invocation in rig.invocations for r in invocation.reports if r["error"]]
        # WHEN the schedule fires again (it takes the unfinished poll on)
        rig.later(300)
        rig.schedule()
        rig.run_polls()
    # THEN the failure was reported, nothing was lost, and nothing was read or queued twice
    assert len(failed) == 1
    assert set(rig.tally.queued) == expected
    assert set(rig.tally.queued.values()) == {1}
    assert fetched_twice(rig) == 0


def test_a_redelivered_poll_message_resumes_its_checkpoint_instead_of_starting_again(stack):
    # GIVEN a backfill whose first invocation stopped for time and saved its checkpoint
    rig, expected = backfill_rig(stack)
    with rig.running():
        rig.schedule({"since": SINCE, "delivery": "quiet"})
        rig.run_polls(limit=1)
        # WHEN SQS delivers the backfill's first message again (at-least-once), then the continuation
        state = aws_client("dynamodb").get_item(
            TableName=stack.output("StateTableName"), Key={"id": {"S": "watermark#written-questions"}}
        )["Item"]
        checkpoint = json.loads(state["checkpoint"]["S"])
        again = {"source": "written-questions", "poll_id": checkpoint["poll_id"], "since": checkpoint["since"]}
        aws_client("sqs").send_message(
            QueueUrl=stack.output("PollQueueUrl"),
            MessageBody=json.dumps({**again, "delivery": "quiet"}),
            MessageGroupId="questions-statements-api.parliament.uk",
            MessageDeduplicationId="redelivered",
        )
        rig.run_polls()
    # THEN the backfill completed with every question read and queued once: the redelivery resumed, and the
    # continuation it overtook found its step taken and did nothing
    assert set(rig.tally.queued) == expected
    assert set(rig.tally.queued.values()) == {1}
    assert fetched_twice(rig) == 0
    stale = [r for invocation in rig.invocations for r in invocation.reports if r["queued"] == 0 and r["complete"]]
    assert stale


@pytest.mark.parametrize(
    "stack_parameters", [{"Sources": "written-questions,deposited-papers", "UpstreamRequestsPerSecond": str(RATE)}]
)
def test_a_huge_backfill_on_one_host_does_not_delay_another_hosts_poll(stack):
    # GIVEN written questions (one host) with a backfill of 3,000 details (three invocations at least), and the
    # deposited papers API (another host)
    records = questions(3_000, date.today(), days=30)
    rig = CatchUpRig(
        stack, VolumeQuestions(records), requests_per_second=RATE, others=[RecordedPapers.from_recordings()]
    )
    with rig.running():
        # WHEN the backfill is asked for both sources and the poll queue runs
        rig.schedule({"since": SINCE, "delivery": "quiet"})
        rig.run_polls()
    # THEN the papers' poll ran in the first two invocations (its own message group), not after the backfill's
    # continuations, and completed; the questions' backfill took the rest
    order = [report["source"] for invocation in rig.invocations for report in invocation.reports]
    assert "deposited-papers" in order[:2]
    papers = next(r for i in rig.invocations for r in i.reports if r["source"] == "deposited-papers")
    assert papers["complete"] and papers["error"] is None
    assert order.count("written-questions") >= 3
    assert set(rig.tally.queued) >= {r["id"] for r in records}
