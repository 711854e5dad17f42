"""The one outbound HTTP client (shared/http.py): retries, Retry-After, give-up rules and errors that say where."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from shared.adapters.http import (
    MAX_ATTEMPTS,
    MAX_RETRY_AFTER_SECONDS,
    USER_AGENT,
    UpstreamClient,
    UpstreamError,
    UpstreamResponseError,
    UpstreamUnreachableError,
)

URL = "https://questions-statements-api.parliament.uk/api/writtenquestions/questions"
HOST = "questions-statements-api.parliament.uk"

Reply = httpx.Response | Exception


class ScriptedUpstream:
    """A transport that answers each request with the next scripted reply (the last one repeats)."""

    def __init__(self, *replies: Reply | Callable[[httpx.Request], Reply]) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies[min(len(self.requests), len(self.replies)) - 1]
        if callable(reply) and not isinstance(reply, httpx.Response):
            reply = reply(request)
        if isinstance(reply, Exception):
            raise reply
        return reply


def client_for(upstream: ScriptedUpstream, **options) -> tuple[UpstreamClient, list[float]]:
    sleeps: list[float] = []
    client = UpstreamClient(transport=httpx.MockTransport(upstream), sleep=sleeps.append, **options)
    return client, sleeps


def ok(body: object = None) -> httpx.Response:
    return httpx.Response(200, json=body if body is not None else {"totalResults": 0, "results": []})


def test_a_503_is_retried_with_backoff_until_success():
    # GIVEN an upstream that fails twice with 503, then answers
    upstream = ScriptedUpstream(httpx.Response(503), httpx.Response(503), ok({"fine": True}))
    client, sleeps = client_for(upstream)

    # WHEN JSON is fetched
    body = client.get_json(URL)

    # THEN the answer comes back after three requests, with two backoff waits that grow
    assert body == {"fine": True}
    assert len(upstream.requests) == 3
    assert client.requests == 3
    assert len(sleeps) == 2
    assert all(0 < s <= 8.5 for s in sleeps)


@pytest.mark.parametrize("status", [500, 502, 504])
def test_other_5xx_are_retried(status):
    upstream = ScriptedUpstream(httpx.Response(status), ok())
    client, _ = client_for(upstream)

    assert client.get_json(URL) == {"totalResults": 0, "results": []}
    assert len(upstream.requests) == 2


def test_429_waits_what_retry_after_says():
    # GIVEN an upstream that rate-limits once, asking for 7 seconds
    upstream = ScriptedUpstream(httpx.Response(429, headers={"Retry-After": "7"}), ok())
    client, sleeps = client_for(upstream)

    # WHEN JSON is fetched
    client.get_json(URL)

    # THEN the client waited exactly those 7 seconds before trying again
    assert sleeps == [7.0]
    assert len(upstream.requests) == 2


def test_retry_after_as_an_http_date_is_honoured():
    # GIVEN a Retry-After given as a date 20 seconds ahead
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    upstream = ScriptedUpstream(httpx.Response(503, headers={"Retry-After": when}), ok())
    client, sleeps = client_for(upstream)

    # WHEN JSON is fetched
    client.get_json(URL)

    # THEN the wait is about those 20 seconds
    assert len(sleeps) == 1
    assert 17 <= sleeps[0] <= 20


def test_an_unreasonable_retry_after_is_capped():
    # GIVEN a server asking to wait an hour
    upstream = ScriptedUpstream(httpx.Response(429, headers={"Retry-After": "3600"}), ok())
    client, sleeps = client_for(upstream)

    # WHEN JSON is fetched
    client.get_json(URL)

    # THEN the wait is capped, so one source cannot hold up the run
    assert sleeps == [MAX_RETRY_AFTER_SECONDS]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_a_4xx_is_not_retried(status):
    # GIVEN an upstream that refuses the request
    upstream = ScriptedUpstream(httpx.Response(status, text="no such thing"), ok())
    client, sleeps = client_for(upstream)

    # WHEN JSON is fetched
    # THEN it fails at once, saying what status and where
    with pytest.raises(UpstreamResponseError) as caught:
        client.get_json(URL, {"skip": 0})
    assert len(upstream.requests) == 1
    assert sleeps == []
    assert str(status) in str(caught.value)
    assert caught.value.host == HOST
    assert "skip=0" in caught.value.url


def test_a_connection_error_becomes_unreachable_naming_the_host():
    # GIVEN a host that refuses every connection
    upstream = ScriptedUpstream(lambda request: httpx.ConnectError("[Errno 111] Connection refused", request=request))
    client, _ = client_for(upstream)

    # WHEN JSON is fetched
    # THEN, after the retries, UpstreamUnreachableError says which host could not be reached
    with pytest.raises(UpstreamUnreachableError) as caught:
        client.get_json(URL)
    assert caught.value.host == HOST
    assert caught.value.url.startswith(f"https://{HOST}/")
    assert "Connection refused" in str(caught.value)
    assert len(upstream.requests) == MAX_ATTEMPTS


def test_a_host_that_answered_before_failing_is_not_called_unreachable():
    # GIVEN a host that connects but drops the connection mid-response every time
    upstream = ScriptedUpstream(lambda request: httpx.ReadError("connection reset", request=request))
    client, _ = client_for(upstream)

    # WHEN JSON is fetched
    # THEN it fails as an upstream error, but not as unreachable
    with pytest.raises(UpstreamError) as caught:
        client.get_json(URL)
    assert not isinstance(caught.value, UpstreamUnreachableError)
    assert len(upstream.requests) == MAX_ATTEMPTS


def test_timeouts_are_retried():
    upstream = ScriptedUpstream(lambda request: httpx.ReadTimeout("slow", request=request), ok({"late": True}))
    client, sleeps = client_for(upstream)

    assert client.get_json(URL) == {"late": True}
    assert len(sleeps) == 1


def test_it_gives_up_after_max_attempts():
    # GIVEN an upstream that is always unavailable
    upstream = ScriptedUpstream(httpx.Response(503))
    client, sleeps = client_for(upstream)

    # WHEN JSON is fetched
    # THEN it gives up after MAX_ATTEMPTS requests (waiting between them, not after the last) with UpstreamError
    with pytest.raises(UpstreamError) as caught:
        client.get_json(URL)
    assert len(upstream.requests) == MAX_ATTEMPTS
    assert len(sleeps) == MAX_ATTEMPTS - 1
    assert "503" in str(caught.value)


def test_max_attempts_is_configurable():
    upstream = ScriptedUpstream(httpx.Response(503))
    client, _ = client_for(upstream, max_attempts=2)

    with pytest.raises(UpstreamError):
        client.get_json(URL)
    assert len(upstream.requests) == 2


def test_no_retry_starts_after_the_deadline():
    # GIVEN a client whose invocation deadline has passed
    upstream = ScriptedUpstream(httpx.Response(503), ok())
    client, sleeps = client_for(upstream)
    client.deadline = time.monotonic()

    # WHEN JSON is fetched and the first attempt fails
    # THEN it does not retry (the Lambda would be killed mid-wait)
    with pytest.raises(UpstreamError):
        client.get_json(URL)
    assert len(upstream.requests) == 1
    assert sleeps == []


def test_a_body_that_is_not_json_is_retried_then_refused():
    # GIVEN an upstream that answers 200 with an HTML error page every time
    upstream = ScriptedUpstream(httpx.Response(200, text="<html>Service busy</html>"))
    client, _ = client_for(upstream)

    # WHEN JSON is fetched
    # THEN it is retried (a proxy hiccup) and finally refused
    with pytest.raises(UpstreamError, match="not JSON"):
        client.get_json(URL)
    assert len(upstream.requests) == MAX_ATTEMPTS


def test_requests_name_the_project_and_ask_for_json_with_repeated_list_params():
    # GIVEN an upstream that records requests
    upstream = ScriptedUpstream(ok())
    client, _ = client_for(upstream)

    # WHEN JSON is fetched with a list parameter
    client.get_json(URL, {"answeringBodies": [13, 60], "take": 1000, "expandMember": "true"})

    # THEN the request carries our User-Agent, asks for JSON and repeats the list parameter
    request = upstream.requests[0]
    assert request.headers["User-Agent"] == USER_AGENT
    assert "deptwatch" in request.headers["User-Agent"]
    assert request.headers["Accept"] == "application/json"
    assert request.url.params.get_list("answeringBodies") == ["13", "60"]
    assert request.url.params["take"] == "1000"


def test_origin_overrides_send_requests_to_the_mirror():
    # GIVEN a client told to read the Parliament API from a local mirror
    upstream = ScriptedUpstream(ok())
    client, _ = client_for(
        upstream, origin_overrides={"https://questions-statements-api.parliament.uk": "http://mirror.test:8080/base/"}
    )

    # WHEN a Parliament URL is fetched
    client.get_json(f"{URL}/1679416", {"expandMember": "true"})

    # THEN the request went to the mirror, with the same path and query
    assert str(upstream.requests[0].url) == (
        "http://mirror.test:8080/base/api/writtenquestions/questions/1679416?expandMember=true"
    )


def test_a_url_of_another_origin_is_not_redirected():
    upstream = ScriptedUpstream(ok())
    client, _ = client_for(upstream, origin_overrides={"https://other.example": "http://mirror.test"})

    client.get_json(URL)

    assert upstream.requests[0].url.host == HOST


# --- The tests themselves cannot reach the network ---


def test_a_real_request_in_a_unit_test_is_refused(no_network):
    # GIVEN a client with the real transport
    client = UpstreamClient(sleep=lambda _: None)

    # WHEN it tries to reach the real API
    # THEN the test guard refuses (and would fail the test had the code swallowed the error)
    with pytest.raises(RuntimeError, match="must not use the network"):
        client.get_json(URL)
    assert no_network
    no_network.clear()


def test_even_loopback_is_refused_in_unit_tests(no_network):
    with pytest.raises(RuntimeError, match="must not use the network"):
        socket.create_connection(("127.0.0.1", 9), timeout=0.1)
    assert no_network
    no_network.clear()
