"""Statutory instruments through `deptwatch ingest --source statutory-instruments --json`: records built from the
API's documented shape (infra/local/recordings/statutory-instruments/, none real), including House ordinals, offset
dates, null lists, an off-host link, a procedure step that is withdrawn from the record, and a laying body that is
not a department. Expected values are worked out here from the records."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.helpers import recorded as recorded_body
from tests.integration.deployed import Deptwatch
from tests.integration.test_cli_ingest import TOPIC_PREFIX, Ingested, json_lines, write

LONDON = ZoneInfo("Europe/London")
DFE = "department-for-education"
DHSC = "department-of-health-and-social-care"


@pytest.fixture
def ingest(deptwatch: Deptwatch) -> Callable[..., Ingested]:
    def run(*arguments: str | Path) -> Ingested:
        code, out, err = deptwatch("ingest", "--json", *map(str, arguments))
        return Ingested(code, out, err, json_lines(out))

    return run


def recorded(instrument_id: str) -> dict[str, Any]:
    return recorded_body(f"statutory-instruments/instrument_{instrument_id}.json")  # type: ignore[no-any-return]


def with_steps(response: dict[str, Any], count: int) -> dict[str, Any]:
    changed = copy.deepcopy(response)
    changed["value"]["businessItems"] = changed["value"]["businessItems"][:count]
    return changed


def test_an_instrument_and_each_procedure_step_are_notified_once(ingest, tmp_path):
    # GIVEN DHSC's draft affirmative instrument when laid, after the JCSI report, when approved, and then with the
    # approval gone from the record again (Parliament corrected it), each version delivered twice
    full = recorded("EfGh5678")
    versions = [with_steps(full, 1), with_steps(full, 2), full, with_steps(full, 2)]
    files = [write(tmp_path, f"{n}.json", body) for n, body in enumerate(versions)]

    # WHEN ingested in order
    run = ingest("--source", "statutory-instruments", *(path for path in files for _ in range(2)))

    # THEN one message per change, on DHSC's topic
    assert run.code == 0, run.stderr
    assert run.events() == [("new", 1), ("progressed", 2), ("progressed", 3), ("progressed", 4)]
    assert {line["topic_arn"] for line in run.lines} == {TOPIC_PREFIX + DHSC}
    laid, report, approved, back = (line["message"] for line in run.lines)

    # AND the first is the instrument as laid: procedure, laying date (the offset date as that instant), its link
    item = laid["item"]
    assert item["id"] == "statutory-instruments:EfGh5678" and item["kind"] == "statutory-instrument"
    assert item["title"] == "The Medicines (Amendment) Order 2024"
    assert item["url"] == "https://statutoryinstruments.parliament.uk/instrument/EfGh5678/"
    assert item["category"] == "Draft affirmative" and item["details"]["procedure"] == "Draft affirmative"
    assert datetime.fromisoformat(item["published_at"]) == datetime(2024, 4, 22, tzinfo=LONDON)
    assert item["details"]["laid_commons"] == "2024-04-22" and item["details"]["laid_lords"] == "2024-04-22"
    assert [a["url"] for a in item["attachments"]] == [
        "https://www.legislation.gov.uk/ukdsi/2024/9780348256789/contents"
    ]
    assert item["details"]["stage"] == (
        "Laid before the House of Commons, Laid before the House of Lords (Commons and Lords, 2024-04-22)"
    )
    # AND each step names itself with its House and date, and what it was before
    assert report["item"]["details"]["stage"] == "JCSI report (Commons and Lords, 2024-05-01)"
    assert approved["item"]["details"]["stage"] == "Approved by the House of Commons (Commons, 2024-05-14)"
    assert approved["changes"]["previous"]["details.stage"] == "JCSI report (Commons and Lords, 2024-05-01)"
    assert back["item"]["details"]["stage"] == "JCSI report (Commons and Lords, 2024-05-01)"
    assert "Latest step: Approved by the House of Commons" in run.lines[2]["email"]


def test_awkward_instruments_reach_their_department_and_another_laying_body_is_refused(ingest, tmp_path):
    # GIVEN a DfE instrument laid in the Lords only with no procedure, null business items and a link off
    # legislation.gov.uk; a DHSC one prayed against; one laid by the Electoral Commission (not a department)
    files = [write(tmp_path, f"{name}.json", recorded(name)) for name in ("IjKl9012", "UvWx2345", "MnOp3456")]
    run = ingest("--source", "statutory-instruments", *files)

    assert run.delivered() == {
        ("statutory-instruments:IjKl9012", DFE): 1,
        ("statutory-instruments:UvWx2345", DHSC): 1,
    }
    by_id = {line["message"]["item"]["id"].split(":")[1]: line["message"]["item"] for line in run.lines}
    lords_only = by_id["IjKl9012"]
    assert lords_only["house"] == "lords" and lords_only["attachments"] == []
    assert lords_only["details"]["stage"] is None and lords_only["details"]["number"] == "SI 2024/530"
    assert by_id["UvWx2345"]["details"]["stage"] == "Motion to annul tabled (prayed against) (Commons, 2024-05-07)"
    assert run.code == 1
    assert "MnOp3456" in run.stderr and "Electoral Commission" in run.stderr
