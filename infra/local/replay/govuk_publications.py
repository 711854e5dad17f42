"""The fake GOV.UK search API: organisation and date filters, order, fields, withdrawn pages, paging.

Over the recordings, only the current-style Department for Education pages are served (dfe_*.json); the other
recordings are old-style responses of unrelated queries, kept for the tests. Like the real API, it refuses what it
does not know with HTTP 422.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any, Unpack

from infra.local.replay import RECORDED, Knobs, RecordedApi, load_recording, readable

PATH = "/api/search.json"
DEMO_PAGE_CAP = 5
"""The demo's pages are cut below what is asked for, so that it pages through the recordings as a real poll may."""
MAX_COUNT = 1500
KNOWN_PARAMETERS = frozenset({"start", "count", "order", "fields", "debug", "c"})
FILTERS = frozenset({"filter_organisations", "filter_public_timestamp"})
FIELDS = frozenset(
    {
        "title", "link", "description", "public_timestamp", "first_published_at", "content_id",
        "content_store_document_type", "content_purpose_supergroup", "display_type", "organisations", "is_withdrawn",
        "format", "slug",
    }
)  # fmt: skip
"""The return fields the recordings can answer (the real API knows many more; asking for any other here is a 422)."""
DEFAULT_FIELDS = ("description", "display_type", "format", "link", "organisations", "public_timestamp", "slug", "title")
DEBUG_KEYS = ("index", "es_score", "_id", "elasticsearch_type", "document_type")
SORT_FIELDS = frozenset({"public_timestamp"})


class RecordedSearch(RecordedApi):
    """Search results, listed in the order given (the real API's "most viewed" order cannot be replayed) unless the
    query asks for an order. `newest_first=False`: the order parameter is ignored and results come oldest first."""

    host = "www.gov.uk"
    list_path = PATH
    offset_parameter = "start"

    def __init__(
        self, records: Iterable[dict[str, Any]] = (), *, newest_first: bool = True, **knobs: Unpack[Knobs]
    ) -> None:
        super().__init__(**knobs)
        self.records = list(records)
        self.newest_first = newest_first

    @classmethod
    def from_recordings(cls, **knobs: Unpack[Knobs]) -> RecordedSearch:
        """The recorded results, by link, as the index holds them."""
        records: dict[str, dict[str, Any]] = {}
        for path in sorted((RECORDED / "govuk-publications").glob("dfe_*.json")):
            for result in load_recording(path)["results"]:
                records.setdefault(result["_id"], result)
        return cls(records.values(), **knobs)

    def earliest(self) -> date | None:
        times = [r["public_timestamp"] for r in self.records if isinstance(r.get("public_timestamp"), str)]
        return min((_time(value).date() for value in times), default=None)

    def handle(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        if path != PATH:
            return 404, {"error": "Not Found"}
        try:
            return 200, self.search(query)
        except _Unprocessable as error:
            return 422, {"error": str(error)}

    def search(self, query: dict[str, list[str]]) -> dict[str, Any]:
        unknown = sorted(name for name in query if name not in KNOWN_PARAMETERS | FILTERS)
        if unknown:
            raise _Unprocessable(f"Unexpected parameters: {', '.join(unknown)}")
        fields = [field for value in query.get("fields", []) for field in value.split(",")] or list(DEFAULT_FIELDS)
        if invalid := [field for field in fields if field not in FIELDS]:
            raise _Unprocessable(f"Some requested fields are not valid return fields: {invalid}")
        debug = {option for value in query.get("debug", []) for option in value.split(",") if option}
        if debug - {"include_withdrawn"}:
            raise _Unprocessable(f'Unknown debug option "{sorted(debug)[0]}"')
        organisations = set(query.get("filter_organisations", []))
        since, until = _date_filter(query.get("filter_public_timestamp", []))
        order = _single(query, "order")
        start = _integer(query, "start", 0)
        count = _integer(query, "count", 10)
        if count > MAX_COUNT:
            raise _Unprocessable(f"Maximum result set size (as specified in 'count') is {MAX_COUNT}")
        matches = [
            record
            for record in self.records
            if (
                not organisations
                or not self.honour_filters
                or readable(lambda r: organisations & {o["slug"] for o in r.get("organisations", [])}, record)
            )
            and ("include_withdrawn" in debug or not readable(lambda r: r.get("is_withdrawn"), record))
            and (
                not self.honour_dates
                or readable(
                    lambda r: (
                        (since is None or _time(r["public_timestamp"]) >= since)
                        and (until is None or _time(r["public_timestamp"]) <= until)
                    ),
                    record,
                )
            )
        ]
        matches = _ordered(matches, order) if self.newest_first else sorted(matches, key=_sort_time)
        listing = self.listing([_presented(record, fields) for record in matches])
        return {
            "results": self.page(listing, start, count),
            "total": self.reported_total(listing),
            "start": start,
            "aggregates": {},
            "suggested_queries": [],
            "suggested_autocomplete": [],
            "es_cluster": "A",
        }


class _Unprocessable(ValueError):
    """What the real API answers with HTTP 422."""


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _single(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name, [])
    if len(values) > 1:
        raise _Unprocessable(f'Too many values ({len(values)}) for parameter "{name}" (must occur at most once)')
    return values[0] if values else None


def _integer(query: dict[str, list[str]], name: str, default: int) -> int:
    value = _single(query, name)
    if value is None:
        return default
    if not value.isdigit():
        raise _Unprocessable(f'Invalid value "{value}" for parameter "{name}" (expected positive integer)')
    return int(value)


def _date_filter(values: list[str]) -> tuple[datetime | None, datetime | None]:
    """`from:2024-04-15,to:2024-04-19` (UTC; a `to` date without a time means the end of that day)."""
    if len(values) > 1:
        raise _Unprocessable(
            f'Too many values ({len(values)}) for parameter "public_timestamp" (must occur at most once)'
        )
    bounds: dict[str, datetime] = {}
    for part in values[0].split(",") if values else []:
        key, _, text = part.partition(":")
        if key not in ("from", "to"):
            raise _Unprocessable(f'Invalid date filter parameter "{key}:" (expected "from:" or "to:")')
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise _Unprocessable(f'Invalid "{key}" value "{text}" for parameter "public_timestamp"') from None
        if key == "to" and len(text) == 10:
            moment = moment.replace(hour=23, minute=59, second=59)
        bounds[key] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return bounds.get("from"), bounds.get("to")


def _ordered(records: list[dict[str, Any]], order: str | None) -> list[dict[str, Any]]:
    """By public_timestamp when asked; otherwise as given (the real API's "most viewed" order cannot be replayed)."""
    if order is None:
        return records
    field = order.removeprefix("-")
    if field not in SORT_FIELDS:
        raise _Unprocessable(f'"{field}" is not a valid sort field')
    return sorted(records, key=_sort_time, reverse=order.startswith("-"))


def _sort_time(record: dict[str, Any]) -> datetime:
    """Its public_timestamp, or the earliest time for a record without a readable one."""
    try:
        return _time(record["public_timestamp"])
    except (KeyError, TypeError, ValueError):
        return datetime.min.replace(tzinfo=UTC)


def _presented(record: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """The requested fields the record has, then the debug keys the API always adds."""
    presented = {field: record[field] for field in fields if field in record}
    presented.update({key: record[key] for key in DEBUG_KEYS if key in record})
    return presented


def recorded_api() -> RecordedSearch:
    return RecordedSearch.from_recordings(page_cap=DEMO_PAGE_CAP)
