"""The fake written-questions API: list (answering bodies, date windows, withdrawn, capped pages) and detail."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Unpack

from infra.local.replay import Knobs, ListAndDetailApi, fullest_recorded, list_stripped, readable

PATH = "/api/writtenquestions/questions"
WINDOW_FIELDS = {"tabled": "dateTabled", "answered": "dateAnswered", "corrected": "dateAnswerCorrected"}


class RecordedQuestions(ListAndDetailApi):
    """Written questions: the list endpoint lists `listed`, the detail endpoint answers `details` by id.

    `records` are full records (as the detail endpoint gives them): the list shows each in its list form, cut as the
    real list endpoint cuts it. `listed` gives the list's records as they are instead, and `details` the detail
    endpoint's answers by id (over those of `records`), for a test whose list and detail records differ otherwise.
    """

    host = "questions-statements-api.parliament.uk"
    list_path = PATH
    detail_id = re.compile(rf"{PATH}/(\d+)")
    id_field = "id"
    offset_parameter = "skip"
    PAGE_CAP = 20
    """Pages are capped below what is asked for, as some Parliament endpoints do: clients must page by what they get."""

    @classmethod
    def from_recordings(cls, **knobs: Unpack[Knobs]) -> RecordedQuestions:
        """The recorded questions, by id; where a record was recorded twice, the fuller text is kept."""
        return cls(fullest_recorded("written-questions", _text_length), **knobs)

    @staticmethod
    def as_listed(record: dict[str, Any]) -> dict[str, Any]:
        """The list endpoint's form: question cut at 255 characters, answer HTML-stripped and cut + "..."."""
        listed = dict(record)
        listed["questionText"] = (record.get("questionText") or "")[:255]
        answer = record.get("answerText")
        if answer and "<" in answer:
            flat = list_stripped(answer)
            listed["answerText"] = flat[:255] + "..." if len(flat) > 258 else flat
        return listed

    def earliest(self) -> date | None:
        tabled = [day for r in self.listed if (day := _day(r.get("dateTabled")))]
        return min((date.fromisoformat(day) for day in tabled), default=None)

    def handle(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any] | None:
        if path != PATH and not path.startswith(PATH + "/"):
            return None
        if path == PATH:
            return 200, self.search(query)
        tail = path.removeprefix(PATH + "/")
        if tail.isdigit() and int(tail) in self.details:
            record = self.details[int(tail)]
            return 200, {"value": record, "links": _links(record)}
        return 404, {"title": "Not Found"}

    def search(self, query: dict[str, list[str]]) -> dict[str, Any]:
        bodies = {int(b) for b in query.get("answeringBodies", [])}
        include_withdrawn = query.get("includeWithdrawn", ["false"])[0] == "true"
        matches = [
            record
            for record in self.listed
            if (not bodies or not self.honour_filters or readable(lambda r: r["answeringBodyId"] in bodies, record))
            and (include_withdrawn or not readable(lambda r: r.get("isWithdrawn"), record))
            and (not self.honour_dates or all(_in_window(record, query, name) for name in WINDOW_FIELDS))
        ]
        listing = self.listing(matches)
        skip = int(query.get("skip", ["0"])[0])
        page = self.page(listing, skip, int(query.get("take", ["20"])[0]))
        return {"totalResults": self.reported_total(listing), "results": [_entry(r) for r in page]}


def _text_length(record: dict[str, Any]) -> int:
    return len(record.get("questionText") or "") + len(record.get("answerText") or "")


def _day(value: Any) -> str | None:
    return value[:10] if isinstance(value, str) and value else None


def _in_window(record: dict[str, Any], query: dict[str, list[str]], name: str) -> bool:
    start, end = query.get(f"{name}WhenFrom", [None])[0], query.get(f"{name}WhenTo", [None])[0]
    if start is None and end is None:
        return True
    value = _day(record.get(WINDOW_FIELDS[name]))
    return value is not None and (start is None or value >= start) and (end is None or value <= end)


def _entry(record: Any) -> dict[str, Any]:
    return {"value": record, "links": _links(record)}


def _links(record: Any) -> list[dict[str, str]]:
    record_id = record.get("id") if isinstance(record, dict) else None
    return [{"rel": "self", "href": f"/Questions/{record_id}", "method": "GET"}]


def recorded_api() -> RecordedQuestions:
    return RecordedQuestions.as_recorded("written-questions")
