"""`python -m bench --help` lists the rows and what each measures; an unknown row is refused (it printed an empty
table)."""

from __future__ import annotations

import pytest

from bench.__main__ import ROWS, main


def test_help_lists_every_row_and_what_it_measures(capsys: pytest.CaptureFixture[str]) -> None:
    # WHEN a user asks for help
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    # THEN after the usage, each row is one line: its name, then what it measures, the descriptions in one column
    usage, rows = out.split("\nRows:\n")
    assert usage.startswith("`python -m bench [ROW ...] [--large]`")
    lines = rows.splitlines()
    listed = dict(line.split(maxsplit=1) for line in lines)
    assert listed == ROWS
    assert len({line.index(listed_what) for line, listed_what in zip(lines, listed.values(), strict=True)}) == 1
    assert all(line.startswith("  ") for line in lines)


def test_an_unknown_row_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["requets"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and "requests" in captured.err
