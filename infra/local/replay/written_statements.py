"""The written-statements API over the recordings (list with date windows and capped pages, and detail).

It shares its host with the written-questions API: the replay server asks each API of a host in turn.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from infra.local.replay import RECORDED, load_recording

PATH = "/api/writtenstatements/statements"
PAGE_CAP = 20
"""The statements endpoint has been seen returning 20 results at most whatever `take` asks."""
LIST_TEXT_LIMIT = 255


class RecordedStatements:
    """The recorded written statements, by id; where a statement was recorded twice, the fuller text is kept."""

    host = "questions-statements-api.parliament.uk"

    def __init__(self) -> None:
        self.records: dict[int, dict[str, Any]] = {}
        for path in sorted((RECORDED / "written-statements").glob("*.json")):
            body = load_recording(path)
            for entry in body.get("results", [body]):
                record = entry["value"]
                current = self.records.get(record["id"])
                if current is None or len(record.get("text") or "") > len(current.get("text") or ""):
                    self.records[record["id"]] = record

    def earliest(self) -> date | None:
        return min((date.fromisoformat(r["dateMade"][:10]) for r in self.records.values()), default=None)

    def handle(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any] | None:
        if path != PATH and not path.startswith(PATH + "/"):
            return None
        if path == PATH:
            return 200, self.search(query)
        parts = path.removeprefix(PATH + "/").split("/")
        if path.startswith(PATH + "/") and len(parts) == 1 and parts[0].isdigit() and int(parts[0]) in self.records:
            # The spec says the list envelope; public client code reads {value, links}: we answer the latter.
            return 200, _item(self.records[int(parts[0])])
        if path.startswith(PATH + "/") and len(parts) == 2:
            day, uin = parts
            for record in self.records.values():
                if record["dateMade"][:10] == day and record["uin"].lower() == uin.lower():
                    return 200, _item(record)
        return 404, {"title": "Not Found"}

    def search(self, query: dict[str, list[str]]) -> dict[str, Any]:
        bodies = {int(b) for b in query.get("answeringBodies", [])}
        start, end = query.get("madeWhenFrom", [None])[0], query.get("madeWhenTo", [None])[0]
        house = query.get("house", ["Bicameral"])[0]
        matches = [
            record
            for record in self.records.values()
            if (not bodies or record["answeringBodyId"] in bodies)
            and (start is None or record["dateMade"][:10] >= start[:10])
            and (end is None or record["dateMade"][:10] <= end[:10])
            and house in ("Bicameral", record["house"])
        ]
        skip = int(query.get("skip", ["0"])[0])
        take = min(int(query.get("take", ["20"])[0]), PAGE_CAP)
        page = [{"value": _as_listed(r), "links": _links(r)} for r in matches[skip : skip + take]]
        return {"totalResults": len(matches), "results": page}


def _item(record: dict[str, Any]) -> dict[str, Any]:
    return {"value": record, "links": _links(record)}


def _links(record: dict[str, Any]) -> list[dict[str, str]]:
    return [{"rel": "self", "href": f"/Statements/{record['id']}", "method": "GET"}]


def _as_listed(record: dict[str, Any]) -> dict[str, Any]:
    """The list endpoint's form of a record: text HTML-stripped and cut at 255 characters plus "..."."""
    from shared.domain.text import html_to_text

    listed = dict(record)
    flat = html_to_text(record.get("text")).replace("\n", "")
    listed["text"] = flat[:LIST_TEXT_LIMIT] + "..." if len(flat) > LIST_TEXT_LIMIT + 3 else flat
    return listed


def recorded_api() -> RecordedStatements:
    return RecordedStatements()
