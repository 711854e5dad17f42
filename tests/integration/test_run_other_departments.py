"""`deptwatch run --departments X`: a section for a department not asked for says why it is shown (issue #16).

Items shared by several departments (a joint statement, a paper deposited by two departments) are notified to every
department they belong to, so polling one department also shows others' topics."""

from __future__ import annotations

import re

from tests.integration.deployed import Deptwatch

HEADING = re.compile(r"^=== (?P<name>.+) \((?P<slug>[a-z0-9-]+)\): \d+ notification\(s\) ===$", re.MULTILINE)


def test_sections_for_departments_not_asked_for_say_they_are_shared(deptwatch: Deptwatch) -> None:
    # WHEN the offline demo is run for the Department for Education only (by its acronym)
    code, out, err = deptwatch("run", "--offline", "--quiet", "--departments", "dfe")
    assert code == 0, err
    headings = list(HEADING.finditer(out))
    others = [heading for heading in headings if heading["slug"] != "department-for-education"]
    # THEN the recordings' shared items show other departments' sections
    assert {heading["slug"] for heading in headings} >= {"department-for-education"} and others
    for heading in headings:
        next_line = out[heading.end() + 1 :].split("\n", 1)[0]
        if heading in others:  # AND each says it was not asked for, and which asked-for department it shares
            assert next_line.startswith("(not asked for: shared with Department for Education, which you asked")
        else:
            assert not next_line.startswith("(not asked for")


def test_without_departments_no_section_is_marked(deptwatch: Deptwatch) -> None:
    code, out, err = deptwatch("run", "--offline", "--quiet")
    assert code == 0, err
    assert len(HEADING.findall(out)) > 3 and "(not asked for" not in out
