"""The fake deposited-papers API: list (deposit dates, House, order, capped pages) and detail."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Unpack

import httpx

from infra.local.replay import RECORDED, Knobs, ListAndDetailApi, load_recording, readable

PATH = "/api/DepositedPapers"
DEPOSIT_DATE = "dateDeposited"
"""The deposit date field of the recordings (its real name is not confirmed: see the recordings' README)."""


class RecordedPapers(ListAndDetailApi):
    """Deposited papers: the list endpoint lists `listed`, the detail endpoint answers `details` by paperId.

    `records` are full papers (as the detail endpoint gives them, with their documents): the list shows each without
    its documents. `listed` gives the list's papers as they are instead, and `details` the detail endpoint's answers
    by paperId (over those of `records`). The API has no department filter, so `honour_filters` changes nothing.
    """

    host = "depositedpapers-api.parliament.uk"
    list_path = PATH
    detail_id = re.compile(rf"{PATH}/(\d+)", re.IGNORECASE)
    id_field = "paperId"
    offset_parameter = "Skip"
    PAGE_CAP = 20
    """Pages are capped below what is asked for, as some Parliament endpoints do: clients must page by what they get."""

    @classmethod
    def from_recordings(cls, **knobs: Unpack[Knobs]) -> RecordedPapers:
        """The recorded papers by paperId: the list's fields merged with the detail's (only it has the documents)."""
        records: dict[int, dict[str, Any]] = {}
        for path in sorted((RECORDED / "deposited-papers").glob("*.json")):
            body = load_recording(path)
            for entry in body.get("items", [body]):
                record = entry["value"]
                records[record["paperId"]] = {**records.get(record["paperId"], {}), **record}
        return cls(records.values(), **knobs)

    @staticmethod
    def as_listed(record: dict[str, Any]) -> dict[str, Any]:
        """The list endpoint's form of a paper: without its documents ("only available from the detail endpoint")."""
        return {name: value for name, value in record.items() if name != "attachedDocuments"}

    def earliest(self) -> date | None:
        return min((_deposited(r) for r in self.listed if isinstance(r.get(DEPOSIT_DATE), str)), default=None)

    def is_list_request(self, request: httpx.Request) -> bool:
        return request.url.path.lower() == PATH.lower()

    def handle(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        # ASP.NET binds query parameters whatever their case.
        params = {name.lower(): values[0] for name, values in query.items() if values}
        if path.lower() == PATH.lower():
            return 200, self.search(params)
        tail = path.lower().removeprefix(PATH.lower() + "/")
        if tail != path.lower() and tail.isdigit() and int(tail) in self.details:
            record = self.details[int(tail)]
            return 200, _entry(record)
        return 404, {"title": "Not Found"}

    def search(self, params: dict[str, str]) -> dict[str, Any]:
        start, end = params.get("depositedfrom"), params.get("depositedto")
        house = params.get("house", "All")
        matches = [
            record
            for record in self.listed
            if (
                not self.honour_dates
                or readable(
                    lambda r: (
                        (start is None or _deposited(r).isoformat() >= start[:10])
                        and (end is None or _deposited(r).isoformat() <= end[:10])
                    ),
                    record,
                )
            )
            and (house == "All" or readable(lambda r: house in r.get("houses", []), record))
        ]
        if params.get("orderby", "").startswith("CommitmentDate"):
            matches.sort(key=_deposit_order, reverse=params["orderby"].endswith("Desc"))
        listing = self.listing(matches)
        skip = int(params.get("skip", "0"))
        take = self.page_size(int(params.get("take", "20")))
        page = self.page(listing, skip, take)
        return {
            "items": [_entry(r) for r in page],
            "totalResults": self.reported_total(listing),
            "links": [{"rel": "self", "href": f"{PATH}?Skip={skip}&Take={take}", "method": "GET"}],
        }


def _deposited(record: dict[str, Any]) -> date:
    return date.fromisoformat(record[DEPOSIT_DATE][:10])


def _deposit_order(record: dict[str, Any]) -> tuple[str, int]:
    """By deposit date, then paperId (a paper whose date or id cannot be read goes first)."""
    deposited, paper_id = record.get(DEPOSIT_DATE), record.get("paperId")
    return (deposited if isinstance(deposited, str) else "", paper_id if isinstance(paper_id, int) else -1)


def _entry(record: Any) -> dict[str, Any]:
    paper_id = record.get("paperId") if isinstance(record, dict) else None
    return {"value": record, "links": [{"rel": "self", "href": f"{PATH}/{paper_id}", "method": "GET"}]}


def recorded_api() -> RecordedPapers:
    return RecordedPapers.from_recordings()
