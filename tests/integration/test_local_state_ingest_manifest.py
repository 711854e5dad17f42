"""The manifest of a `--state DIR` says where its items came from: the live APIs, the recorded responses (`--offline`)
or files given to `ingest`. States of recordings and of files mix with each other; neither reaches a live run (its
items would show on the live read side, its watermarks would be the recordings')."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from infra.local.replay import RECORDED
from tests.integration.conftest import Deptwatch

DEMO = ("run", "--offline", "--quiet")
LISTED = RECORDED / "written-questions" / "list_2024-01-05.json"
INGEST = ("ingest", "--quiet", "--source", "written-questions")


def _table_files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.glob("*Table.json"))}


@pytest.fixture
def behind_a_proxy(no_name_resolution: Counter[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """No name resolves here, but an HTTPS proxy would: the live run gets past its no-network check to the state."""
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")


def test_ingest_into_the_state_of_the_demo_is_accepted(deptwatch: Deptwatch, tmp_path: Path) -> None:
    # GIVEN the state of `make demo ARGS='--state D'`
    state = tmp_path / "state"
    first_code, _, first_err = deptwatch(*DEMO, "--state", str(state))
    assert first_code == 0, first_err
    # WHEN a file is ingested with the same state
    code, _, err = deptwatch(*INGEST, "--state", str(state), str(LISTED))
    # THEN it is accepted, and the state says it now holds ingested files
    assert code == 0, err
    assert json.loads((state / "manifest.json").read_bytes())["upstream"] == "files"
    # AND the demo still takes it
    again_code, _, again_err = deptwatch(*DEMO, "--state", str(state))
    assert again_code == 0, again_err


@pytest.mark.parametrize("made_by", ["ingest", "demo"])
def test_a_state_of_files_or_recordings_is_refused_by_a_live_run(
    deptwatch: Deptwatch, tmp_path: Path, behind_a_proxy: None, made_by: str
) -> None:
    # GIVEN a state made by `ingest` (or by the offline demo)
    state = tmp_path / "state"
    made = (*INGEST, "--state", str(state), str(LISTED)) if made_by == "ingest" else (*DEMO, "--state", str(state))
    first_code, _, first_err = deptwatch(*made)
    assert first_code == 0, first_err
    before = _table_files(state)
    # WHEN a live run is given it
    code, out, err = deptwatch("run", "--quiet", "--state", str(state))
    # THEN it is refused in one line saying why, exit 2, the state untouched
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert "live" in err and "no network" not in err, err
    assert _table_files(state) == before
    assert out == ""
