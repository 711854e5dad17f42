"""`deptwatch departments`: the registry, offline, as a table or as one JSON array."""

from __future__ import annotations

import json

import pytest

from infra.cli import main
from shared.domain.departments import DEPARTMENTS


def run(capsys: pytest.CaptureFixture[str], *arguments: str) -> str:
    assert main(["departments", *arguments]) == 0
    return capsys.readouterr().out


def test_json_is_one_array_with_every_department_and_its_ids(capsys: pytest.CaptureFixture[str]) -> None:
    # WHEN listed as JSON
    listed = json.loads(run(capsys, "--json"))
    # THEN every department is there, in registry order, with its ids and slugs (current first, then former)
    assert [entry["slug"] for entry in listed] == [department.slug for department in DEPARTMENTS]
    by_slug = {entry["slug"]: entry for entry in listed}
    dbist = by_slug["department-for-business-innovation-science-and-trade"]
    assert dbist["answering_body_ids"] == [220, 214, 216, 202, 201]
    assert dbist["govuk_slugs"][:2] == [
        "department-for-business-innovation-science-and-trade",
        "department-for-business-and-trade",
    ]
    assert "DSIT" in dbist["acronyms"]
    assert "Department for Business and Trade" in dbist["other_names"]
    # AND acronyms and other names split the registry's aliases between them
    treasury = by_slug["hm-treasury"]
    assert (treasury["acronyms"], treasury["other_names"]) == (["HMT"], ["Treasury"])
    assert by_slug["department-for-environment-food-rural-affairs"]["acronyms"] == ["Defra"]
    for department in DEPARTMENTS:
        entry = by_slug[department.slug]
        assert sorted(entry["acronyms"] + entry["other_names"]) == sorted(department.aliases)


def test_the_table_has_a_row_per_department_and_its_details(capsys: pytest.CaptureFixture[str]) -> None:
    # WHEN listed as a table
    lines = run(
        capsys,
    ).splitlines()
    # THEN the header comes first, each slug starts a line, and details are indented below their row
    assert lines[0].split() == ["SLUG", "ANSWERING", "BODIES", "NAME", "(ACRONYMS)"]
    starts = [line.split()[0] for line in lines[1:] if line and not line.startswith(" ")]
    assert starts == [department.slug for department in DEPARTMENTS]
    education = next(line for line in lines if line.startswith("department-for-education "))
    assert education.split()[1:] == ["60", "Department", "for", "Education", "(DfE)"]
    assert "    also known as: Treasury" in lines
    assert "    GOV.UK: department-of-health-and-social-care, department-of-health" in lines
