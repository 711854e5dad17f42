"""`deptwatch ingest --source committee-publications --json`: committee publications built from the API's
documented shape (the real recording and the constructed one) through the local pipeline, as a user runs it.
Expected values are worked out here from the upstream records, not from the source module."""

from __future__ import annotations

import copy
import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from infra.local.replay import RECORDED

FOLDER = RECORDED / "committee-publications"
REAL = FOLDER / "real_education_2024-12-10_2024-12-17.json"
CONSTRUCTED = FOLDER / "constructed_several_committees_2024-12-18_2024-12-19.json"
LONDON = ZoneInfo("Europe/London")
COMMITTEES = {
    203: "department-for-education",
    81: "department-of-health-and-social-care",
    158: "hm-treasury",
}


def ingest(deptwatch: Any, *files: Path) -> tuple[int, list[dict[str, Any]], str]:
    code, out, err = deptwatch("ingest", "--json", "--source", "committee-publications", *map(str, files))
    return code, [json.loads(line) for line in out.splitlines()], err


def test_the_real_education_committee_publications_reach_the_department_for_education(deptwatch):
    # GIVEN the real list answer of the Education Committee's publications
    records = json.loads(REAL.read_text())["items"]

    # WHEN it is ingested
    code, lines, err = ingest(deptwatch, REAL)

    # THEN each publication is one message on the DfE topic, with its kind, type, title, date and documents
    assert code == 0, err
    assert sorted(line["message"]["item"]["id"] for line in lines) == sorted(
        f"committee-publications:{r['id']}" for r in records
    )
    for line in lines:
        item = line["message"]["item"]
        record = next(r for r in records if f"committee-publications:{r['id']}" == item["id"])
        assert line["department"] == "department-for-education"
        assert line["attributes"]["kind"] == "committee-publication"
        assert item["category"] == record["type"]["name"]
        assert line["attributes"]["category"] == record["type"]["name"].lower()
        assert line["message"]["events"] == ["new"]
        assert item["title"] == record["description"]
        published = datetime.fromisoformat(record["publicationStartDate"]).replace(tzinfo=LONDON)
        assert datetime.fromisoformat(item["published_at"]) == published
        documents = [
            f"https://committees.parliament.uk/publications/{record['id']}/documents/{d['documentId']}/default/"
            for d in record["documents"]
        ]
        assert [a["url"] for a in item["attachments"]] == documents
        assert item["url"] == documents[0] and item["url"] in line["email"]
        assert "Committee Publication (" in line["email"] and "Education Committee" in line["email"]


def test_several_committees_a_government_response_for_two_departments_and_an_unwatched_committee(deptwatch):
    # GIVEN the constructed answer: Health, Education and Treasury committees' publications, a response by DfE to the
    # Health Committee, and a Public Accounts Committee report (no registered department)
    records = {r["id"]: r for r in json.loads(CONSTRUCTED.read_text())["items"]}

    # WHEN it is ingested
    code, lines, err = ingest(deptwatch, CONSTRUCTED)

    # THEN the Public Accounts Committee report is reported with its reason (exit 1), the others delivered
    assert code == 1
    assert "scrutinises no registered department" in err and "record 4" in err
    routed = Counter((line["message"]["item"]["id"].split(":")[1], line["department"]) for line in lines)
    expected = Counter(
        {
            (str(i), COMMITTEES[r["committee"]["id"]]): 1
            for i, r in records.items()
            if r["committee"]["id"] in COMMITTEES
        }
    )
    expected[("46103", "department-for-education")] = 1  # the responding department
    assert routed == expected
    categories = {line["message"]["item"]["id"]: line["attributes"].get("category") for line in lines}
    # AND both government responses carry the category a subscriber filters on (attributes are lower-case)
    assert categories["committee-publications:46102"] == "government response"
    assert categories["committee-publications:46103"] == "government response"
    assert categories["committee-publications:46104"] == "written evidence"
    # AND the publication without documents links to its page
    evidence = next(line for line in lines if line["message"]["item"]["id"].endswith(":46104"))
    assert evidence["message"]["item"]["url"] == "https://committees.parliament.uk/publications/46104/html/"
    assert evidence["message"]["item"]["attachments"] == []


def test_a_document_added_later_is_one_update_notified_once(deptwatch, tmp_path):
    # GIVEN a report, then the same report with a second document, then that answer again
    report = next(r for r in json.loads(REAL.read_text())["items"] if r["id"] == 46004)
    changed = copy.deepcopy(report)
    changed["documents"].append(
        {
            "documentId": 228743,
            "files": [{"fileName": "Annex.pdf", "fileSize": 1, "fileDataFormat": "Pdf", "url": None}],
        }
    )
    files = []
    for number, record in enumerate((report, changed, changed)):
        path = tmp_path / f"answer_{number}.json"
        path.write_text(json.dumps({"items": [record], "totalResults": 1}))
        files.append(path)

    # WHEN the three answers are ingested in order
    code, lines, err = ingest(deptwatch, *files)

    # THEN the report is notified new, then updated with the annex, and the repeat is not notified
    assert code == 0, err
    assert [(line["message"]["item"]["version"], line["message"]["event"]) for line in lines] == [
        (1, "new"),
        (2, "updated"),
    ]
    assert "Document: Annex.pdf (PDF)" in lines[1]["email"]
