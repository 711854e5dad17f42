"""The fake What's On API: the events list (a date window of at most 31 days, house, committee and answering-body
filters, events listed as often as they are given) and single events (`/calendar/events/cal{id}`).

Over the recordings: a recording is named `<day recorded>_list[_answeringBodyIds-<id>-<id>…].json`. Where an event was
recorded more than once, the latest recording's version is served (a rescheduled or cancelled event shows its last
state), as often as that recording lists it. An `answeringBodyIds` query gets the events recorded for those bodies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Unpack

from infra.local.replay import RECORDED, Knobs, RecordedApi, load_recording, readable

HOST = "whatson-api.parliament.uk"
EVENTS_PREFIX = "/calendar/events/"
LIST_PATH = "/calendar/events/list.json"
EVENT_PATH = re.compile(r"^/calendar/events/cal(\d+)$")
RECORDING_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})_list(?:_answeringBodyIds-([\d-]+))?$")
MAX_DAYS = 31
PREFIX = "queryParameters."


class RecordedEvents(RecordedApi):
    """The calendar: `events` is what a query without `answeringBodyIds` lists (copies included, in order), `answers`
    what a query for an answering body lists. A query for several bodies lists each body's answer, an event once.

    What's On answers a whole window at once and reports no total: `page_cap` and `total` change nothing.
    """

    host = HOST
    list_path = LIST_PATH
    detail_id = EVENT_PATH

    def __init__(
        self,
        events: Iterable[dict[str, Any]] = (),
        *,
        answers: Mapping[int, Iterable[dict[str, Any]]] | None = None,
        **knobs: Unpack[Knobs],
    ) -> None:
        super().__init__(**knobs)
        self.events = list(events)
        self.answers = {body_id: list(answer) for body_id, answer in (answers or {}).items()}

    @classmethod
    def from_recordings(cls, **knobs: Unpack[Knobs]) -> RecordedEvents:
        latest: dict[int, dict[str, Any]] = {}
        copies: dict[int, int] = {}
        answering_bodies: dict[int, set[int]] = {}
        for path in sorted((RECORDED / "whatson-events").glob("*.json"), key=lambda p: p.stem):
            name = RECORDING_NAME.match(path.stem)
            if name is None:
                continue
            body_ids = {int(body_id) for body_id in (name.group(2) or "").split("-") if body_id}
            recording: list[dict[str, Any]] = load_recording(path)
            for record in recording:
                latest[record["Id"]] = record
                answering_bodies.setdefault(record["Id"], set()).update(body_ids)
            for event_id in {record["Id"] for record in recording}:
                copies[event_id] = sum(1 for record in recording if record["Id"] == event_id)
        listed = [(event_id, record) for event_id, record in latest.items() for _ in range(copies[event_id])]
        every_body = sorted({body for bodies in answering_bodies.values() for body in bodies})
        return cls(
            [record for _, record in listed],
            answers={
                body: [record for event_id, record in listed if body in answering_bodies[event_id]]
                for body in every_body
            },
            **knobs,
        )

    def earliest(self) -> date | None:
        starts = [r["StartDate"][:10] for r in self._known() if isinstance(r.get("StartDate"), str)]
        return min((date.fromisoformat(day) for day in starts), default=None)

    def handle(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any] | None:
        if path == LIST_PATH:
            return self.search(query)
        if not path.startswith(EVENTS_PREFIX):
            return None
        if match := EVENT_PATH.match(path):
            for record in reversed(self._known()):  # the last listed version of an event is its latest
                if record.get("Id") == int(match.group(1)):
                    return 200, record
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
        bodies = [int(body_id) for body_id in query.get(PREFIX + "answeringBodyIds", [])]
        candidates = self._answer_for(bodies) if bodies and self.honour_filters else self.events

        def in_window(record: dict[str, Any]) -> bool:
            start = date.fromisoformat(record["StartDate"][:10])
            end = date.fromisoformat((record.get("EndDate") or record["StartDate"])[:10])
            return start <= last and end >= first

        listed = [
            record
            for record in candidates
            if (not self.honour_dates or readable(in_window, record))
            and (not house or readable(lambda r: (r.get("House") or "").lower() == house, record))
            and (
                not committee_id
                or readable(lambda r: str((r.get("Committee") or {}).get("Id")) == committee_id, record)
            )
        ]
        return 200, self.listing(listed)

    def _answer_for(self, bodies: list[int]) -> list[dict[str, Any]]:
        """Each body's answer in turn, an event listed by an earlier body's answer left out."""
        listed: list[dict[str, Any]] = []
        for body in bodies:
            answer = [record for record in self.answers.get(body, []) if record not in listed]
            listed += answer
        return listed

    def _known(self) -> list[dict[str, Any]]:
        return [*self.events, *(record for answer in self.answers.values() for record in answer)]


def recorded_api() -> RecordedEvents:
    return RecordedEvents.from_recordings()
