"""The deposited-papers API over the recordings: list (deposit dates, House, order, capped pages) and detail."""

from __future__ import annotations

from datetime import date
from typing import Any

from infra.local.replay import RECORDED, load_recording

PATH = "/api/DepositedPapers"
PAGE_CAP = 20
"""Pages are capped below what is asked for, as some Parliament endpoints do: clients must page by what they get."""
DEPOSIT_DATE = "dateDeposited"
"""The deposit date field of the recordings (its real name is not confirmed: see the recordings' README)."""


class RecordedPapers:
    """The recorded papers by paperId: the list's fields merged with the detail's (which alone has the documents)."""

    host = "depositedpapers-api.parliament.uk"

    def __init__(self) -> None:
        self.records: dict[int, dict[str, Any]] = {}
        for path in sorted((RECORDED / "deposited-papers").glob("*.json")):
            body = load_recording(path)
            for entry in body.get("items", [body]):
                record = entry["value"]
                self.records[record["paperId"]] = {**self.records.get(record["paperId"], {}), **record}

    def earliest(self) -> date | None:
        return min((_deposited(r) for r in self.records.values() if r.get(DEPOSIT_DATE)), default=None)

    def handle(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        # ASP.NET binds query parameters whatever their case.
        params = {name.lower(): values[0] for name, values in query.items() if values}
        if path.lower() == PATH.lower():
            return 200, self.search(params)
        tail = path.lower().removeprefix(PATH.lower() + "/")
        if tail != path.lower() and tail.isdigit() and int(tail) in self.records:
            record = self.records[int(tail)]
            return 200, {"value": record, "links": _links(record)}
        return 404, {"title": "Not Found"}

    def search(self, params: dict[str, str]) -> dict[str, Any]:
        start, end = params.get("depositedfrom"), params.get("depositedto")
        house = params.get("house", "All")
        matches = [
            record
            for record in self.records.values()
            if record.get(DEPOSIT_DATE)
            and (start is None or _deposited(record).isoformat() >= start[:10])
            and (end is None or _deposited(record).isoformat() <= end[:10])
            and (house == "All" or house in record.get("houses", []))
        ]
        if params.get("orderby", "").startswith("CommitmentDate"):
            matches.sort(key=lambda r: (r[DEPOSIT_DATE], r["paperId"]), reverse=params["orderby"].endswith("Desc"))
        skip = int(params.get("skip", "0"))
        take = min(int(params.get("take", "20")), PAGE_CAP)
        page = [{"value": _as_listed(r), "links": _links(r)} for r in matches[skip : skip + take]]
        return {
            "items": page,
            "totalResults": len(matches),
            "links": [{"rel": "self", "href": f"{PATH}?Skip={skip}&Take={take}", "method": "GET"}],
        }


def _deposited(record: dict[str, Any]) -> date:
    return date.fromisoformat(record[DEPOSIT_DATE][:10])


def _links(record: dict[str, Any]) -> list[dict[str, str]]:
    return [{"rel": "self", "href": f"{PATH}/{record['paperId']}", "method": "GET"}]


def _as_listed(record: dict[str, Any]) -> dict[str, Any]:
    """The list endpoint's form of a paper: without its documents ("only available from the detail endpoint")."""
    return {name: value for name, value in record.items() if name != "attachedDocuments"}


def recorded_api() -> RecordedPapers:
    return RecordedPapers()
