"""`python -m bench --help` lists the rows and what each measures; an unknown row is refused (it printed an empty
table)."""

from __future__ import annotations

import pytest

from bench.__main__ import ROWS, main


def test_help_lists_every_row_and_what_it_measures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name, what in ROWS.items():
        assert f"  {name:<11} {what}" in out


def test_an_unknown_row_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["requets"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and "requests" in captured.err
