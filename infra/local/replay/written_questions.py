"""The written-questions API over the recordings: list (filters, date windows, capped pages) and detail endpoints."""

from __future__ import annotations

from datetime import date
from typing import Any

from infra.local.replay import RECORDED, load_recording

PATH = "/api/writtenquestions/questions"
PAGE_CAP = 20
"""Pages are capped below what is asked for, as some Parliament endpoints do: clients must page by what they get."""
WINDOW_FIELDS = {"tabled": "dateTabled", "answered": "dateAnswered", "corrected": "dateAnswerCorrected"}


class RecordedQuestions:
    """The recorded written questions, by id; where a record was recorded twice, the fuller text is kept."""

    host = "questions-statements-api.parliament.uk"

    def __init__(self) -> None:
        self.records: dict[int, dict[str, Any]] = {}
        for path in sorted((RECORDED / "written-questions").glob("*.json")):
            body = load_recording(path)
            for entry in body.get("results", [body]):
                record = entry["value"]
                current = self.records.get(record["id"])
                if current is None or _text_length(record) > _text_length(current):
                    self.records[record["id"]] = record

    def earliest(self) -> date | None:
        return min((date.fromisoformat(r["dateTabled"][:10]) for r in self.records.values()), default=None)

    def handle(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any] | None:
        if path != PATH and not path.startswith(PATH + "/"):
            return None
        if path == PATH:
            return 200, self.search(query)
        tail = path.removeprefix(PATH + "/")
        if tail != path and tail.isdigit() and int(tail) in self.records:
            record = self.records[int(tail)]
            return 200, {"value": record, "links": _links(record)}
        return 404, {"title": "Not Found"}

    def search(self, query: dict[str, list[str]]) -> dict[str, Any]:
        bodies = {int(b) for b in query.get("answeringBodies", [])}
        include_withdrawn = query.get("includeWithdrawn", ["false"])[0] == "true"
        matches = [
            record
            for record in self.records.values()
            if (not bodies or record["answeringBodyId"] in bodies)
            and (include_withdrawn or not record.get("isWithdrawn"))
            and all(_in_window(record, query, name) for name in WINDOW_FIELDS)
        ]
        skip = int(query.get("skip", ["0"])[0])
        take = min(int(query.get("take", ["20"])[0]), PAGE_CAP)
        page = [{"value": _as_listed(r), "links": _links(r)} for r in matches[skip : skip + take]]
        return {"totalResults": len(matches), "results": page}


def _text_length(record: dict[str, Any]) -> int:
    return len(record.get("questionText") or "") + len(record.get("answerText") or "")


def _in_window(record: dict[str, Any], query: dict[str, list[str]], name: str) -> bool:
    start, end = query.get(f"{name}WhenFrom", [None])[0], query.get(f"{name}WhenTo", [None])[0]
    if start is None and end is None:
        return True
    value = (record.get(WINDOW_FIELDS[name]) or "")[:10]
    return bool(value) and (start is None or value >= start) and (end is None or value <= end)


def _links(record: dict[str, Any]) -> list[dict[str, str]]:
    return [{"rel": "self", "href": f"/Questions/{record['id']}", "method": "GET"}]


def _as_listed(record: dict[str, Any]) -> dict[str, Any]:
    """The list endpoint's form of a record: question cut at 255 characters, answer HTML-stripped and cut + "..."."""
    from shared.domain.text import html_to_text

    listed = dict(record)
    listed["questionText"] = (record.get("questionText") or "")[:255]
    answer = record.get("answerText")
    if answer and "<" in answer:
        flat = html_to_text(answer).replace("\n", "")
        listed["answerText"] = flat[:255] + "..." if len(flat) > 258 else flat
    return listed


def recorded_api() -> RecordedQuestions:
    return RecordedQuestions()
