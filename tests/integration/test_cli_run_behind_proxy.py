"""Behind an HTTP proxy the local machine may resolve no upstream name at all: the proxy resolves them, and the poll
goes through it (httpx honours HTTPS_PROXY), so the no-network check must not refuse to run."""

from __future__ import annotations

from collections import Counter

import pytest

from infra.local import reachability
from tests.integration.deployed import Deptwatch

HOSTS = reachability.polled_hosts()


@pytest.fixture
def stack_deployed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each `run` or `serve` that got as far as the local stack's commands, instead of deploying it."""
    entered: list[str] = []
    for name in ("command_run", "command_serve"):
        monkeypatch.setattr(f"infra.local.commands.{name}", lambda args, out, name=name: entered.append(name) or 0)
    return entered


@pytest.fixture
def no_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy variable from the machine running the tests."""
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy"])
@pytest.mark.parametrize("command", ["run", "serve"])
def test_behind_a_proxy_names_failing_locally_do_not_stop_the_command(
    deptwatch: Deptwatch,
    no_proxy_settings: None,
    no_name_resolution: Counter[str],
    stack_deployed: list[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    variable: str,
) -> None:
    # GIVEN an HTTPS proxy and no name resolving on this machine
    monkeypatch.setenv(variable, "http://proxy.invalid:3128")

    # WHEN `deptwatch run` (or `serve`) polls the live APIs
    code, _, err = deptwatch(command)

    # THEN it goes on to the local stack: the proxy, not this machine, resolves the upstream names
    assert (code, stack_deployed) == (0, [f"command_{command}"])
    assert "no network" not in err


def test_hosts_the_proxy_bypasses_are_still_checked(
    deptwatch: Deptwatch,
    no_proxy_settings: None,
    no_name_resolution: Counter[str],
    stack_deployed: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN an HTTPS proxy that every upstream host bypasses (NO_PROXY), and no name resolving
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", ",".join(sorted(HOSTS)))

    # WHEN `deptwatch run` polls the live APIs
    code, _, err = deptwatch("run")

    # THEN the hosts are looked up locally, and the command stops with the one sentence
    assert (code, stack_deployed) == (2, [])
    assert "(no network?)" in err
    assert set(no_name_resolution) == HOSTS
