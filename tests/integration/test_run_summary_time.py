"""Each poll of `deptwatch run` ends with a summary that carries its time (London), so the polls of `--watch` can be
told apart (issue #16)."""

from __future__ import annotations

import re
from datetime import datetime

from shared.domain.timeutil import LONDON
from tests.integration.conftest import Deptwatch


def test_a_polls_summary_line_says_when_it_was_polled(deptwatch: Deptwatch) -> None:
    before = datetime.now(LONDON).replace(microsecond=0, tzinfo=None)
    code, out, err = deptwatch("run", "--offline", "--quiet")
    assert code == 0, err
    [summary] = [line for line in out.splitlines() if "record(s) fetched" in line]
    match = re.fullmatch(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (GMT|BST)\] \d+ record\(s\) fetched, \d+ .*", summary)
    assert match, summary
    assert datetime.fromisoformat(match[1]) >= before
