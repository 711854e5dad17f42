"""The one bounded retry of AWS batch calls (shared/adapters/retry.py): what is pending shrinks, attempts are bounded,
the waits grow and are capped, and nothing waits after the last attempt."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shared.adapters.retry import IMMEDIATELY, Backoff, retry_pending


class Upstream:
    """A batch call that takes the first `per_call` entries it is sent each time (or none), and records each call."""

    def __init__(self, per_call: int) -> None:
        self.per_call = per_call
        self.calls: list[list[str]] = []

    def send(self, pending: list[str]) -> list[str]:
        self.calls.append(list(pending))
        return pending[self.per_call :]


def test_the_pending_part_is_sent_again_until_nothing_is_pending():
    # GIVEN a call that takes one entry of three each time
    upstream, sleeps = Upstream(per_call=1), []

    # WHEN the three are sent with up to five attempts
    left = retry_pending(upstream.send, ["a", "b", "c"], attempts=5, backoff=Backoff(0.1, 2.0), sleep=sleeps.append)

    # THEN each attempt sends only what is still pending, and it stops once nothing is
    assert left == []
    assert upstream.calls == [["a", "b", "c"], ["b", "c"], ["c"]]
    # AND it waited between attempts, doubling from the first wait
    assert sleeps == [0.1, 0.2]


def test_attempts_are_bounded_and_the_rest_is_returned_without_a_wait_after_the_last():
    # GIVEN a call that never takes anything
    upstream, sleeps = Upstream(per_call=0), []

    # WHEN two entries are sent with five attempts
    left = retry_pending(upstream.send, ["a", "b"], attempts=5, backoff=Backoff(0.05, 1.0), sleep=sleeps.append)

    # THEN it tried exactly five times and hands back what is still pending
    assert left == ["a", "b"]
    assert len(upstream.calls) == 5
    # AND it waited four times, between attempts only
    assert sleeps == [0.05, 0.1, 0.2, 0.4]


def test_the_wait_never_exceeds_the_cap():
    upstream, sleeps = Upstream(per_call=0), []

    retry_pending(upstream.send, ["a"], attempts=6, backoff=Backoff(0.1, 0.25), sleep=sleeps.append)

    assert sleeps == [0.1, 0.2, 0.25, 0.25, 0.25]


def test_a_first_attempt_that_leaves_nothing_pending_waits_for_nothing():
    upstream, sleeps = Upstream(per_call=10), []

    left = retry_pending(upstream.send, ["a", "b"], attempts=5, backoff=Backoff(0.1, 2.0), sleep=sleeps.append)

    assert left == []
    assert len(upstream.calls) == 1
    assert sleeps == []


def test_immediately_retries_without_sleeping():
    upstream, sleeps = Upstream(per_call=1), []

    retry_pending(upstream.send, ["a", "b", "c"], attempts=5, backoff=IMMEDIATELY, sleep=sleeps.append)

    assert len(upstream.calls) == 3
    assert sleeps == []


def test_an_exception_from_the_call_propagates_and_is_not_retried():
    # GIVEN a call that leaves something pending, then fails
    calls: list[list[str]] = []

    def send(pending: list[str]) -> list[str]:
        calls.append(pending)
        if len(calls) == 2:
            raise ValueError("refused for good")
        return pending

    # WHEN it is retried, THEN the error comes out as raised, after that second attempt
    with pytest.raises(ValueError, match="refused for good"):
        retry_pending(send, ["a"], attempts=5, backoff=Backoff(0.1, 2.0), sleep=lambda _: None)
    assert len(calls) == 2


def test_tenacity_is_loaded_only_when_something_must_be_retried():
    # GIVEN a fresh interpreter (as at a Lambda cold start)
    code = (
        "import sys\n"
        "from shared.adapters.retry import Backoff, retry_pending\n"
        "retry_pending(lambda p: [], ['a'], attempts=3, backoff=Backoff(0.1, 1.0))\n"
        "print('tenacity' in sys.modules)\n"
        "retry_pending(lambda p: p[1:], ['a', 'b'], attempts=3, backoff=Backoff(0.0, 0.0))\n"
        "print('tenacity' in sys.modules)\n"
    )
    # WHEN a call succeeds at once, then one needs a retry
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    # THEN tenacity is imported for the retry only
    assert result.stdout.split() == ["False", "True"]
