"""A host name that does not resolve (no network, or no such host) is not transient: the client fails at once, with no
retry and no backoff, so that `make run` offline says so within seconds instead of after a minute of retries."""

from __future__ import annotations

import socket

import httpx
import pytest

from shared.adapters.http import MAX_ATTEMPTS, UpstreamClient, UpstreamUnreachableError

URL = "https://questions-statements-api.parliament.uk/api/writtenquestions/questions"


@pytest.fixture
def no_name_resolution(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every name lookup fails as it does on a machine without network (the real socket path under httpx)."""
    looked_up: list[str] = []

    def fail(host: str, *args: object, **kwargs: object) -> None:
        looked_up.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    return looked_up


def test_a_name_that_does_not_resolve_fails_at_once_without_retries(no_name_resolution: list[str]) -> None:
    # GIVEN the real HTTP transport on a machine where no name resolves
    sleeps: list[float] = []
    client = UpstreamClient(sleep=sleeps.append)

    # WHEN JSON is fetched
    with pytest.raises(UpstreamUnreachableError) as caught:
        client.get_json(URL)

    # THEN one attempt, no backoff, and the error names the host and says why
    assert no_name_resolution == ["questions-statements-api.parliament.uk"]
    assert client.requests == 1 and sleeps == []
    assert caught.value.host == "questions-statements-api.parliament.uk"
    assert "could not resolve" in str(caught.value)


def test_a_refused_connection_is_still_retried() -> None:
    # GIVEN a host that resolves but refuses connections (a restart, a blip): that may pass
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    sleeps: list[float] = []
    client = UpstreamClient(transport=httpx.MockTransport(refuse), sleep=sleeps.append)

    # WHEN JSON is fetched, THEN every attempt is made before it is called unreachable
    with pytest.raises(UpstreamUnreachableError):
        client.get_json(URL)
    assert client.requests == MAX_ATTEMPTS and len(sleeps) == MAX_ATTEMPTS - 1
