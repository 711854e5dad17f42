"""Shared fixtures: recorded upstream responses, a fresh local stack per test, and no network.

`infra.local.stack` is imported first: it imports moto, which must patch botocore before any boto3 client exists (a
client created earlier would talk to real AWS).
"""

from __future__ import annotations

import infra.local.stack as local

local.use_local_environment()

import ipaddress  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

from infra.local.replay import RECORDED  # noqa: E402
from shared.domain.raw_record import RawRecordMessage  # noqa: E402
from tests.helpers import queue_raw  # noqa: E402
from tests.helpers import recorded as recorded_body  # noqa: E402

UPSTREAM = RECORDED
"""The recorded upstream responses the demo serves (infra/local/recordings/), read by tests too."""
LIST_PAGE = "written-questions/list_2024-01-05.json"
DETAIL = "written-questions/detail_1679416.json"
SOURCE = "written-questions"


# --- No network: a test that reaches beyond this machine fails -----------------------------------------------------


class NetworkAccessError(RuntimeError):
    """Raised instead of opening a connection (a RuntimeError, so that no retry loop takes it for a network blip)."""


_network_attempts: list[str] = []
_loopback_allowed = True
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _is_loopback(host: object) -> bool:
    if host in (None, "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _refuse(what: str) -> NetworkAccessError:
    _network_attempts.append(what)
    return NetworkAccessError(f"tests must not use the network: {what}")


def _check_address(sock: socket.socket, address: Any) -> None:
    if sock.family == getattr(socket, "AF_UNIX", None):
        return
    host = address[0] if isinstance(address, tuple) else address
    if not (_loopback_allowed and _is_loopback(host)):
        raise _refuse(f"connect to {address!r}")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check_address(self, address)
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check_address(self, address)
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if not (_loopback_allowed and _is_loopback(host.decode() if isinstance(host, bytes) else host)):
        raise _refuse(f"name lookup of {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
socket.getaddrinfo = _guarded_getaddrinfo


@pytest.fixture(autouse=True)
def no_network(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """Unit tests get no sockets at all; integration tests get loopback only (the local upstream server).

    An attempt fails the test even when the code under test catches the error (the fetcher reports, not raises).
    """
    global _loopback_allowed
    _loopback_allowed = "unit" not in Path(str(request.node.path)).relative_to(Path(__file__).parent).parts
    _network_attempts.clear()
    yield _network_attempts
    attempts = list(_network_attempts)
    _network_attempts.clear()
    _loopback_allowed = True
    if attempts:
        pytest.fail(f"the test tried to use the network: {attempts}")


# --- Recorded upstream responses -----------------------------------------------------------------------------------


@pytest.fixture
def recorded() -> Callable[[str], Any]:
    """`recorded("written-questions/list_2024-01-05.json")`: a fresh copy of a recorded response body."""
    return recorded_body


@pytest.fixture
def list_page() -> dict[str, Any]:
    """The real list page: 20 results of several departments, texts truncated as the list endpoint does."""
    return recorded_body(LIST_PAGE)  # type: ignore[no-any-return]


@pytest.fixture
def list_records(list_page: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry["value"] for entry in list_page["results"]]


@pytest.fixture
def detail_record() -> dict[str, Any]:
    """The real detail record of question 1679416 (Department for Education), with its full HTML answer."""
    return recorded_body(DETAIL)["value"]  # type: ignore[no-any-return]


@pytest.fixture
def raw_message() -> Callable[..., RawRecordMessage]:
    """Build the queue message the fetcher would send for one upstream record."""

    def build(record: dict[str, Any], fetched_at: datetime | None = None, source: str = SOURCE) -> RawRecordMessage:
        return RawRecordMessage(
            source=source, record=record, fetched_at=fetched_at or datetime.now(UTC), origin="tests/fixtures"
        )

    return build


# --- The local stack ------------------------------------------------------------------------------------------------


@pytest.fixture
def stack_environment() -> dict[str, str]:
    """Extra function environment for the `stack` fixture; a test module overrides this fixture to set some."""
    return {}


@pytest.fixture
def stack_parameters() -> dict[str, str]:
    """Template parameters for the `stack` fixture (defaults otherwise); a test module overrides this fixture."""
    return {}


@pytest.fixture
def stack(stack_parameters: dict[str, str], stack_environment: dict[str, str]) -> Iterator[local.LocalStack]:
    """A fresh LocalStack (template.yaml in moto) per test. boto3 clients stay cached across tests (they are slow to
    create); the process environment the deployment changes is put back afterwards."""
    saved = dict(os.environ)
    # Tests serve the upstream themselves: the fetcher is not paced (tests/unit/test_http_pacing.py tests the pace).
    environment = {"UPSTREAM_REQUESTS_PER_SECOND": "0", **stack_environment}
    try:
        with local.local_stack(parameters=stack_parameters, environment=environment) as deployed:
            yield deployed
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def enqueue(stack: local.LocalStack, raw_message: Callable[..., RawRecordMessage]) -> Callable[..., list[str]]:
    """Send upstream records to the stack's raw-records queue as the fetcher does (RawRecordQueue); returns bodies."""

    def send(records: list[dict[str, Any]], fetched_at: datetime | None = None) -> list[str]:
        return queue_raw(stack, [raw_message(record, fetched_at) for record in records])

    return send
