"""The fake written-statements API: list (answering bodies, date window, House, capped pages) and detail (by id, or by
day and UIN).

It shares its host with the written-questions API: the replay server asks each API of a host in turn.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Unpack

from infra.local.replay import Knobs, ListAndDetailApi, fullest_recorded, list_stripped, readable

PATH = "/api/writtenstatements/statements"
LIST_TEXT_LIMIT = 255


class RecordedStatements(ListAndDetailApi):
    """Written statements: the list endpoint lists `listed`, the detail endpoint answers `details` by id.

    `records` are full records (HTML text): the list shows each with its text flattened and cut as the real list
    endpoint does. `listed` gives the list's records as they are instead, and `details` the detail endpoint's answers
    by id (over those of `records`). `search_result_details`: the detail comes in the list envelope
    (`{totalResults, results: [{value, links}]}`, as the spec documents it) rather than `{value, links}`.
    """

    host = "questions-statements-api.parliament.uk"
    list_path = PATH
    detail_id = re.compile(rf"{PATH}/(\d+)")
    id_field = "id"
    offset_parameter = "skip"
    PAGE_CAP = 20
    """The statements endpoint has been seen returning 20 results at most whatever `take` asks."""

    def __init__(
        self,
        records: Iterable[dict[str, Any]] = (),
        *,
        listed: Iterable[dict[str, Any]] | None = None,
        details: Mapping[int, dict[str, Any]] | None = None,
        search_result_details: bool = False,
        **knobs: Unpack[Knobs],
    ) -> None:
        super().__init__(records, listed=listed, details=details, **knobs)
        self.search_result_details = search_result_details

    @classmethod
    def from_recordings(cls, **knobs: Unpack[Knobs]) -> RecordedStatements:
        """The recorded statements, by id; where a statement was recorded twice, the fuller text is kept."""
        return cls(fullest_recorded("written-statements", lambda record: len(record.get("text") or "")), **knobs)

    @staticmethod
    def as_listed(record: dict[str, Any]) -> dict[str, Any]:
        """The list endpoint's form of a record: text HTML-stripped and cut at 255 characters plus "..."."""
        listed = dict(record)
        flat = list_stripped(record.get("text"))
        listed["text"] = flat[:LIST_TEXT_LIMIT] + "..." if len(flat) > LIST_TEXT_LIMIT + 3 else flat
        return listed

    def earliest(self) -> date | None:
        made = [r["dateMade"][:10] for r in self.listed if isinstance(r.get("dateMade"), str)]
        return min((date.fromisoformat(day) for day in made), default=None)

    def handle(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any] | None:
        if path != PATH and not path.startswith(PATH + "/"):
            return None
        if path == PATH:
            return 200, self.search(query)
        parts = path.removeprefix(PATH + "/").split("/")
        if len(parts) == 1 and parts[0].isdigit() and int(parts[0]) in self.details:
            # The spec says the list envelope; public client code reads {value, links}: either can be asked for.
            return 200, self._detail(self.details[int(parts[0])])
        if len(parts) == 2:
            day, uin = parts
            for record in self.details.values():
                if record["dateMade"][:10] == day and record["uin"].lower() == uin.lower():
                    return 200, self._detail(record)
        return 404, {"title": "Not Found"}

    def search(self, query: dict[str, list[str]]) -> dict[str, Any]:
        bodies = {int(b) for b in query.get("answeringBodies", [])}
        start, end = query.get("madeWhenFrom", [None])[0], query.get("madeWhenTo", [None])[0]
        house = query.get("house", ["Bicameral"])[0]
        matches = [
            record
            for record in self.listed
            if (not bodies or not self.honour_filters or readable(lambda r: r["answeringBodyId"] in bodies, record))
            and (
                not self.honour_dates
                or readable(
                    lambda r: (
                        (start is None or r["dateMade"][:10] >= start[:10])
                        and (end is None or r["dateMade"][:10] <= end[:10])
                    ),
                    record,
                )
            )
            and readable(lambda r: house in ("Bicameral", r["house"]), record)
        ]
        listing = self.listing(matches)
        skip = int(query.get("skip", ["0"])[0])
        page = self.page(listing, skip, int(query.get("take", ["20"])[0]))
        return {"totalResults": self.reported_total(listing), "results": [_entry(r) for r in page]}

    def _detail(self, record: dict[str, Any]) -> dict[str, Any]:
        return {"totalResults": 1, "results": [_entry(record)]} if self.search_result_details else _entry(record)


def _entry(record: Any) -> dict[str, Any]:
    record_id = record.get("id") if isinstance(record, dict) else None
    return {"value": record, "links": [{"rel": "self", "href": f"/Statements/{record_id}", "method": "GET"}]}


def recorded_api() -> RecordedStatements:
    return RecordedStatements.as_recorded("written-statements")
