"""The fake Committees API publications list (`/api/Publications`: publication dates, one committee, types, a fixed
order, capped pages) and one publication (`/api/Publications/{id}`).

Over the recordings: every list answer recorded in infra/local/recordings/committee-publications/, each publication
once (the last recording's version of it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Unpack

from infra.local.replay import RECORDED, Knobs, RecordedApi, load_recording, readable

HOST = "committees-api.parliament.uk"
PATH = "/api/Publications"
DETAIL = re.compile(rf"{PATH}/(\d+)", re.IGNORECASE)


class RecordedPublications(RecordedApi):
    """`publications` are what the list endpoint can list (and the detail endpoint answers by id). The API's
    `CommitteeId` is the department filter that `honour_filters=False` ignores."""

    host = HOST
    list_path = PATH
    detail_id = DETAIL
    offset_parameter = "Skip"
    PAGE_CAP = None

    def __init__(self, publications: Iterable[dict[str, Any]] = (), **knobs: Unpack[Knobs]) -> None:
        super().__init__(**knobs)
        self.publications = list(publications)

    @classmethod
    def from_recordings(cls, **knobs: Unpack[Knobs]) -> RecordedPublications:
        by_id: dict[int, dict[str, Any]] = {}
        for path in sorted((RECORDED / "committee-publications").glob("*.json")):
            for record in load_recording(path)["items"]:
                by_id[record["id"]] = record
        return cls(by_id.values(), **knobs)

    def earliest(self) -> date | None:
        days = [day for record in self.publications if (day := _published(record)) is not None]
        return min(days).date() if days else None

    def is_list_request(self, request: Any) -> bool:
        return str(request.url.path).lower() == PATH.lower()

    def handle(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any] | None:
        # ASP.NET binds query parameters whatever their case.
        params = {name.lower(): values for name, values in query.items() if values}
        if path.lower() == PATH.lower():
            return 200, self.search(params)
        if (match := DETAIL.fullmatch(path)) is not None:
            found = [r for r in self.publications if isinstance(r, dict) and r.get("id") == int(match.group(1))]
            return (200, found[-1]) if found else (404, {"title": "Not Found"})
        return None

    def search(self, params: dict[str, list[str]]) -> dict[str, Any]:
        start, end = _moment(params.get("startdate")), _moment(params.get("enddate"))
        committee = params.get("committeeid", [None])[0]
        types = {int(t) for t in params.get("publicationtypeids", [])}

        def in_window(record: dict[str, Any]) -> bool:
            # StartDate/EndDate are date-times: a bare date is its midnight (the strict reading of "on or before").
            published = _published(record)
            return published is not None and (start is None or published >= start) and (end is None or published <= end)

        matches = [
            record
            for record in self.publications
            if (not self.honour_dates or readable(in_window, record))
            and (
                committee is None
                or not self.honour_filters
                or readable(lambda r: r["committee"]["id"] == int(committee), record)
            )
            and (not types or readable(lambda r: r["type"]["id"] in types, record))
        ]
        order = params.get("sortorder", ["PublicationDateDescending"])[0]
        matches.sort(
            key=lambda r: (_published(r) or datetime.min, r.get("id") or 0), reverse=order.endswith("Descending")
        )
        listing = self.listing(matches)
        skip = int(params.get("skip", ["0"])[0])
        take = self.page_size(int(params.get("take", ["30"])[0]))
        return {
            "items": self.page(listing, skip, take),
            "totalResults": self.reported_total(listing),
            "itemsPerPage": take,
            "links": [],
        }


def _moment(values: list[str] | None) -> datetime | None:
    return datetime.fromisoformat(values[0]).replace(tzinfo=None) if values else None


def _published(record: Any) -> datetime | None:
    value = record.get("publicationStartDate") if isinstance(record, dict) else None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None) if isinstance(value, str) else None
    except ValueError:
        return None


def recorded_api() -> RecordedPublications:
    return RecordedPublications.from_recordings()
