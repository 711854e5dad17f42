"""Integration fixtures shared by the tests of the `deptwatch` commands that work on a deployed stack."""

from __future__ import annotations

import os
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
