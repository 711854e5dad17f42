"""`deptwatch ingest --json` on the real-data shapes of issue #11 (tests/constructed/): what reaches which topic."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.deployed import Deptwatch
from tests.unit.trust.constructed import CONSTRUCTED

TOPIC_PREFIX = "arn:aws:sns:eu-west-2:123456789012:deptwatch-local-"
DFE, DFT = "department-for-education", "department-for-transport"


@dataclass
class Ingested:
    code: int
    stderr: str
    lines: list[dict[str, Any]]


@pytest.fixture
def ingest(deptwatch: Deptwatch) -> Callable[..., Ingested]:
    def run(*arguments: str | Path) -> Ingested:
        code, out, err = deptwatch("ingest", "--json", *map(str, arguments))
        return Ingested(code, err, [json.loads(line) for line in out.splitlines() if line.strip()])

    return run


def test_ingest_with_a_department_delivers_its_question_time_and_refuses_a_debate(ingest):
    # GIVEN a response holding DfE's question time and a Westminster Hall debate
    response = CONSTRUCTED / "whatson-events/department_answer_with_a_debate.json"

    # WHEN it is ingested with --department DfE
    run = ingest("--source", "whatson-events", "--department", DFE, response)

    # THEN only the question time reaches DfE; the debate is reported, naming the file, the record and why; exit 1
    assert [(line["topic_arn"], line["message"]["item"]["id"]) for line in run.lines] == [
        (TOPIC_PREFIX + DFE, "whatson-events:51301")
    ]
    assert run.code == 1
    [report] = [line for line in run.stderr.splitlines() if line.startswith("deptwatch: ")]
    assert str(response) in report and "51290" in report and "not a departmental question time" in report


def test_ingest_of_an_agency_result_reaches_the_parent_department_with_the_organisation_attribute(ingest):
    # GIVEN the real GOV.UK result of the DVLA
    response = CONSTRUCTED / "govuk-publications/real_dvla_result.json"

    # WHEN it is ingested
    run = ingest("--source", "govuk-publications", response)

    # THEN it is delivered to the Department for Transport, filterable on the DVLA as its organisation
    assert run.code == 0, run.stderr
    [line] = run.lines
    assert line["topic_arn"] == TOPIC_PREFIX + DFT
    assert line["attributes"]["organisation"] == "driver-and-vehicle-licensing-agency"
    assert line["message"]["item"]["details"]["organisation"] == "driver-and-vehicle-licensing-agency"
