"""Issue #16: the offline demo has one real detail recording among its written questions (and a few statements); the
others' detail is answered 404 as the API answers a record it does not have, so the demo shows what production shows
then: the list's cut text, and a note saying so with the source page, never the cut passed off as the whole."""

from __future__ import annotations

import re

from tests.integration.deployed import Deptwatch

NOTE = re.compile(r"^ +(\w[\w ]*) shortened by Parliament's list; the full (.+) (?:is|are) on the source page: (\S+)$")
RECORDED_DETAIL = "Apprentices: Employment Agencies"
"""The written question whose detail was recorded (1679416): complete, so no note."""


def test_the_demo_says_which_texts_are_the_lists_cut(deptwatch: Deptwatch) -> None:
    # WHEN the demo polls the recordings
    code, out, _ = deptwatch("run", "--offline", "--quiet")
    assert code == 0

    # THEN each written question or statement whose text the list cut says so, with its own source page
    sections = [s for s in out.split("\n--- ") if re.match(r"New written (question|statement)", s)]
    assert sections
    noted = 0
    for section in sections:
        lines = section.splitlines()
        notes = [match for line in lines if (match := NOTE.match(line))]
        # the list's cuts: an answer or statement at 255 characters and "...", a question at 255 characters
        cut = any(line.endswith("...") or len(line.strip()) == 255 for line in lines)
        assert bool(notes) == cut, section
        if notes:
            [note] = notes
            assert note.group(1).lower() == note.group(2)
            assert f"    Source page: {note.group(3)}" in lines
            noted += 1
        if RECORDED_DETAIL in lines[0]:
            assert not notes and not cut
    assert noted >= 10
    assert any(RECORDED_DETAIL in section.splitlines()[0] for section in sections)
