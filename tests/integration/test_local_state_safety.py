"""`--state DIR` kept safely: saved at each settled point and never half-saved, an unusable directory refused before
anything is announced, one command per directory, a state made offline not reused live (issue #16). Through the
`deptwatch` command on the offline recordings."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.local.stack import LocalStack, local_stack
from infra.local.state import STATE_FORMAT, dump
from tests.integration.conftest import Deptwatch

RUN = ("run", "--offline", "--quiet")


def _notifications(out: str) -> int:
    return sum(line.startswith("--- ") for line in out.splitlines())


def _table_files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.glob("*Table.json"))}


@pytest.fixture
def interrupted_in_the_second_poll(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """`run --watch`: the first poll ends, the interval passes at once, and the second poll's stream processing is
    interrupted (Ctrl-C) once; yields the drains counted."""
    drains: list[int] = []
    real_drain = LocalStack.drain

    def drain(self: LocalStack, *args: object, **kwargs: object) -> None:
        drains.append(1)
        if len(drains) == 2:  # the second poll's pipeline: stopped halfway
            self.draining = True
            raise KeyboardInterrupt
        real_drain(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(LocalStack, "drain", drain)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    yield drains


def test_ctrl_c_in_a_later_poll_of_run_watch_keeps_the_polls_before_it(
    deptwatch: Deptwatch, tmp_path: Path, interrupted_in_the_second_poll: list[int]
) -> None:
    # GIVEN `run --watch --state D` whose second poll is interrupted while its pipeline works
    state = tmp_path / "state"
    code, out, err = deptwatch(*RUN, "--watch", "--interval", "1", "--state", str(state))
    # THEN the first poll's announcements are kept in the state, the user is told in one line that the interrupted
    # poll was not saved, and the exit status is 130
    assert _notifications(out) > 0
    assert code == 130, err
    assert err.strip().splitlines()[-1] == (
        "deptwatch: interrupted mid-pipeline: state not saved, the previous state kept"
    )
    assert {"ItemsTable.json", "StateTable.json", "ReadTable.json"} <= {p.name for p in state.iterdir()}
    # AND a run after it announces nothing the first poll did
    again_code, again_out, again_err = deptwatch(*RUN, "--state", str(state))
    assert again_code == 0, again_err
    assert _notifications(again_out) == 0


def test_sigterm_ends_a_command_as_ctrl_c_does(
    deptwatch: Deptwatch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN `run --watch --state D` sent SIGTERM while it waits for its next poll (a settled point)
    def terminate(seconds: float) -> None:
        # without deptwatch's handler SIGTERM would kill the test worker: fail the test instead
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(time, "sleep", terminate)
    state = tmp_path / "state"
    code, out, err = deptwatch(*RUN, "--watch", "--state", str(state))
    # THEN it ends in order: exit 0, the state written
    assert code == 0, err
    assert _notifications(out) > 0
    assert (state / "StateTable.json").exists()
    # AND the previous SIGTERM handler is back
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


@pytest.mark.parametrize("where", ["parent-is-a-file", "state-is-a-file-in-the-way"])
def test_a_state_directory_that_cannot_be_written_is_refused_before_anything_is_announced(
    deptwatch: Deptwatch, tmp_path: Path, where: str
) -> None:
    # GIVEN a --state path under a regular file
    (tmp_path / "file").write_text("x")
    state = tmp_path / "file" / "state" if where == "parent-is-a-file" else tmp_path / "file" / "deeper" / "state"
    # WHEN a run is given it
    code, out, err = deptwatch(*RUN, "--state", str(state))
    # THEN it is refused in one line naming it, exit 2, before anything is announced
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert str(tmp_path / "file") in err and "Traceback" not in err
    assert out == ""


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes a read-only directory")
def test_a_read_only_state_directory_is_refused_before_anything_is_announced(
    deptwatch: Deptwatch, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    state.chmod(0o500)
    try:
        code, out, err = deptwatch(*RUN, "--state", str(state))
    finally:
        state.chmod(0o700)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and str(state) in err
    assert out == ""


def test_a_dump_that_fails_is_one_line_naming_the_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from infra.local.state import StateError

    # GIVEN a disk that refuses the writes
    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    # WHEN the tables are dumped
    with local_stack() as stack, pytest.raises(StateError) as refused:
        dump(stack, tmp_path)
    # THEN the error names the directory and why
    assert str(tmp_path) in str(refused.value) and "No space left" in str(refused.value)


def test_a_dump_that_fails_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from infra.local.state import StateError

    # GIVEN a disk that refuses the writes
    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    # WHEN the tables are dumped
    with local_stack() as stack, pytest.raises(StateError):
        dump(stack, tmp_path)
    # THEN no temporary file is left behind
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "value",
    [{"S": 5}, {"BOOL": "yes"}, {"Q": "x"}, {"SS": "not a list"}, {"M": []}, {"S": "a", "N": "1"}, "plain"],
    ids=["S-number", "BOOL-string", "unknown-type", "SS-string", "M-list", "two-types", "not-a-map"],
)
def test_a_state_file_with_a_wrong_value_type_is_one_line_naming_it(
    deptwatch: Deptwatch, tmp_path: Path, value: object
) -> None:
    # GIVEN a state file whose attribute value is not of its DynamoDB type
    content = json.dumps({"format": STATE_FORMAT, "table": "StateTable", "items": [{"id": {"S": "x"}, "v": value}]})
    (tmp_path / "StateTable.json").write_text(content)
    # WHEN a run is given it
    code, out, err = deptwatch(*RUN, "--state", str(tmp_path))
    # THEN one line names the file, exit 2, the file untouched
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert "StateTable.json" in err and "Traceback" not in err
    assert (tmp_path / "StateTable.json").read_text() == content
    assert out == ""


def test_a_state_directory_in_use_by_another_command_is_refused_naming_its_pid(
    deptwatch: Deptwatch, tmp_path: Path
) -> None:
    # GIVEN another command holding the state directory (its lock, with its pid)
    lock = os.open(tmp_path / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(lock, b"4242\n")
        # WHEN a run is given the same directory
        code, out, err = deptwatch(*RUN, "--state", str(tmp_path))
    finally:
        os.close(lock)
    # THEN it is refused in one line naming that pid, exit 2, and writes no table
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "4242" in err, err
    assert not list(tmp_path.glob("*Table.json"))
    assert out == ""


def test_the_dump_leaves_out_expired_rows_and_keeps_the_files_private(tmp_path: Path) -> None:
    # GIVEN a state table with a row whose TTL has passed and one whose TTL has not
    now = int(time.time())
    with local_stack() as stack:
        table = stack.output("StateTableName")
        for name, expiration in (("expired", now - 60), ("current", now + 3600), ("no-ttl", None)):
            item = {"id": {"S": name}} | ({"expiration": {"N": str(expiration)}} if expiration else {})
            stack.dynamodb.put_item(TableName=table, Item=item)
        dump(stack, tmp_path)
    # THEN only the rows still alive are written, readable by the owner only
    ids = {row["id"]["S"] for row in json.loads((tmp_path / "StateTable.json").read_bytes())["items"]}
    assert {"current", "no-ttl"} <= ids and "expired" not in ids
    assert (tmp_path / "StateTable.json").stat().st_mode & 0o777 == 0o600


def test_a_state_made_for_other_departments_is_refused(deptwatch: Deptwatch, tmp_path: Path) -> None:
    state = tmp_path / "state"
    first_code, _, first_err = deptwatch(*RUN, "--state", str(state))
    assert first_code == 0, first_err
    code, _, err = deptwatch(*RUN, "--departments", "home-office", "--state", str(state))
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Departments" in err, err


def test_ingest_digest_twice_with_the_same_state_sends_the_digest_once(deptwatch: Deptwatch, tmp_path: Path) -> None:
    from infra.local.replay import RECORDED

    # GIVEN a watch asking for a daily digest, and a state directory
    (tmp_path / "watches.json").write_text(json.dumps([{"name": "all", "frequency": "daily"}]))
    listed = RECORDED / "written-questions" / "list_2024-01-05.json"
    arguments = ("ingest", "--json", "--quiet", "--source", "written-questions", "--digest", "daily")
    state = ("--state", str(tmp_path / "state"), "--watches", str(tmp_path / "watches.json"))
    # WHEN the same file is ingested twice with --digest
    first_code, first_out, first_err = deptwatch(*arguments, *state, str(listed))
    code, out, err = deptwatch(*arguments, *state, str(listed))
    # THEN the first sends a digest, the second none
    assert first_code == 0 and code == 0, first_err + err
    assert any("digest" in json.loads(line) for line in first_out.splitlines()), first_out
    assert not any("digest" in json.loads(line) for line in out.splitlines()), out
    assert "no new version stored: no digest to send" in err


def test_serve_saves_the_state_before_it_serves(
    deptwatch: Deptwatch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import infra.local.serve

    # GIVEN `serve --state D`, which polls once and then serves until it is stopped
    state = tmp_path / "state"
    saved_when_serving: list[bool] = []
    real_server = infra.local.serve.read_api_server

    def read_api_server(*args: Any, **kwargs: Any) -> Any:
        server = real_server(*args, **kwargs)

        def serve_forever(poll_interval: float = 0.5) -> None:
            saved_when_serving.append((state / "StateTable.json").exists())
            raise KeyboardInterrupt

        server.serve_forever = serve_forever  # type: ignore[method-assign]
        return server

    monkeypatch.setattr(infra.local.serve, "read_api_server", read_api_server)
    # WHEN it serves
    code, _, err = deptwatch("serve", "--offline", "--port", "0", "--state", str(state))
    # THEN what it announced was saved before it began serving (a SIGKILL while serving loses nothing)
    assert code == 0, err
    assert saved_when_serving == [True]
