"""`--state DIR`: the local stack's tables kept between commands, so that a second run announces nothing the first did
(issue #16). Through the `deptwatch` command on the offline recordings, and the dump/restore itself on moto."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.local.stack import LocalStack, local_stack
from infra.local.state import STATE_FORMAT, dump, restore
from tests.integration.conftest import Deptwatch

TABLE_FILES = {"ItemsTable.json", "ReadTable.json", "StateTable.json"}


def _notifications(out: str) -> int:
    return sum(line.startswith("--- ") for line in out.splitlines())


def _files(directory: Path) -> dict[str, bytes]:
    """The files of a state directory but its lock (made by every command given it)."""
    paths = sorted(p for p in directory.iterdir() if p.name != ".lock") if directory.exists() else []
    return {path.name: path.read_bytes() for path in paths}


def test_a_second_run_with_the_same_state_announces_nothing_the_first_did(deptwatch: Deptwatch, tmp_path: Path) -> None:
    # GIVEN a state directory that does not exist yet
    state = tmp_path / "state"
    # WHEN the offline demo runs with it, twice
    first_code, first_out, first_err = deptwatch("run", "--offline", "--quiet", "--state", str(state))
    second_code, second_out, second_err = deptwatch("run", "--offline", "--quiet", "--state", str(state))
    # THEN the first announces as a run without state does, and leaves one file per table of the template
    assert first_code == 0, first_err
    assert _notifications(first_out) > 0
    assert set(_files(state)) == TABLE_FILES | {"manifest.json"}
    assert all(json.loads(content)["format"] == STATE_FORMAT for content in _files(state).values())
    # AND the second, which fetches the same records, announces none of them again
    assert second_code == 0, second_err
    assert _notifications(second_out) == 0
    assert "0 notification(s) delivered" in second_out


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        json.dumps({"format": "deptwatch.local-state/2", "table": "StateTable", "items": []}).encode(),
        json.dumps({"format": STATE_FORMAT, "table": "StateTable", "items": [{"id": {"B": "not base64!"}}]}).encode(),
    ],
    ids=["corrupt", "future-format", "bad-binary"],
)
def test_a_state_file_that_cannot_be_read_is_one_line_and_left_untouched(
    deptwatch: Deptwatch, tmp_path: Path, content: bytes
) -> None:
    # GIVEN a state directory whose StateTable file this version cannot read
    (tmp_path / "StateTable.json").write_bytes(content)
    # WHEN a run is given it
    code, out, err = deptwatch("run", "--offline", "--quiet", "--state", str(tmp_path))
    # THEN it says which file and why in one line, exits 2, and neither changes nor adds a file
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "StateTable.json" in err and "Traceback" not in err
    assert _files(tmp_path) == {"StateTable.json": content}
    assert out == ""


def test_a_run_refused_for_a_user_error_writes_no_state(deptwatch: Deptwatch, tmp_path: Path) -> None:
    # GIVEN a watches file that is not JSON
    watches = tmp_path / "watches.json"
    watches.write_text("[{")
    state = tmp_path / "state"
    # WHEN a run is given it with a state directory
    code, _, err = deptwatch("run", "--offline", "--quiet", "--watches", str(watches), "--state", str(state))
    # THEN it is refused, and no state is written
    assert code == 2, err
    assert not state.exists()


def test_a_run_interrupted_while_its_pipeline_works_keeps_the_previous_state(
    deptwatch: Deptwatch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a state written by a run
    state = tmp_path / "state"
    first_code, _, first_err = deptwatch("run", "--offline", "--quiet", "--state", str(state))
    assert first_code == 0, first_err
    before = _files(state)

    # AND a pipeline interrupted (Ctrl-C) while its stream is processed, after something new was stored
    def interrupted(self: LocalStack, mapping: object) -> bool:
        self.dynamodb.put_item(TableName=self.output("StateTableName"), Item={"id": {"S": "stored-mid-pipeline"}})
        raise KeyboardInterrupt

    monkeypatch.setattr(LocalStack, "pump_stream", interrupted)
    # WHEN a run with that state is interrupted so
    code, _, err = deptwatch("run", "--offline", "--quiet", "--state", str(state))
    # THEN every file of the state is byte for byte what it was (items stored but not notified are not kept as
    # seen), no temporary file is left, and the interruption is said in one line, exit 130
    assert code == 130
    assert err.strip().splitlines() == ["deptwatch: interrupted mid-pipeline: state not saved, the previous state kept"]
    assert _files(state) == before


def test_binary_values_and_sets_come_back_as_they_were(tmp_path: Path) -> None:
    # GIVEN an item with binary values, sets of each type and nested binary, in the local stack's state table
    item = {
        "id": {"S": "state-test"},
        "blob": {"B": b"\x00\xff compressed"},
        "blobs": {"BS": [b"\x01", b"\x02\x03"]},
        "names": {"SS": ["a", "b"]},
        "numbers": {"NS": ["1", "2.5"]},
        "nested": {"M": {"list": {"L": [{"B": b"\x04"}, {"N": "7"}, {"NULL": True}, {"BOOL": False}]}}},
    }
    with local_stack() as stack:
        stack.dynamodb.put_item(TableName=stack.output("StateTableName"), Item=item)
        dump(stack, tmp_path)
    # THEN the file holds the binary as base64 text
    written = json.loads((tmp_path / "StateTable.json").read_bytes())
    assert {"B": "AP8gY29tcHJlc3NlZA=="} in [row["blob"] for row in written["items"]]
    # WHEN a new stack restores the directory
    with local_stack() as stack:
        restore(stack, tmp_path)
        got = stack.dynamodb.get_item(TableName=stack.output("StateTableName"), Key={"id": {"S": "state-test"}})
    # THEN the item is the same, sets still sets
    assert got["Item"]["blob"] == item["blob"]
    assert sorted(got["Item"]["blobs"]["BS"]) == item["blobs"]["BS"]
    assert sorted(got["Item"]["names"]["SS"]) == ["a", "b"]
    assert sorted(got["Item"]["numbers"]["NS"]) == ["1", "2.5"]
    assert got["Item"]["nested"] == item["nested"]


def test_a_saved_watch_comes_back_with_its_topic(deptwatch: Deptwatch, tmp_path: Path) -> None:
    from infra.local.replay import RECORDED

    # GIVEN a watch saved by one `ingest --state D --watches FILE` of the questions that do not match it
    listed = json.loads((RECORDED / "written-questions" / "list_2024-01-05.json").read_bytes())
    river_tame = {"1679507", "1679508", "1679509"}  # the questions whose text has "River Tame" and pollution
    others = [r for r in listed["results"] if str(r["value"]["id"]) not in river_tame]
    (tmp_path / "others.json").write_text(json.dumps({"totalResults": len(others), "results": others}))
    (tmp_path / "all.json").write_text(json.dumps(listed))
    (tmp_path / "watches.json").write_text(json.dumps([{"name": "river-tame", "query": '"River Tame" pollution'}]))
    state = str(tmp_path / "state")
    arguments = ("ingest", "--json", "--quiet", "--source", "written-questions", "--state", state)
    first_code, _, first_err = deptwatch(
        *arguments, "--watches", str(tmp_path / "watches.json"), str(tmp_path / "others.json")
    )
    # WHEN the next ingest, without --watches, brings the questions that match it
    code, out, err = deptwatch(*arguments, str(tmp_path / "all.json"))
    # THEN the watch is still saved and its topic there: its matches are delivered to it, and only the new questions
    # are announced at all
    assert first_code == 0 and code == 0, first_err + err
    lines = [json.loads(line) for line in out.splitlines()]
    to_watch = {line["message"]["item"]["id"].removeprefix("written-questions:") for line in lines if "watch" in line}
    announced = {line["message"]["item"]["id"].removeprefix("written-questions:") for line in lines}
    assert to_watch == river_tame
    assert announced == river_tame


def test_dead_letters_left_at_the_end_are_said_not_to_be_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from infra.local.state import kept_state

    # GIVEN a command whose dead-letter queue holds a message when it ends
    with local_stack() as stack, kept_state(stack, tmp_path):
        stack.sqs.send_message(QueueUrl=stack.output("DeadLetterQueueUrl"), MessageBody="{}")
    # THEN the state is written, and the user is told the dead letter is not in it
    assert (tmp_path / "StateTable.json").exists()
    assert "1 message(s) on the dead-letter queues are not kept" in capsys.readouterr().err
