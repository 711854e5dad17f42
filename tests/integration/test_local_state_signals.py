"""Signals around the saving of `--state DIR`: a save is never cut between two renames, even with other threads alive
(the offline replay server, a resolver thread), and a signal the user's shell ignores (nohup) stays ignored."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.local.stack import local_stack
from infra.local.state import KeptState
from tests.integration.conftest import Deptwatch

RUN = ("run", "--offline", "--quiet")


@pytest.fixture
def another_thread_alive() -> Iterator[threading.Thread]:
    """A thread other than the main one, alive for the test (as the replay server's is during a command)."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    yield thread
    stop.set()
    thread.join()


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_the_save_waits_until_every_file_is_renamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, another_thread_alive: threading.Thread, number: int
) -> None:
    # GIVEN a stack whose state is being saved while another thread is alive, each signal raising KeyboardInterrupt
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {n: signal.signal(n, interrupt) for n in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    renamed: list[str] = []
    real_replace = os.replace

    def replace(source: str, destination: str | Path) -> None:
        if not renamed:  # WHEN the signal arrives during the first rename
            os.kill(os.getpid(), number)
            time.sleep(0.05)  # an interruptible wait: a handler run now would raise here
        real_replace(source, destination)
        renamed.append(Path(destination).name)

    try:
        with local_stack() as stack:
            monkeypatch.setattr(os, "replace", replace)
            with pytest.raises(KeyboardInterrupt):
                KeptState(stack, tmp_path).save()
            monkeypatch.undo()
    finally:
        for n, handler in previous.items():
            signal.signal(n, handler)

    # THEN every file was renamed before the interruption, which follows the save
    written = sorted(path.name for path in tmp_path.glob("*.json"))
    assert sorted(renamed) == written and "manifest.json" in written and len(written) > 2
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_hangup_ignored_by_nohup_does_not_stop_run_watch(
    deptwatch: Deptwatch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN `nohup deptwatch run --watch --state D`: SIGHUP ignored when the command starts
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        # WHEN the terminal hangs up during the first wait (and, so that the test ends, SIGTERM comes in the second)
        os.kill(os.getpid(), signal.SIGHUP if len(waits) == 1 else signal.SIGTERM)

    monkeypatch.setattr(time, "sleep", sleep)
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        code, _, err = deptwatch(*RUN, "--watch", "--state", str(tmp_path / "state"))
        # THEN the hang-up is ignored: the command polls again, until SIGTERM ends it in order
        assert code == 0, err
        assert len(waits) >= 2
        # AND SIGHUP is still ignored afterwards
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)
