"""The fake Statutory Instruments API (v2): the list (DepartmentId, Skip/Take; newest laid first), an instrument
(`{value, links}`) and its business items (a bare array).

The recordings hold each instrument as the fetcher queues it (`{value: StatutoryInstrument with its businessItems}`);
the fake serves each part from its own endpoint, and the list shows each in its summary form.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any, Unpack

import httpx

from infra.local.replay import RECORDED, Knobs, ListAndDetailApi, load_recording, readable
from shared.domain.departments import by_name
from shared.sources.statutory_instruments import laid_at

PATH = "/api/v2/StatutoryInstrument"
SUMMARY_FIELDS = (
    "id",
    "name",
    "paperPrefix",
    "paperNumber",
    "paperYear",
    "procedure",
    "paperMadeDate",
    "commonsLayingDate",
    "lordsLayingDate",
    "workpackageId",
)
"""The document's StatutoryInstrumentSummary: what the list shows of an instrument."""
NEVER = datetime(1900, 1, 1, tzinfo=UTC)


class RecordedInstruments(ListAndDetailApi):
    """Statutory instruments: the list lists `listed` newest laid first (filtered by DepartmentId through each
    instrument's laying body), the detail endpoints answer `details` by id: the instrument and `/BusinessItems`."""

    host = "statutoryinstruments-api.parliament.uk"
    list_path = PATH
    detail_id = re.compile(rf"{PATH}/([A-Za-z0-9]+)", re.IGNORECASE)
    id_field = "id"
    offset_parameter = "Skip"
    PAGE_CAP = None
    honour_order = True
    """False: instruments are listed as recorded (by id), not newest laid first, as an API in another order would."""

    @classmethod
    def from_recordings(cls, **knobs: Unpack[Knobs]) -> RecordedInstruments:
        paths = sorted((RECORDED / "statutory-instruments").glob("*.json"))
        return cls([load_recording(path)["value"] for path in paths], **knobs)

    @staticmethod
    def as_listed(record: dict[str, Any]) -> dict[str, Any]:
        return {name: record[name] for name in SUMMARY_FIELDS if name in record}

    def earliest(self) -> date | None:
        return min((laid.date() for record in self.listed if (laid := laid_at(record))), default=None)

    def is_list_request(self, request: httpx.Request) -> bool:
        return request.url.path.lower() == PATH.lower()

    def handle(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any] | None:
        params = {name.lower(): values[0] for name, values in query.items() if values}
        if path.lower() == PATH.lower():
            return 200, self.search(params)
        match = re.fullmatch(rf"{PATH}/([A-Za-z0-9]+)(/BusinessItems)?", path, re.IGNORECASE)
        record = self.details.get(match.group(1)) if match else None  # type: ignore[call-overload, arg-type]
        if match is None or record is None:
            return 404, {"title": "Not Found", "status": 404}
        if match.group(2):
            return 200, record.get("businessItems") or []
        return 200, _entry({name: value for name, value in record.items() if name != "businessItems"})

    def search(self, params: dict[str, str]) -> dict[str, Any]:
        department = params.get("departmentid")
        matches = [
            record
            for record in self.listed
            if department is None
            or not self.honour_filters
            or readable(lambda r: int(department) in _answering_bodies(self.details.get(r["id"]) or r), record)
        ]
        if self.honour_order:
            matches.sort(key=lambda r: laid_at(r) or NEVER, reverse=True)
        listing = self.listing(matches)
        skip = int(params.get("skip", "0"))
        take = self.page_size(int(params.get("take", "20")))
        return {
            "items": [_entry(r) for r in self.page(listing, skip, take)],
            "totalResults": self.reported_total(listing),
            "itemsPerPage": take,
            "links": [],
        }


def _entry(record: Any) -> dict[str, Any]:
    instrument_id = record.get("id") if isinstance(record, dict) else None
    return {"value": record, "links": [{"rel": "self", "href": f"{PATH}/{instrument_id}", "method": "GET"}]}


def _answering_bodies(record: dict[str, Any]) -> set[int]:
    department = by_name(str((record.get("layingBody") or {}).get("name") or ""))
    return set(department.answering_body_ids) if department else set()


def recorded_api() -> RecordedInstruments:
    return RecordedInstruments.from_recordings()
