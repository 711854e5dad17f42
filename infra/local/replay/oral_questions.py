"""The fake Oral Questions and Motions API's `/oralquestions/list`: answering bodies, the question time's date window,
`parameters.skip`/`take` (at most 100 a page) and the `PagingInfo` envelope.

Over the recordings: every recorded answer in infra/local/recordings/oral-questions/ (PascalCase or camelCase),
each question once, in the recordings' order.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Unpack

from infra.local.replay import RECORDED, Knobs, RecordedApi, load_recording, readable

HOST = "oralquestionsandmotions-api.parliament.uk"
PATH = "/oralquestions/list"
PREFIX = "parameters."


def _field(record: dict[str, Any], name: str) -> Any:
    """A field by its PascalCase name, or camelCase."""
    return record[name] if name in record else record[name[:1].lower() + name[1:]]


class RecordedOralQuestions(RecordedApi):
    """`questions` are what the list endpoint can list; `answeringBodyIds` is the filter `honour_filters=False`
    ignores, the answering date window the one `honour_dates=False` ignores."""

    host = HOST
    list_path = PATH
    offset_parameter = f"{PREFIX}skip"
    PAGE_CAP = 100
    """The document: "maximum is 100"."""

    def __init__(self, questions: Iterable[dict[str, Any]] = (), **knobs: Unpack[Knobs]) -> None:
        super().__init__(**knobs)
        self.questions = list(questions)

    @classmethod
    def from_recordings(cls, **knobs: Unpack[Knobs]) -> RecordedOralQuestions:
        by_id: dict[Any, dict[str, Any]] = {}
        for path in sorted((RECORDED / "oral-questions").glob("*.json")):
            body = load_recording(path)
            for record in body.get("Response", body.get("response", [])):
                by_id[_field(record, "Id")] = record
        return cls(by_id.values(), **knobs)

    def earliest(self) -> date | None:
        days = [day for record in self.questions if (day := _answering(record)) is not None]
        return min(days, default=None)

    def handle(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any] | None:
        if path.lower() != PATH:
            return None
        # ASP.NET binds `parameters.x` and `x` alike, whatever their case.
        params = {name.lower().removeprefix(PREFIX): values for name, values in query.items() if values}
        bodies = {int(value) for value in params.get("answeringbodyids", [])}
        start, end = params.get("answeringdatestart", [None])[0], params.get("answeringdateend", [None])[0]

        def in_window(record: dict[str, Any]) -> bool:
            day = _answering(record)
            return (
                day is not None
                and (start is None or day.isoformat() >= start[:10])
                and (end is None or day.isoformat() <= end[:10])
            )

        matches = [
            record
            for record in self.questions
            if (
                not bodies
                or not self.honour_filters
                or readable(lambda r: _field(r, "AnsweringBodyId") in bodies, record)
            )
            and (not self.honour_dates or readable(in_window, record))
        ]
        listing = self.listing(matches)
        skip = int(params.get("skip", ["0"])[0])
        take = self.page_size(int(params.get("take", ["25"])[0]))
        return 200, {
            "PagingInfo": {
                "Skip": skip,
                "Take": take,
                "Total": self.reported_total(listing),
                "GlobalTotal": len(self.questions),
                "StatusCounts": [],
                "GlobalStatusCounts": [],
            },
            "StatusCode": "OK",
            "Success": True,
            "Errors": [],
            "Response": self.page(listing, skip, take),
        }


def _answering(record: Any) -> date | None:
    try:
        value = _field(record, "AnsweringWhen")
        return date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except (KeyError, TypeError, ValueError):
        return None


def recorded_api() -> RecordedOralQuestions:
    return RecordedOralQuestions.from_recordings()
