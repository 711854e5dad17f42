"""`deptwatch ingest --watches FILE --digest daily|weekly --at T SOURCE=FILE ...`: digests on the local stack, through
the command's contract (one JSON line per digest message with `watch`, `digest` and `message.schema`).

The expected items are worked out here from the recordings (answering bodies, headings), not from the code under test.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from infra.codegen.schema import DIGEST_SCHEMA_FILE
from infra.local.replay import RECORDED
from tests.integration.deployed import Deptwatch

QUESTIONS = RECORDED / "written-questions" / "list_2024-01-05.json"
STATEMENTS = RECORDED / "written-statements" / "list_2024-04-18.json"
DHSC = "department-of-health-and-social-care"
DHSC_QUESTIONS = {"1679529", "1679517", "1679799", "1679801"}
"""The recorded questions the Department of Health and Social Care answers."""
DHSC_STATEMENTS = {"1701205"}
WATER_QUESTIONS = {"1679710", "1679429", "1679704", "1679676"}
"""The recorded questions whose heading or text has the word "water"."""

WATCHES: list[dict[str, Any]] = [
    {"name": "dhsc-daily", "departments": [DHSC], "frequency": "daily"},
    {"name": "water-daily", "query": "water", "frequency": "daily"},
    {"name": "nothing-daily", "query": '"no such phrase anywhere"', "frequency": "daily"},
    {"name": "water-weekly", "query": "water", "frequency": "weekly"},
    {"name": "tame-now", "query": '"River Tame"'},
]


@dataclass
class Ingested:
    code: int
    stderr: str
    lines: list[dict[str, Any]]

    def digests(self) -> dict[str, dict[str, Any]]:
        """Watch → its one digest line (a second line for a watch fails the test)."""
        found: dict[str, dict[str, Any]] = {}
        for line in self.lines:
            if "digest" in line:
                assert line["watch"] not in found, f"two digests for {line['watch']}"
                found[line["watch"]] = line
        return found


@pytest.fixture
def ingest(deptwatch: Deptwatch, tmp_path: Path) -> Callable[..., Ingested]:
    watches = tmp_path / "watches.json"
    watches.write_text(json.dumps(WATCHES), encoding="utf-8")

    def run(*arguments: str | Path) -> Ingested:
        code, out, err = deptwatch("ingest", "--json", "--watches", str(watches), *map(str, arguments))
        return Ingested(code, err, [json.loads(line) for line in out.splitlines()])

    return run


def _ids(line: dict[str, Any]) -> list[str]:
    return [item["id"].partition(":")[2] for item in line["message"]["items"]]


def test_a_daily_digest_has_exactly_the_matching_items_of_several_sources_once(
    ingest: Callable[..., Ingested],
) -> None:
    # GIVEN daily, weekly and immediate watches / WHEN two sources are ingested in one command and the daily digest
    # is run as at the next morning
    result = ingest(
        "--digest", "daily", "--at", "2024-04-19T08:30:00+01:00", f"written-questions={QUESTIONS}",
        f"written-statements={STATEMENTS}",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    digests = result.digests()
    # THEN each daily watch that matched has one digest with exactly its items, each once; none for the watch that
    # matched nothing, none for the weekly watch (not this digest)
    assert set(digests) == {"dhsc-daily", "water-daily"}
    dhsc = digests["dhsc-daily"]
    assert sorted(_ids(dhsc)) == sorted(DHSC_QUESTIONS | DHSC_STATEMENTS)
    assert dhsc["message"]["total"] == 5 and dhsc["message"]["omitted"] == 0
    assert sorted(_ids(digests["water-daily"])) == sorted(WATER_QUESTIONS)
    # ... on the watch's topic, with its attributes, in the digest schema
    assert dhsc["digest"] == "daily"
    assert dhsc["topic_arn"].endswith(":deptwatch-local-watch-dhsc-daily")
    assert dhsc["attributes"] == {"watch": "dhsc-daily", "digest": "daily"}
    assert dhsc["message"]["schema"] == "deptwatch.digest/1"
    jsonschema.validate(dhsc["message"], json.loads(DIGEST_SCHEMA_FILE.read_text(encoding="utf-8")))
    # AND the immediate watch still got its messages at once, not as a digest
    assert {line["watch"] for line in result.lines if "watch" in line and "digest" not in line} == {"tame-now"}


def test_the_email_groups_and_counts_the_items(ingest: Callable[..., Ingested]) -> None:
    # GIVEN the DHSC statement and its questions, ingested and digested
    result = ingest(
        "--digest", "daily", "--at", "2024-04-19T08:30:00+01:00", "--source", "written-questions", QUESTIONS,
        f"written-statements={STATEMENTS}",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    line = result.digests()["dhsc-daily"]
    email = line["email"]
    # THEN statements come before questions, each section counted; each entry has its title and link
    statements, questions = email.index("== Written statements (1) =="), email.index("== Written questions: answered")
    assert statements < questions
    answered = sum(1 for item in line["message"]["items"] if item["kind"] == "written-question")
    assert f"== Written questions: answered ({answered}) ==" in email or "Written questions: tabled" in email
    for item in line["message"]["items"]:
        assert f"- {item['title']}" in email and item["url"] in email
    # AND the JSON lists the items in the e-mail's order
    kinds = [item["kind"] for item in line["message"]["items"]]
    assert kinds == sorted(kinds, key=lambda kind: kind != "written-statement")


def test_a_weekly_digest_is_the_weekly_watches_only(ingest: Callable[..., Ingested]) -> None:
    result = ingest("--digest", "weekly", "--at", "2024-01-06T08:30:00Z", "--source", "written-questions", QUESTIONS)
    assert result.code == 0, result.stderr
    digests = result.digests()
    assert set(digests) == {"water-weekly"}
    assert digests["water-weekly"]["digest"] == "weekly"
    assert sorted(_ids(digests["water-weekly"])) == sorted(WATER_QUESTIONS)


def test_the_same_records_twice_are_in_the_digest_once(ingest: Callable[..., Ingested]) -> None:
    result = ingest(
        "--digest", "daily", "--at", "2024-01-06T08:30:00Z", "--source", "written-questions", QUESTIONS, QUESTIONS
    )
    assert result.code == 0, result.stderr
    assert sorted(_ids(result.digests()["water-daily"])) == sorted(WATER_QUESTIONS)


def test_nothing_matched_nothing_published(ingest: Callable[..., Ingested]) -> None:
    # GIVEN only the statements ingested (one of DHSC's, none about water)
    result = ingest("--digest", "daily", "--at", "2024-04-19T08:30:00+01:00", f"written-statements={STATEMENTS}")
    assert result.code == 0, result.stderr
    # THEN only the DHSC digest (its one statement) is published: no empty digest for the others
    assert set(result.digests()) == {"dhsc-daily"}
    assert _ids(result.digests()["dhsc-daily"]) == ["1701205"]


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        ((str(QUESTIONS),), "which source? give --source, or write it SOURCE=FILE"),
        (("--at", "2024-01-06T08:30:00Z", "--source", "written-questions", str(QUESTIONS)), "give --digest"),
        (("--digest", "daily", "--at", "yesterday", "--source", "written-questions", str(QUESTIONS)), "ISO 8601"),
    ],
)
def test_unusable_arguments_exit_2_with_one_line(
    ingest: Callable[..., Ingested], arguments: tuple[str, ...], complaint: str
) -> None:
    result = ingest(*arguments)
    assert result.code == 2
    assert complaint in result.stderr and len(result.stderr.strip().splitlines()) == 1
