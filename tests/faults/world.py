"""The upstream world the fault runs poll: written questions and statements built from the recorded responses, with
varied ids, departments and a lifecycle over three phases (tabled → answered → corrected, published → edited →
corrected, withdrawn, late arrivals), poison records among them, and records of departments the stack does not watch.

Everything here is worked out from the recorded upstream records and from what the API's fields mean, not from the
source modules under test: the expected number of versions of an item is the number of phases in which its upstream
record changed, and the expected event of each version is the lifecycle step that made it.
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from infra.local.replay import RECORDED
from tests.helpers import recorded

UPSTREAM = RECORDED
LONDON = ZoneInfo("Europe/London")
PHASES = (1, 2, 3)

WATCHED = {
    # department slug → (answering body ids the fault run uses, name as the API writes it)
    "department-for-education": ((60,), "Department for Education"),
    "department-for-environment-food-rural-affairs": ((13,), "Department for Environment, Food and Rural Affairs"),
    "department-of-health-and-social-care": ((17,), "Department of Health and Social Care"),
    "ministry-of-justice": ((54,), "Ministry of Justice"),
    "home-office": ((1,), "Home Office"),
    "hm-treasury": ((14,), "HM Treasury"),
    # DLUHC's former body id 211 must still reach today's MHCLG.
    "ministry-of-housing-communities-local-government": (
        (7, 211),
        "Department for Levelling Up, Housing and Communities",
    ),
}
UNWATCHED = {
    "foreign-commonwealth-development-office": ((208,), "Foreign, Commonwealth and Development Office"),
    "ministry-of-defence": ((11,), "Ministry of Defence"),
}
"""Departments the stack is not deployed for: only an upstream that ignores the `answeringBodies` filter sends them."""

QUESTION_LIFECYCLES: dict[str, tuple[tuple[int, str], ...]] = {
    # name → (phase, upstream state) steps; each step after the first is a new version
    "tabled": ((1, "tabled"),),
    "tabled-answered": ((1, "tabled"), (2, "answered")),
    "tabled-answered-corrected": ((1, "tabled"), (2, "answered"), (3, "corrected")),
    "tabled-holding-answered": ((1, "tabled"), (2, "holding-answer"), (3, "answered")),
    "arrives-answered": ((2, "answered"),),
    "arrives-answered-corrected": ((2, "answered"), (3, "corrected")),
    "tabled-withdrawn": ((1, "tabled"), (3, "withdrawn")),
    "late": ((3, "tabled"),),
}
STATEMENT_LIFECYCLES: dict[str, tuple[tuple[int, str], ...]] = {
    "published": ((1, "published"),),
    "published-edited": ((1, "published"), (2, "edited")),
    "published-edited-corrected": ((1, "published"), (2, "edited"), (3, "corrected")),
    "late": ((2, "published"),),
    "later": ((3, "published"),),
}
EVENT_OF_STEP = {
    # the event a subscriber must be told for a version made by this upstream state (a first version is "new")
    "answered": "answered",
    "holding-answer": "holding-answer",
    "corrected": "corrected",
    "withdrawn": "withdrawn",
    "edited": "updated",
}


@dataclass
class WorldItem:
    item_id: str
    """The stored item's id: "<source>:<upstream id>"."""
    source: str
    department: str
    lifecycle: str
    steps: tuple[tuple[int, str], ...]
    records: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Phase → the full upstream record (the detail endpoint's form) in that phase."""
    poison: str | None = None
    """Why this record can never be an item (the words the dead-letter reason must contain), for poison records."""
    watched: bool = True

    def record_in(self, phase: int) -> dict[str, Any] | None:
        present = [p for p in self.records if p <= phase]
        return self.records[max(present)] if present else None

    def expected_versions(self) -> list[str]:
        """The event of each version, in order: "new", then the event of every later step."""
        return ["new", *(EVENT_OF_STEP[state] for _, state in self.steps[1:])]

    @property
    def upstream_id(self) -> int:
        return int(self.item_id.rsplit(":", 1)[1])


def london_day(offset_days: int = 0) -> date:
    return (datetime.now(LONDON) + timedelta(days=offset_days)).date()


def naive(day: date) -> str:
    """Parliament's form of a date: naive London midnight."""
    return f"{day.isoformat()}T00:00:00"


def _question_bases() -> list[dict[str, Any]]:
    """The 21 recorded questions (20 of the list page, and the detail record with its HTML answer)."""
    listed = [entry["value"] for entry in recorded("written-questions/list_2024-01-05.json")["results"]]
    return [*listed, recorded("written-questions/detail_1679416.json")["value"]]


def _statement_bases() -> list[dict[str, Any]]:
    """The recorded statements, with the detail's full text where there is one."""
    by_id: dict[int, dict[str, Any]] = {}
    for path in sorted((UPSTREAM / "written-statements").glob("*.json")):
        body = json.loads(path.read_text(encoding="utf-8"))
        for entry in body.get("results", [body]):
            record = entry["value"]
            current = by_id.get(record["id"])
            if current is None or len(record.get("text") or "") > len(current.get("text") or ""):
                by_id[record["id"]] = record
    return [by_id[key] for key in sorted(by_id)]


def _answer_html(base: dict[str, Any], number: int) -> str:
    """A full answer in the API's HTML: the recorded answer (without the list endpoint's "...") and a sentence of this
    question's own. About half are long enough for the list endpoint to cut, so that the detail endpoint is read."""
    text = (base.get("answerText") or "").removesuffix("...")
    if "<" not in text:
        text = f"<p>{text}</p>"
    extra = " ".join(["The Department keeps this under review."] * (number % 4))
    return f"{text}<p>Answer to question {number}. {extra}</p>"


class WorldBuilder:
    """Builds a seeded world: which record of which department goes through which lifecycle."""

    def __init__(self, seed: int, questions: int = 56, statements: int = 12) -> None:
        self.rng = random.Random(f"world-{seed}")
        self.questions = questions
        self.statements = statements
        self.yesterday = london_day(-1)
        self.today = london_day(0)
        self._question_bases = _question_bases()
        self._statement_bases = _statement_bases()

    def build(self, poison: bool = True, unwatched: bool = True) -> list[WorldItem]:
        items: list[WorldItem] = []
        watched = sorted(WATCHED)
        for number in range(self.questions):
            lifecycle = self.rng.choice(sorted(QUESTION_LIFECYCLES))
            department = watched[number % len(watched)] if number < len(watched) else self.rng.choice(watched)
            items.append(self._question(number, department, lifecycle))
        for number in range(self.statements):
            lifecycle = self.rng.choice(sorted(STATEMENT_LIFECYCLES))
            items.append(self._statement(number, self.rng.choice(watched), lifecycle))
        items += self._poison() if poison else []
        items += self._unwatched() if unwatched else []
        return items

    def question(self, number: int, department: str, lifecycle: str) -> WorldItem:
        return self._question(number, department, lifecycle)

    def statement(self, number: int, department: str, lifecycle: str) -> WorldItem:
        return self._statement(number, department, lifecycle)

    def poison(self) -> list[WorldItem]:
        return self._poison()

    # -- written questions ------------------------------------------------------------------------------------------

    def _question(
        self, number: int, department: str, lifecycle: str, *, upstream_id: int | None = None, table: Any = None
    ) -> WorldItem:
        bodies, name = (table or WATCHED)[department]
        upstream_id = upstream_id or 2_000_000 + number
        base = copy.deepcopy(self._question_bases[number % len(self._question_bases)])
        steps = QUESTION_LIFECYCLES[lifecycle]
        item = WorldItem(f"written-questions:{upstream_id}", "written-questions", department, lifecycle, steps)
        answer = _answer_html(base, number)
        for phase, state in steps:
            record = {
                **base,
                "id": upstream_id,
                "uin": str(900_000 + number),
                "heading": f"{base['heading']} ({number})",
                "answeringBodyId": bodies[number % len(bodies)],
                "answeringBodyName": name,
                "dateTabled": naive(self.yesterday),
                "dateForAnswer": naive(self.today),
                "isWithdrawn": False,
                "answerText": None,
                "dateAnswered": None,
                "answeringMemberId": None,
                "answerIsHolding": False,
                "answerIsCorrection": False,
                "dateAnswerCorrected": None,
                "dateHoldingAnswer": None,
                "correctingMemberId": None,
            }
            if state in ("answered", "corrected", "holding-answer"):
                record.update(answerText=answer, dateAnswered=naive(self.today), answeringMemberId=4861)
            if state == "holding-answer":
                record.update(answerText="<p>I will reply as soon as possible.</p>", answerIsHolding=True)
                record.update(dateHoldingAnswer=naive(self.today))
            if state == "corrected":
                corrected = answer.replace("</p>", " (This answer has been corrected.)</p>", 1)
                record.update(answerText=corrected, answerIsCorrection=True, dateAnswerCorrected=naive(self.today))
            if state == "withdrawn":
                record.update(isWithdrawn=True)
            item.records[phase] = record
        return item

    # -- written statements -----------------------------------------------------------------------------------------

    def _statement(self, number: int, department: str, lifecycle: str) -> WorldItem:
        bodies, name = WATCHED[department]
        upstream_id = 3_000_000 + number
        base = copy.deepcopy(self._statement_bases[number % len(self._statement_bases)])
        steps = STATEMENT_LIFECYCLES[lifecycle]
        item = WorldItem(f"written-statements:{upstream_id}", "written-statements", department, lifecycle, steps)
        house = base["house"]
        text = base.get("text") or ""
        if "<" not in text:
            text = f"<p>{text}</p>"
        for phase, state in steps:
            record = {
                **base,
                "id": upstream_id,
                "uin": f"{'HCWS' if house == 'Commons' else 'HLWS'}{5000 + number}",
                "title": f"{base['title']} ({number})",
                "answeringBodyId": bodies[0],
                "answeringBodyName": name,
                "dateMade": naive(self.yesterday),
                "text": f"{text}<p>Statement {number}.</p>",
                "linkedStatements": [],
                "hasLinkedStatements": False,
            }
            if state in ("edited", "corrected"):
                # At the start of the text, where the list endpoint's cut still shows it (see test_production_gaps.py
                # for an edit the list does not show).
                record["text"] = f"<p>Updated today: figures revised.</p>{text}<p>Statement {number}.</p>"
            if state == "corrected":
                link = {"linkedStatementId": 1_700_000 + number, "linkType": "CorrectedStatement"}
                record.update(linkedStatements=[{**link, "linkDate": naive(self.today)}], hasLinkedStatements=True)
            item.records[phase] = record
        return item

    # -- records that must never become items -----------------------------------------------------------------------

    def _poison(self) -> list[WorldItem]:
        """Records of watched departments that pass the fetcher and that the processor must dead-letter."""
        department = "department-for-education"
        poisons: list[tuple[str, int, dict[str, Any], str]] = [
            ("written-questions", 1, {"heading": ""}, "heading"),
            ("written-questions", 1, {"heading": "<p> </p>"}, "heading is empty"),
            # Served by the answered window only: the tabled date does not exist.
            ("written-questions", 2, {"dateTabled": "2024-02-31T00:00:00"}, "dateTabled"),
            ("written-questions", 2, {"house": "Scottish Parliament"}, "is not Commons or Lords"),
            ("written-statements", 1, {"title": ""}, "title"),
            ("written-statements", 3, {"uin": "HC WS 1"}, "uin"),
        ]
        items = []
        for number, (source, phase, change, reason) in enumerate(poisons):
            if source == "written-questions":
                item = self._question(90 + number, department, "arrives-answered", upstream_id=2_900_000 + number)
            else:
                item = self._statement(90 + number, department, "published")
                item.item_id = f"written-statements:{3_900_000 + number}"
            record = {**item.record_in(3), **change}  # type: ignore[dict-item]
            record["id"] = item.upstream_id
            item.records = {phase: record}
            item.steps = ((phase, "poison"),)
            item.poison = reason
            items.append(item)
        return items

    def _unwatched(self) -> list[WorldItem]:
        items = []
        for number, department in enumerate(sorted(UNWATCHED) * 3):
            item = self._question(
                60 + number, department, "tabled-answered", upstream_id=2_800_000 + number, table=UNWATCHED
            )
            item.watched = False
            items.append(item)
        return items
