"""The What's On API over the recordings: the events list (date window of at most 31 days, house, committee and
answering-body filters, events listed as often as they were recorded) and single events (`/calendar/events/cal{id}`).

A recording is named `<day recorded>_list[_answeringBodyIds-<id>-<id>…].json`. Where an event was recorded more than
once, the latest recording's version is served (a rescheduled or cancelled event shows its last state), as often as
that recording lists it. An `answeringBodyIds` query gets the events recorded for one of those bodies.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from infra.local.replay import RECORDED, load_recording

HOST = "whatson-api.parliament.uk"
EVENTS_PREFIX = "/calendar/events/"
LIST_PATH = "/calendar/events/list.json"
EVENT_PATH = re.compile(r"^/calendar/events/cal(\d+)$")
RECORDING_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})_list(?:_answeringBodyIds-([\d-]+))?$")
MAX_DAYS = 31
PREFIX = "queryParameters."


class RecordedEvents:
    host = HOST

    def __init__(self) -> None:
        self.events: dict[int, dict[str, Any]] = {}
        self.copies: dict[int, int] = {}
        self.answering_bodies: dict[int, set[int]] = {}
        for path in sorted((RECORDED / "whatson-events").glob("*.json"), key=lambda p: p.stem):
            name = RECORDING_NAME.match(path.stem)
            if name is None:
                continue
            body_ids = {int(body_id) for body_id in (name.group(2) or "").split("-") if body_id}
            recording: list[dict[str, Any]] = load_recording(path)
            for record in recording:
                self.events[record["Id"]] = record
                self.answering_bodies.setdefault(record["Id"], set()).update(body_ids)
            for event_id in {record["Id"] for record in recording}:
                self.copies[event_id] = sum(1 for record in recording if record["Id"] == event_id)

    def earliest(self) -> date | None:
        return min((date.fromisoformat(r["StartDate"][:10]) for r in self.events.values()), default=None)

    def handle(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any] | None:
        if path == LIST_PATH:
            return self.search(query)
        if not path.startswith(EVENTS_PREFIX):
            return None
        if (match := EVENT_PATH.match(path)) and int(match.group(1)) in self.events:
            return 200, self.events[int(match.group(1))]
        return 404, {"Message": f"No HTTP resource was found that matches the request URI '{path}'."}

    def search(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        """The spec's parameter names only (`queryParameters.startDate`, …): a misspelt one does not filter."""

        def value(name: str) -> str:
            return query.get(PREFIX + name, [""])[0]

        try:
            first, last = date.fromisoformat(value("startDate")[:10]), date.fromisoformat(value("endDate")[:10])
        except ValueError:
            return 400, {"Message": "queryParameters.startDate and queryParameters.endDate must be dates."}
        if not 0 <= (last - first).days < MAX_DAYS:
            return 400, {"Message": f"The total number of days that can be returned by any single call is {MAX_DAYS}."}
        house = value("house").lower()
        committee_id = value("committeeId")
        bodies = {int(body_id) for body_id in query.get(PREFIX + "answeringBodyIds", [])}
        listed = []
        for event_id, record in self.events.items():
            start = date.fromisoformat(record["StartDate"][:10])
            end = date.fromisoformat((record.get("EndDate") or record["StartDate"])[:10])
            if (
                start <= last
                and end >= first
                and (not house or (record.get("House") or "").lower() == house)
                and (not committee_id or str((record.get("Committee") or {}).get("Id")) == committee_id)
                and (not bodies or bodies & self.answering_bodies[event_id])
            ):
                listed += [record] * self.copies[event_id]
        return 200, listed


def recorded_api() -> RecordedEvents:
    return RecordedEvents()
