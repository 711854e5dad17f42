"""Bills through `deptwatch ingest --source bills --json`: records built from the Bills API's documented shape
(infra/local/recordings/bills/, none real: see its README), including the awkward ones: House enums written as
ordinals, dates with an offset, null lists, two sponsoring departments, a stage that moves back, a private member's
bill. Expected values are worked out here from the records, not from the source module."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.integration.deployed import Deptwatch
from tests.integration.test_cli_ingest import TOPIC_PREFIX, Ingested, json_lines, recorded, write

LONDON = ZoneInfo("Europe/London")
DFE = "department-for-education"
DHSC = "department-of-health-and-social-care"


@pytest.fixture
def ingest(deptwatch: Deptwatch) -> Callable[..., Ingested]:
    """`deptwatch ingest --json ...`, its output parsed."""

    def run(*arguments: str | Path) -> Ingested:
        code, out, err = deptwatch("ingest", "--json", *map(str, arguments))
        return Ingested(code, out, err, json_lines(out))

    return run


def _stage(stage_id: int, description: str, sort_order: int, day: str) -> dict[str, Any]:
    return {
        "id": stage_id,
        "stageId": 10,
        "sessionId": 39,
        "description": description,
        "abbreviation": None,
        "house": "Commons",
        "stageSittings": [{"id": stage_id, "billStageId": stage_id, "billId": 3501, "date": f"{day}T00:00:00"}],
        "sortOrder": sort_order,
    }


def _at_stage(bill: dict[str, Any], stage: dict[str, Any], last_update: str) -> dict[str, Any]:
    moved = copy.deepcopy(bill)
    if stage["id"] not in {s["id"] for s in moved["stages"]}:
        moved["stages"].append(stage)
    moved["currentStage"] = {**stage, "stageSittings": []}
    moved["lastUpdate"] = last_update
    return moved


def test_a_bill_s_stages_and_publications_are_each_notified_once(ingest, tmp_path):
    # GIVEN DfE's bill at committee stage, then at report stage, then with a new publication, then back at committee
    # stage (Parliament corrected its record), each version delivered twice
    first = recorded("bills/bill_3501.json")
    report = _at_stage(first, _stage(21004, "Report stage", 3, "2024-06-04"), "2024-06-04T18:00:00")
    published = copy.deepcopy(report)
    published["publications"].append(
        {
            "id": 51003,
            "title": "Children's Wellbeing and Schools Bill: impact assessment",
            "publicationType": {"id": 9, "name": "Impact Assessment"},
            "displayDate": "2024-06-05T00:00:00",
            "links": [{"title": "Impact assessment", "url": "https://www.example.com/ia.pdf", "contentType": "x"}],
            "files": [{"id": 61003, "filename": "ia.pdf", "contentType": "application/pdf", "contentLength": 1000}],
        }
    )
    published["lastUpdate"] = "2024-06-05T09:00:00"
    back = _at_stage(published, first["stages"][2], "2024-06-06T10:00:00")
    files = [write(tmp_path, f"{n}.json", body) for n, body in enumerate((first, report, published, back))]

    # WHEN they are ingested in order, each twice
    run = ingest("--source", "bills", *(path for path in files for _ in range(2)))

    # THEN one message per change, on DfE's topic, nothing for the duplicates
    assert run.code == 0, run.stderr
    assert run.events() == [("new", 1), ("progressed", 2), ("updated", 3), ("progressed", 4)]
    assert {line["topic_arn"] for line in run.lines} == {TOPIC_PREFIX + DFE}
    new, reported, updated, moved_back = (line["message"] for line in run.lines)

    # AND the first carries the bill as its page shows it: title, link, sponsor, dates with London's offset
    item = new["item"]
    assert item["id"] == "bills:3501" and item["kind"] == "bill"
    assert item["title"] == "Children's Wellbeing and Schools Bill"
    assert item["url"] == "https://bills.parliament.uk/bills/3501"
    assert item["house"] == "commons" and item["state"] == "in-progress"
    assert datetime.fromisoformat(item["published_at"]) == datetime(2024, 4, 17, tzinfo=LONDON)
    assert item["published_at"].endswith("+01:00")
    assert [(p["name"], p["role"]) for p in item["people"]] == [("Bridget Phillipson", "sponsored-by")]
    assert item["details"]["stage"] == "Committee stage (Commons, 2024-05-14)"
    assert item["summary"].startswith("A Bill to make provision about the safeguarding")
    assert "<strong>" not in item["body"] and "breakfast clubs" in item["body"]
    urls = [a["url"] for a in item["attachments"]]
    assert "https://publications.parliament.uk/pa/bills/cbill/59-01/0012/240012.pdf" in urls
    assert "https://bills-api.parliament.uk/api/v1/Publications/51002/Documents/61002/Download" in urls
    # the e-mail writes the day in the long look (#16), the JSON keeps what the source built
    assert "Current stage: Committee stage (Commons, Tuesday 14th May 2024)" in run.lines[0]["email"]

    # AND each new stage says where it is now and where it was
    assert reported["item"]["details"]["stage"] == "Report stage (Commons, 2024-06-04)"
    assert reported["changes"]["previous"]["details.stage"] == "Committee stage (Commons, 2024-05-14)"
    assert moved_back["item"]["details"]["stage"] == "Committee stage (Commons, 2024-05-14)"
    assert moved_back["changes"]["previous"]["details.stage"] == "Report stage (Commons, 2024-06-04)"

    # AND the new publication is an update naming what changed; its off-Parliament link is not passed on
    assert "attachments" in updated["changes"]["fields"]
    assert updated["item"]["details"]["latest_publication"].startswith("Impact Assessment: ")
    assert updated["changes"]["previous"]["details.publications"] == 2
    new_urls = [a["url"] for a in updated["item"]["attachments"]]
    assert "https://bills-api.parliament.uk/api/v1/Publications/51003/Documents/61003/Download" in new_urls
    assert not any("example.com" in url for url in new_urls)


def test_awkward_bills_reach_the_right_departments_and_a_private_member_s_bill_is_refused(ingest, tmp_path):
    # GIVEN a bill of two departments (one named only by its GOV.UK page, null lists), one written with House
    # ordinals and offset dates, and a private member's bill (a sponsor with no organisation)
    joint = recorded("bills/bill_3503.json")
    ordinals = recorded("bills/bill_3502.json")
    private = recorded("bills/bill_3505.json")
    files = [write(tmp_path, f"{n}.json", body) for n, body in (("joint", joint), ("ord", ordinals), ("pmb", private))]

    # WHEN they are ingested
    run = ingest("--source", "bills", *files)

    # THEN the joint bill reaches both departments' topics, once each, as a Lords bill
    assert run.delivered() == {("bills:3503", DFE): 1, ("bills:3503", DHSC): 1, ("bills:3502", DHSC): 1}
    by_id = {line["message"]["item"]["id"]: line["message"]["item"] for line in run.lines}
    assert by_id["bills:3503"]["house"] == "lords"
    assert {d["slug"] for d in by_id["bills:3503"]["departments"]} == {DFE, DHSC}
    assert by_id["bills:3503"]["details"]["stage"] == "1st reading (Lords, 2024-04-22)"
    assert by_id["bills:3503"]["attachments"] == []
    # AND the ordinals read as Houses, the offset dates as the same instants
    assert by_id["bills:3502"]["house"] == "commons"
    assert by_id["bills:3502"]["details"]["stage"] == "2nd reading (Commons, 2024-04-24)"
    assert datetime.fromisoformat(by_id["bills:3502"]["updated_at"]) == datetime(2024, 4, 24, 10, 15, tzinfo=LONDON)
    # AND the private member's bill is refused with its reason, the others delivered
    assert run.code == 1
    assert "bill 3505" in run.stderr and "not a government bill" in run.stderr
