"""`deptwatch ingest --source oral-questions --json`: oral questions built from the API's documented shape through
the local pipeline: right department, kind, title, dates, people; withdrawn and transferred notified once each.
Expected values are worked out here from the upstream records, not from the source module."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from infra.local.replay import RECORDED

FOLDER = RECORDED / "oral-questions"
ANSWER = FOLDER / "constructed_2024-04-29_2024-04-30.json"
INT_ENUMS = FOLDER / "constructed_int_enums_camel_case_2024-05-07.json"
BODIES = {60: "department-for-education", 17: "department-of-health-and-social-care", 14: "hm-treasury"}


def ingest(deptwatch: Any, *files: Path) -> tuple[int, list[dict[str, Any]], str]:
    code, out, err = deptwatch("ingest", "--json", "--source", "oral-questions", *map(str, files))
    return code, [json.loads(line) for line in out.splitlines()], err


def answer(path: Path, *records: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"PagingInfo": {"Skip": 0, "Take": 100, "Total": len(records)}, "Response": records}))
    return path


def test_each_tabled_question_reaches_its_department_with_its_member_and_question_time(deptwatch):
    records = json.loads(ANSWER.read_text())["Response"]
    tabled = {r["Id"]: r for r in records if r["Status"] != "Draft"}

    code, lines, err = ingest(deptwatch, ANSWER, INT_ENUMS)

    assert code == 0, err
    by_id = {int(line["message"]["item"]["id"].split(":")[1]): line for line in lines}
    assert set(by_id) == {*tabled, 60201, 60202}  # the draft is skipped
    for number, record in tabled.items():
        line, item = by_id[number], by_id[number]["message"]["item"]
        assert line["department"] == BODIES[record["AnsweringBodyId"]]
        assert line["attributes"]["kind"] == "oral-question"
        assert item["category"] == record["QuestionType"]
        assert item["summary"] == record["QuestionText"]
        assert item["details"]["question_time"] == record["AnsweringWhen"][:10]
        assert item["people"][0]["name"] == record["AskingMember"]["Name"]
        assert record["AskingMember"]["Name"] in line["email"] and record["QuestionText"] in line["email"]
    assert by_id[60003]["message"]["events"] == ["new", "withdrawn"]
    assert by_id[60004]["message"]["events"] == ["new", "transferred"]
    # the other reading (ints, camelCase): topical and to be asked; a withdrawn one
    assert by_id[60201]["message"]["item"]["category"] == "Topical"
    assert by_id[60201]["department"] == "hm-treasury"
    assert by_id[60202]["message"]["events"] == ["new", "withdrawn"]


def test_withdrawn_then_transferred_elsewhere_are_each_notified_once(deptwatch, tmp_path):
    first = next(r for r in json.loads(ANSWER.read_text())["Response"] if r["Id"] == 60001)
    withdrawn = {**copy.deepcopy(first), "Status": "Withdrawn", "RemovedFromToBeAskedWhen": "2024-04-26T09:00:00"}
    moved = {**copy.deepcopy(first), "AnsweringBodyId": 17, "AnsweringBody": "Department of Health and Social Care"}
    files = [
        answer(tmp_path / "1.json", first),
        answer(tmp_path / "2.json", withdrawn),
        answer(tmp_path / "3.json", withdrawn),
        answer(tmp_path / "4.json", moved),
    ]

    code, lines, err = ingest(deptwatch, *files)

    assert code == 0, err
    seen = [(line["message"]["item"]["version"], line["message"]["event"], line["department"]) for line in lines]
    assert sorted(seen) == [
        (1, "new", "department-for-education"),
        (2, "withdrawn", "department-for-education"),
        (3, "transferred", "department-for-education"),  # the department it left is told too
        (3, "transferred", "department-of-health-and-social-care"),
    ]
    assert "WITHDRAWN" in lines[1]["email"]
