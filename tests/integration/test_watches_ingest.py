"""`deptwatch ingest --watches FILE`: immediate watches on the local stack, through the command's contract.

The expected matches are worked out here from the recorded list of written questions (their headings and texts),
not from the query module under test.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.local.replay import RECORDED
from tests.integration.deployed import Deptwatch

QUESTIONS = RECORDED / "written-questions" / "list_2024-01-05.json"
WATCH_TOPIC_PREFIX = "arn:aws:sns:eu-west-2:123456789012:deptwatch-local-watch-"
DEFRA = "department-for-environment-food-rural-affairs"
MHCLG = "ministry-of-housing-communities-local-government"
DHSC = "department-of-health-and-social-care"

WATCHES: list[dict[str, Any]] = [
    # a phrase AND a word: the three River Tame pollution questions, not "Water: Solihull" (Tame, no pollution)
    {"name": "river-tame", "query": '"River Tame" pollution'},
    # exclusion within a department: water questions without waste (1679710 has both)
    {"name": "water-not-waste", "query": "water -waste", "departments": [DEFRA]},
    {"name": "housing-fund", "query": '"housing fund"', "departments": [MHCLG], "kinds": ["written-question"]},
    # whole words: "Portland" (1679429) is not "port"
    {"name": "port", "query": "port"},
    {"name": "staff-or-incinerators", "query": "staff OR incinerat*"},
    {"name": "dhsc", "departments": [DHSC]},
    {"name": "dhsc-lords", "departments": [DHSC], "houses": ["lords"]},
    {"name": "daily-digest", "departments": [DHSC], "frequency": "daily"},
]
EXPECTED = {
    "river-tame": {"1679507", "1679508", "1679509"},
    "water-not-waste": {"1679676", "1679704", "1679429"},
    "housing-fund": {"1679854", "1679855"},
    "port": set(),
    "staff-or-incinerators": {"1679517", "1679799", "1679590", "1679703"},
    "dhsc": {"1679529", "1679517", "1679799", "1679801"},
    "dhsc-lords": set(),
    "daily-digest": set(),  # not immediate: nothing now
}


@dataclass
class Ingested:
    code: int
    stderr: str
    lines: list[dict[str, Any]]

    def to_watches(self) -> Counter[tuple[str, str]]:
        """(watch, upstream id) → how many messages to the watch's topic."""
        return Counter(
            (line["watch"], line["message"]["item"]["id"].removeprefix("written-questions:"))
            for line in self.lines
            if "watch" in line
        )


@pytest.fixture
def ingest(deptwatch: Deptwatch) -> Callable[..., Ingested]:
    def run(*arguments: str | Path) -> Ingested:
        code, out, err = deptwatch("ingest", "--json", "--source", "written-questions", *map(str, arguments))
        return Ingested(code, err, [json.loads(line) for line in out.splitlines()])

    return run


def watches_file(directory: Path, watches: Any) -> Path:
    path = directory / "watches.json"
    path.write_text(json.dumps(watches), encoding="utf-8")
    return path


def test_each_watch_gets_exactly_its_matching_items_once(ingest: Callable[..., Ingested], tmp_path: Path) -> None:
    # GIVEN watches saved / WHEN the recorded questions are ingested
    result = ingest("--watches", watches_file(tmp_path, WATCHES), QUESTIONS)

    # THEN each immediate watch's topic received exactly the items it matches, each once
    assert result.code == 0, result.stderr
    delivered = result.to_watches()
    assert set(delivered.values()) <= {1}
    for name, ids in EXPECTED.items():
        assert {i for watch, i in delivered if watch == name} == ids, name
    # ... as a message like a department's, on the watch's own topic, with a `watch` attribute
    line = next(line for line in result.lines if line.get("watch") == "housing-fund")
    assert line["topic_arn"] == WATCH_TOPIC_PREFIX + "housing-fund"
    assert line["attributes"]["watch"] == "housing-fund"
    assert line["attributes"]["department"] == MHCLG
    assert line["message"]["schema"] == "deptwatch.notification/1"
    assert line["email"]
    # and the department topics still received every item once, without a `watch`
    departments = [line for line in result.lines if "watch" not in line]
    assert len(departments) == 20 and all("watch" not in line["attributes"] for line in departments)


def test_the_same_records_delivered_again_add_nothing(ingest: Callable[..., Ingested], tmp_path: Path) -> None:
    # GIVEN the same response file twice in one run (as an overlapping poll delivers records again)
    result = ingest("--watches", watches_file(tmp_path, WATCHES), QUESTIONS, QUESTIONS)
    # THEN the watches received each matching item once
    assert result.code == 0, result.stderr
    assert set(result.to_watches().values()) == {1}
    assert sum(result.to_watches().values()) == sum(len(ids) for ids in EXPECTED.values())


@pytest.mark.parametrize(
    ("watches", "complaint"),
    [
        ([{"name": "bad", "query": '"River Tame'}], "watch 'bad': query: query '\"River Tame': at character 12"),
        ([{"name": "bad", "query": "water AND"}], "watch 'bad': query:"),
        ([{"name": "bad", "departments": ["department-of-magic"]}], "watch 'bad': departments: unknown department"),
        ([{"name": "Bad Name"}], "watch 'Bad Name': name:"),
        ([{"query": "water"}], "watch #1: name: Field required"),
        ([{"name": "twice"}, {"name": "twice"}], "watch 'twice': the name is given twice"),
        ({"name": "not-a-list"}, "not a JSON list of watch objects"),
    ],
)
def test_a_bad_watches_file_stops_before_anything_is_ingested(
    ingest: Callable[..., Ingested], tmp_path: Path, watches: Any, complaint: str
) -> None:
    result = ingest("--watches", watches_file(tmp_path, watches), QUESTIONS)
    assert result.code == 2
    assert result.lines == []
    assert len(result.stderr.strip().splitlines()) == 1
    assert complaint in result.stderr
