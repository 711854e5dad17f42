"""The politeness limit (shared/adapters/http.py HostPacer): every request the client makes waits its turn for its
host, on an injected clock whose sleep only moves the clock (no real waiting)."""

from __future__ import annotations

import itertools

import httpx
import pytest

from shared.adapters.http import UpstreamClient, UpstreamError

QUESTIONS = "https://questions-statements-api.parliament.uk/api/writtenquestions/questions"
GOVUK = "https://www.gov.uk/api/search.json"


class FakeClock:
    """time.monotonic and time.sleep for the client: sleeping moves the clock, each request is instant."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class Upstream:
    """Answers each request with the next reply (the last repeats), noting when (on the clock) each one started."""

    def __init__(self, clock: FakeClock, *replies: httpx.Response) -> None:
        self.clock = clock
        self.replies = list(replies) or [httpx.Response(200, json={})]
        self.started: list[tuple[str, float]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.started.append((request.url.host, self.clock()))
        return self.replies[min(len(self.started), len(self.replies)) - 1]

    def times(self, host: str | None = None) -> list[float]:
        return [at for started_host, at in self.started if host is None or started_host == host]


def paced_client(upstream: Upstream, per_second: float | None, **options) -> UpstreamClient:
    clock = upstream.clock
    return UpstreamClient(
        transport=httpx.MockTransport(upstream),
        sleep=clock.sleep,
        clock=clock,
        requests_per_second=per_second,
        **options,
    )


def gaps(times: list[float]) -> list[float]:
    return [round(later - earlier, 6) for earlier, later in itertools.pairwise(times)]


@pytest.mark.parametrize("per_second", [5.0, 2.0, 0.5])
def test_n_requests_to_one_host_take_at_least_n_minus_one_intervals(per_second):
    # GIVEN a client paced at `per_second` requests per second, and an upstream that answers at once
    clock = FakeClock()
    upstream = Upstream(clock)
    client = paced_client(upstream, per_second)

    # WHEN it makes 10 requests to one host (list pages and details alike)
    for number in range(10):
        client.get_json(f"{QUESTIONS}/{number}" if number % 2 else QUESTIONS, {"skip": number})

    # THEN they started 1/rate apart, so the 10 took (10 - 1) / rate of the clock, never less
    assert gaps(upstream.times()) == [round(1 / per_second, 6)] * 9
    assert upstream.times()[-1] - upstream.times()[0] >= 9 / per_second - 1e-9


def test_two_hosts_are_paced_independently():
    # GIVEN a paced client (2 per second)
    clock = FakeClock()
    upstream = Upstream(clock)
    client = paced_client(upstream, 2.0)

    # WHEN it alternates between Parliament and GOV.UK
    for _ in range(3):
        client.get_json(QUESTIONS)
        client.get_json(GOVUK)

    # THEN each host saw one request per half second; a request to the other host did not wait for it
    parliament, govuk = upstream.times("questions-statements-api.parliament.uk"), upstream.times("www.gov.uk")
    assert gaps(parliament) == [0.5, 0.5] and gaps(govuk) == [0.5, 0.5]
    assert govuk[0] == parliament[0]
    assert sum(clock.slept) == pytest.approx(1.0)


def test_time_spent_between_requests_counts_towards_the_pace():
    # GIVEN a paced client (1 per second) that does other work for 0.7 s between two requests
    clock = FakeClock()
    upstream = Upstream(clock)
    client = paced_client(upstream, 1.0)
    client.get_json(QUESTIONS)
    clock.now += 0.7

    # WHEN it makes the next request / THEN it waits only the rest of the second
    client.get_json(QUESTIONS)
    assert clock.slept == [pytest.approx(0.3)]
    assert gaps(upstream.times()) == [1.0]


def test_retries_are_paced_too():
    # GIVEN a paced client (1 per second) whose upstream fails twice with 503, asking to come back at once
    clock = FakeClock()
    upstream = Upstream(
        clock,
        httpx.Response(503, headers={"Retry-After": "0"}),
        httpx.Response(503, headers={"Retry-After": "0"}),
        httpx.Response(200, json={"fine": True}),
    )
    client = paced_client(upstream, 1.0)

    # WHEN JSON is fetched
    assert client.get_json(QUESTIONS) == {"fine": True}

    # THEN each retry still waited its turn: three attempts, a second apart
    assert gaps(upstream.times()) == [1.0, 1.0]


def test_a_retry_after_longer_than_the_pace_is_waited_in_full_and_no_more():
    # GIVEN a paced client (5 per second) whose upstream answers 429 with Retry-After: 7, then 200
    clock = FakeClock()
    upstream = Upstream(clock, httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json={}))
    client = paced_client(upstream, 5.0)

    # WHEN JSON is fetched
    client.get_json(QUESTIONS)

    # THEN the retry came 7 s later: what the server asked for, with nothing added for the pace
    assert gaps(upstream.times()) == [7.0]
    assert clock.slept == [7.0]


def test_the_deadline_still_stops_retries_of_a_paced_client():
    # GIVEN a slowly paced client (1 every 2 s) whose upstream always fails, with 5 s of its invocation left
    clock = FakeClock()
    upstream = Upstream(clock, httpx.Response(503, headers={"Retry-After": "0"}))
    client = paced_client(upstream, 0.5, max_attempts=10)
    client.deadline = clock() + 5.0

    # WHEN JSON is fetched
    with pytest.raises(UpstreamError):
        client.get_json(QUESTIONS)

    # THEN it gave up before the deadline, not after 10 attempts: no attempt started later than a second before it
    assert len(upstream.started) == 3
    assert max(upstream.times()) <= client.deadline - 1.0


def test_an_unpaced_client_never_waits():
    # GIVEN a client without a limit (the local replay of recorded responses; tools and tests)
    clock = FakeClock()
    upstream = Upstream(clock)
    client = paced_client(upstream, None)

    # WHEN it makes many requests / THEN it never sleeps
    for _ in range(20):
        client.get_json(QUESTIONS)
    assert clock.slept == []
    assert paced_client(Upstream(clock), 0).get_json(QUESTIONS) == {} and clock.slept == []
