"""`deptwatch run` and `serve` (live) ask whether the upstream hosts resolve before they import and deploy the local
stack (moto, the template, every resource: seconds): without network, one sentence at once (issue #16: offline
`make run` fails within 5 seconds)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.offline import NO_NAME_RESOLUTION
from infra.local import reachability
from tests.integration.conftest import PROXY_VARIABLES
from tests.integration.deployed import Deptwatch

ROOT = Path(__file__).resolve().parents[2]
HOSTS = reachability.polled_hosts()
RESOLVING = "www.gov.uk"


@pytest.fixture
def stack_deployed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each `run` or `serve` that got as far as the local stack's commands (which deploy it), instead of
    deploying it."""
    entered: list[str] = []
    for name in ("command_run", "command_serve"):
        monkeypatch.setattr(f"infra.local.commands.{name}", lambda args, out, name=name: entered.append(name) or 0)
    return entered


@pytest.fixture
def only_some_resolve(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """One upstream host resolves (to a documentation address nothing connects to); every other name fails."""
    looked_up: Counter[str] = Counter()

    def resolve(host: object, port: object, *args: object, **kwargs: object) -> object:
        looked_up[str(host)] += 1
        if host == RESOLVING:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.1", port))]
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return looked_up


@pytest.mark.parametrize("command", ["run", "serve"])
def test_without_network_the_stack_is_never_deployed(
    deptwatch: Deptwatch, no_name_resolution: Counter[str], stack_deployed: list[str], command: str
) -> None:
    # GIVEN no name resolves
    # WHEN `deptwatch run` (or `serve`) polls the live APIs
    code, out, err = deptwatch(command)

    # THEN one sentence naming every host, exit 2, and the local stack was never reached
    assert (code, out, stack_deployed) == (2, "", [])
    assert err.count("\n") == 1 and "(no network?)" in err and "make demo" in err
    assert all(host in err for host in HOSTS)
    # each host looked up once: no retry, no second round by the poll
    assert no_name_resolution == Counter(dict.fromkeys(HOSTS, 1))


@pytest.mark.parametrize("command", ["run", "serve"])
def test_one_host_that_resolves_is_enough_to_poll(
    deptwatch: Deptwatch, only_some_resolve: Counter[str], stack_deployed: list[str], command: str
) -> None:
    # GIVEN only GOV.UK's name resolves
    # WHEN `deptwatch run` (or `serve`) polls the live APIs
    code, _, err = deptwatch(command)

    # THEN it goes on to the local stack (whose poll reports each source that fails, as before)
    assert (code, stack_deployed) == (0, [f"command_{command}"])
    assert "no network" not in err
    assert set(only_some_resolve) == HOSTS


def test_offline_asks_no_name(
    deptwatch: Deptwatch, no_name_resolution: Counter[str], stack_deployed: list[str]
) -> None:
    # GIVEN no name resolves, WHEN the demo runs on the recorded responses
    code, _, _ = deptwatch("run", "--offline")

    # THEN nothing is looked up and the stack is reached
    assert (code, stack_deployed, no_name_resolution) == (0, ["command_run"], Counter())


@pytest.fixture
def one_host_hangs(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Every name fails at once except one, whose lookup waits until the test ends (a resolver that is slow)."""
    released = threading.Event()

    def resolve(host: object, *args: object, **kwargs: object) -> Any:
        if host == RESOLVING:
            released.wait()
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    yield released
    released.set()


def test_a_slow_resolver_is_not_taken_for_no_network(one_host_hangs: threading.Event) -> None:
    # GIVEN every lookup fails except one that has not answered
    # WHEN the hosts are looked up within the bound (only the hung lookup waits it out: ample on a busy machine)
    unresolved = reachability.unresolved(HOSTS, within=2.0)

    # THEN the unanswered host is not counted as failed, so the poll goes ahead and finds out for itself
    assert unresolved == HOSTS - {RESOLVING}


def test_run_without_network_never_imports_moto(tmp_path: Path) -> None:
    # GIVEN a `deptwatch` process on a machine where no name resolves (a sitecustomize, as the bench does)
    (tmp_path / "sitecustomize.py").write_text(NO_NAME_RESOLUTION)
    script = (
        "import sys\nfrom infra.cli.main import main\ncode = main(['run'])\n"
        "print(sorted({name.split('.')[0] for name in sys.modules} & {'moto', 'cfnlint', 'boto3'}))\nsys.exit(code)"
    )
    environment = {name: value for name, value in os.environ.items() if name not in PROXY_VARIABLES}
    environment["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(ROOT)])

    # WHEN it runs `deptwatch run`
    done = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=environment, timeout=120
    )

    # THEN it fails with the one sentence, having imported neither moto nor the template's decoder nor boto3
    assert done.returncode == 2, done.stderr
    assert done.stdout.strip() == "[]"
    assert done.stderr.count("\n") == 1 and "(no network?)" in done.stderr
