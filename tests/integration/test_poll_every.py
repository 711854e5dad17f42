"""An hourly source on the 5-minute schedule, through the fetcher as deployed (dispatch, then the poll queue): its
upstream is asked once an hour, the others on every schedule, and an hourly source is never reported stale."""

from __future__ import annotations

from bench.requests import poll, simulated_polls, stack_with_upstream
from infra.local.replay import replay_transport
from shared.adapters.http import UpstreamClient


def test_bills_are_polled_once_an_hour_and_not_reported_stale_between() -> None:
    http = UpstreamClient(transport=replay_transport(), sleep=lambda _: None)
    with stack_with_upstream(http, "bills") as stack, simulated_polls() as at_poll:
        calls = []
        reports = []
        for number in (0, 1, 11, 12):
            at_poll(number)
            before = http.requests
            reports.append(poll(stack)["sources"][0])
            stack.drain()
            calls.append(http.requests - before)
    # The first poll and the 12th schedule after it ask the upstream; the ones between ask nothing.
    assert calls[0] > 0 and calls[3] > 0
    assert calls[1] == calls[2] == 0
    # A poll that was not due is neither a failure nor a stale source (no last success to age).
    assert all(report["error"] is None for report in reports)
    assert reports[1]["last_success"] is None and reports[3]["last_success"] is not None
