"""Integration fixtures shared by the tests of the `deptwatch` commands that work on a deployed stack."""

from __future__ import annotations

import os
import socket
from collections import Counter
from collections.abc import Iterator

import pytest

from infra.cli import main
from tests.integration.deployed import Deptwatch


@pytest.fixture
def deptwatch(capsys: pytest.CaptureFixture[str]) -> Iterator[Deptwatch]:
    """Run the `deptwatch` command in-process: its exit status, stdout and stderr (the environment it changes is
    put back afterwards)."""
    saved = dict(os.environ)

    def run(*arguments: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = main(list(arguments))
        except SystemExit as exit_:  # argparse refusing the arguments
            code = exit_.code if isinstance(exit_.code, int) else 1
        out, err = capsys.readouterr()
        return code, out, err

    try:
        yield run
    finally:
        os.environ.clear()
        os.environ.update(saved)


PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy")
"""Cleared by `no_name_resolution`: a proxy (or a machine's NO_PROXY) would decide what is looked up here."""


@pytest.fixture
def no_name_resolution(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """A machine without network: every name but loopback fails to resolve (as with no DNS); counts the lookups."""
    looked_up: Counter[str] = Counter()
    real = socket.getaddrinfo

    def resolve(host: object, *args: object, **kwargs: object) -> object:
        if host in ("localhost", "127.0.0.1", "::1"):
            return real(host, *args, **kwargs)  # type: ignore[arg-type]
        looked_up[str(host)] += 1
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    for name in PROXY_VARIABLES:  # behind a proxy the names are not looked up here (infra.local.reachability)
        monkeypatch.delenv(name, raising=False)
    return looked_up
