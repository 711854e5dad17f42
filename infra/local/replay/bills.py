"""The fake Bills API: the list (DepartmentId, SortOrder, Skip/Take), a bill, its stages (paged), its publications.

The recordings hold each bill as the fetcher queues it (the `Bill` with its `stages` and `publications`); the fake
serves each part from its own endpoint, and the list shows each bill in its summary form (`BillSummary`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Unpack

import httpx

from infra.local.replay import RECORDED, Knobs, ListAndDetailApi, load_recording, readable
from shared.domain.departments import by_govuk_slug, by_name
from shared.domain.timeutil import LONDON

PATH = "/api/v1/Bills"
SUMMARY_FIELDS = (
    "billId",
    "shortTitle",
    "formerShortTitle",
    "currentHouse",
    "originatingHouse",
    "lastUpdate",
    "billWithdrawn",
    "isDefeated",
    "billTypeId",
    "introducedSessionId",
    "includedSessionIds",
    "isAct",
    "currentStage",
)
"""The document's BillSummary: what the list shows of a bill."""
PARTS = ("stages", "publications")
SORTS: dict[str, tuple[Callable[[dict[str, Any]], Any], bool]] = {
    "DateUpdatedDescending": (lambda r: _updated(r), True),
    "DateUpdatedAscending": (lambda r: _updated(r), False),
    "TitleAscending": (lambda r: str(r.get("shortTitle")), False),
    "TitleDescending": (lambda r: str(r.get("shortTitle")), True),
}


class RecordedBills(ListAndDetailApi):
    """Bills: the list lists `listed` (filtered by DepartmentId through each bill's sponsoring departments), the
    detail endpoints answer `details` by billId: the bill, `/Stages` and `/Publications`."""

    host = "bills-api.parliament.uk"
    list_path = PATH
    detail_id = re.compile(rf"{PATH}/(\d+)", re.IGNORECASE)
    id_field = "billId"
    offset_parameter = "Skip"
    PAGE_CAP = None

    honour_order = True
    """False: SortOrder is ignored and bills are listed as recorded (by billId), as a broken API would."""

    @classmethod
    def from_recordings(cls, **knobs: Unpack[Knobs]) -> RecordedBills:
        records = [load_recording(path) for path in sorted((RECORDED / "bills").glob("*.json"))]
        return cls(records, **knobs)

    @staticmethod
    def as_listed(record: dict[str, Any]) -> dict[str, Any]:
        return {name: record[name] for name in SUMMARY_FIELDS if name in record}

    def earliest(self) -> date | None:
        days = [moment.date() for record in self.listed if (moment := _updated(record)) != datetime.min]
        return min(days, default=None)

    def is_list_request(self, request: httpx.Request) -> bool:
        return request.url.path.lower() == PATH.lower()

    def handle(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any] | None:
        # ASP.NET binds query parameters whatever their case.
        params = {name.lower(): values for name, values in query.items() if values}
        if path.lower() == PATH.lower():
            return 200, self.search(params)
        match = re.fullmatch(rf"{PATH}/(\d+)(?:/(Stages|Publications))?", path, re.IGNORECASE)
        if not match or int(match.group(1)) not in self.details:
            return 404, {"title": "Not Found", "status": 404}
        record = self.details[int(match.group(1))]
        part = (match.group(2) or "").lower()
        if part == "stages":
            stages = record.get("stages") or []
            skip, take = int(params.get("skip", ["0"])[0]), int(params.get("take", ["20"])[0])
            return 200, {"items": stages[skip : skip + take], "totalResults": len(stages), "itemsPerPage": take}
        if part == "publications":
            return 200, {"billId": record["billId"], "publications": record.get("publications")}
        return 200, {name: value for name, value in record.items() if name not in PARTS}

    def search(self, params: dict[str, list[str]]) -> dict[str, Any]:
        department = params.get("departmentid", [None])[0]
        matches = [
            record
            for record in self.listed
            if department is None
            or not self.honour_filters
            or readable(lambda r: int(department) in _answering_bodies(self.details.get(r["billId"]) or r), record)
        ]
        order = params.get("sortorder", [None])[0]
        if order in SORTS and self.honour_order:
            key, reverse = SORTS[order]
            matches.sort(key=key, reverse=reverse)
        listing = self.listing(matches)
        skip = int(params.get("skip", ["0"])[0])
        take = self.page_size(int(params.get("take", ["20"])[0]))
        page = self.page(listing, skip, take)
        return {"items": page, "totalResults": self.reported_total(listing), "itemsPerPage": take}


def _updated(record: dict[str, Any]) -> datetime:
    """When the bill was last updated, naive London time (a bill whose update cannot be read sorts last)."""
    try:
        moment = datetime.fromisoformat(record["lastUpdate"])
    except (KeyError, TypeError, ValueError):
        return datetime.min
    return moment.replace(tzinfo=None) if moment.utcoffset() is None else _to_london_naive(moment)


def _to_london_naive(moment: datetime) -> datetime:
    return moment.astimezone(LONDON).replace(tzinfo=None)


def _answering_bodies(record: dict[str, Any]) -> set[int]:
    """The answering-body ids of the departments a bill's sponsors name (what the fake's DepartmentId matches)."""
    ids: set[int] = set()
    for sponsor in record.get("sponsors") or []:
        organisation = (sponsor or {}).get("organisation") or {}
        department = by_name(organisation.get("name") or "") or by_govuk_slug(
            str(organisation.get("url") or "").rstrip("/").rsplit("/", 1)[-1]
        )
        if department is not None:
            ids.update(department.answering_body_ids)
    return ids


def recorded_api() -> RecordedBills:
    return RecordedBills.from_recordings()
