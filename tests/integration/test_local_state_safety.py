"""`--state DIR` kept safely: saved at each settled point and never half-saved, an unusable directory refused before
anything is announced, one command per directory, a state made offline not reused live (issue #16). Through the
`deptwatch` command on the offline recordings."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.local.stack import LocalStack
from infra.local.state import STATE_FORMAT
from tests.integration.conftest import Deptwatch

RUN = ("run", "--offline", "--quiet")


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
