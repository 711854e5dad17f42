"""One fake per upstream API: recorded responses served with the API's own paths, paging and filters.

Each module of this package is THE fake of one upstream API (`RecordedQuestions`, `RecordedStatements`,
`RecordedPapers`, `RecordedSearch`, `RecordedEvents`). The same class serves

- the demo: `recorded_api()` builds it over the recordings in `infra/local/recordings/`, and `replay_server()` serves
  every such module on loopback (`make demo` points the fetcher at it with UPSTREAM_OVERRIDES), so the offline
  pipeline runs the very same HTTP code as the live one;
- the tests: built from explicit records, with the knobs below to make it misbehave as real APIs do, behind
  `.transport()` (an `httpx.MockTransport`: unit tests have no sockets) that keeps every request in `.requests`.

Built from records, each fake takes the records its endpoints serve, then the knobs:
`RecordedQuestions(records, *, listed=None, details=None, **knobs)` and likewise `RecordedStatements` (plus
`search_result_details`) and `RecordedPapers`: full records, the list showing each in its list form;
`RecordedSearch(records, *, newest_first=True, **knobs)`; `RecordedEvents(events, *, answers=None, **knobs)`. Built
from the recordings: `RecordedX.from_recordings(**knobs)` (each record's fullest recorded form as its detail); the
demo's written questions and statements answer only the details that were recorded (`ListAndDetailApi.as_recorded`).

The knobs (`Knobs`: the same words for every fake, each defaulting to a well-behaved API):

- `page_cap`: every page holds at most this many records whatever is asked for (`None`: as many as asked). Each fake
  defaults to what its real API does (`PAGE_CAP`); What's On answers a whole window at once and does not page.
- `honour_filters=False`: the department filter (answering bodies, GOV.UK organisations, What's On's
  `answeringBodyIds`) is ignored and every department's records are listed, as a broken API would. The
  deposited-papers API has no department filter to ignore.
- `honour_dates=False`: the date window is ignored and records of any date are listed.
- `total`: reported as the total (`totalResults`, `total`) instead of the true count: a total that lies. What's On
  reports no total.
- `repeat`: every record is listed this many times in a row, as by an API whose pages shift while they are read.
- `extra`: raw records appended to every list answer as they are (in the API's envelope): not filtered, not put in
  list form, not read at all; the way to inject a bad record.

Besides, a fake takes what its own API needs: GOV.UK's `newest_first=False` (the order parameter is ignored, oldest
first), written statements' `search_result_details` (the detail answered in the list envelope), What's On's
`answers` (what an `answeringBodyIds` query lists, per answering body). Where a test's list records are not what the
fake would derive from full records, the Parliament fakes take `listed=[...]` and `details={id: record}` as well.
A record the filters cannot read (a field missing or malformed) is listed rather than dropped: the fakes never
refuse the bad records a test gives them.

A test reads what was asked with `list_requests()`, `detail_requests()`, `detail_ids()`, `offsets()` (the paging
parameter of each list request) and `queries()` (the parameters of each list request, in order).
"""

from __future__ import annotations

import html
import importlib
import json
import pkgutil
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar, Self, TypedDict, Unpack
from urllib.parse import parse_qs, urlsplit

import httpx

RECORDED = Path(__file__).resolve().parent.parent / "recordings"
"""The recorded upstream responses, one folder per source: shipped with the package (package data)."""


def list_stripped(text: str | None) -> str:
    """An HTML text as Parliament's list endpoints give it: tags removed and entities unescaped, nothing added in
    their place (paragraphs and table cells run together, a link's URL not shown: "rates.On average")."""
    return html.unescape(re.sub(r"<[^>]*>", "", text or "")).replace("\n", "")


class Knobs(TypedDict, total=False):
    """How a fake misbehaves: see the table in this module's docstring."""

    page_cap: int | None
    honour_filters: bool
    honour_dates: bool
    total: int | None
    repeat: int
    extra: Sequence[Any]


class RecordedApi(ABC):
    """What every fake shares: the knobs, the list answer built from them, the transport and the requests made."""

    host: ClassVar[str]
    """The upstream host it stands in for, e.g. "questions-statements-api.parliament.uk"."""
    list_path: ClassVar[str]
    detail_id: ClassVar[re.Pattern[str] | None] = None
    """The path of one record (its id in the first group), for `detail_ids()`."""
    offset_parameter: ClassVar[str | None] = None
    """The paging parameter of a list request (skip, start, …), for `offsets()`."""
    PAGE_CAP: ClassVar[int | None] = None
    """The default `page_cap`: the most a page of the real API holds whatever is asked for."""

    def __init__(self, **knobs: Unpack[Knobs]) -> None:
        self.page_cap = knobs.get("page_cap", self.PAGE_CAP)
        self.honour_filters = knobs.get("honour_filters", True)
        self.honour_dates = knobs.get("honour_dates", True)
        self.total = knobs.get("total")
        self.repeat = knobs.get("repeat", 1)
        self.extra = list(knobs.get("extra", ()))
        self.requests: list[httpx.Request] = []

    @abstractmethod
    def handle(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any] | None:
        """Status and JSON body for a GET of `path` (without the host), or None for a path of another API."""

    @abstractmethod
    def earliest(self) -> date | None:
        """The date of the oldest record, so that a demo backfill can reach it."""

    # --- the list answer, as every knob shapes it

    def listing(self, matches: Sequence[Any]) -> list[Any]:
        """What the list endpoint lists once the filters have chosen `matches`: repeated, then the extra records."""
        return [record for record in matches for _ in range(self.repeat)] + self.extra

    def page_size(self, asked: int) -> int:
        return asked if self.page_cap is None else min(asked, self.page_cap)

    def page(self, listing: Sequence[Any], offset: int, asked: int) -> list[Any]:
        return list(listing[offset : offset + self.page_size(asked)])

    def reported_total(self, listing: Sequence[Any]) -> int:
        return len(listing) if self.total is None else self.total

    # --- for tests

    def transport(self) -> httpx.MockTransport:
        """This API alone, in-process; every request is kept in `requests`."""
        return httpx.MockTransport(lambda request: serve({self.host: [self]}, request))

    def is_list_request(self, request: httpx.Request) -> bool:
        return request.url.path == self.list_path

    def list_requests(self) -> list[httpx.Request]:
        return [request for request in self.requests if self.is_list_request(request)]

    def detail_requests(self) -> list[httpx.Request]:
        return [request for request in self.requests if not self.is_list_request(request)]

    def detail_ids(self) -> list[int | str]:
        """The ids asked of the detail endpoint, in order (numeric ones as ints: most APIs' ids are)."""
        pattern = self.detail_id
        return [
            int(match.group(1)) if match.group(1).isdigit() else match.group(1)
            for request in self.detail_requests()
            if pattern and (match := pattern.fullmatch(request.url.path))
        ]

    def offsets(self) -> list[str]:
        """The paging parameter of each list request, in order."""
        name = self.offset_parameter
        return [request.url.params[name] for request in self.list_requests() if name and name in request.url.params]

    def queries(self) -> list[list[tuple[str, str]]]:
        """The parameters of each list request, in the order sent."""
        return [request.url.params.multi_items() for request in self.list_requests()]


class ListAndDetailApi(RecordedApi):
    """A Parliament API whose list endpoint shows each record in a cut-down list form and whose detail endpoint answers
    it in full: the list lists `listed`, the detail endpoint answers `details` by id.

    `records` are full records (as the detail endpoint gives them): the list shows each in its list form
    (`as_listed`). `listed` gives the list's records as they are instead, and `details` the detail endpoint's answers
    by id (over those of `records`), for a test whose list and detail records differ otherwise.
    """

    id_field: ClassVar[str]

    def __init__(
        self,
        records: Iterable[dict[str, Any]] = (),
        *,
        listed: Iterable[dict[str, Any]] | None = None,
        details: Mapping[int, dict[str, Any]] | None = None,
        **knobs: Unpack[Knobs],
    ) -> None:
        super().__init__(**knobs)
        records = list(records)
        self.details: dict[int, dict[str, Any]] = {record[self.id_field]: record for record in records}
        self.details |= dict(details or {})
        self.listed: list[dict[str, Any]] = (
            list(listed) if listed is not None else [self.as_listed(record) for record in records]
        )

    @staticmethod
    @abstractmethod
    def as_listed(record: dict[str, Any]) -> dict[str, Any]:
        """The list endpoint's form of a full record."""

    @classmethod
    def as_recorded(cls, folder: str, **knobs: Unpack[Knobs]) -> Self:
        """The demo's API: each record listed as the list endpoint was recorded giving it (or in the list form of its
        recorded detail), and the detail endpoint answering only the records whose detail was recorded; any other is
        404, as for a record the API no longer has. Answering a list record's cut texts as its detail would pass them
        off as whole (issue #16): the fetcher keeps the list form and the item says its texts are shortened."""
        listed, details = recorded_forms(folder)
        ids = dict.fromkeys([*listed, *details])
        return cls(
            listed=[listed[key] if key in listed else cls.as_listed(details[key]) for key in ids],
            details=details,
            **knobs,
        )


def fullest_recorded(folder: str, text_length: Callable[[dict[str, Any]], int]) -> list[dict[str, Any]]:
    """The records of a questions-statements recording folder (list pages `{results: [{value}]}` and single items
    `{value}`), by id; where a record was recorded twice (cut by the list, whole from the detail), the fuller one."""
    records: dict[int, dict[str, Any]] = {}
    for path in sorted((RECORDED / folder).glob("*.json")):
        body = load_recording(path)
        for entry in body.get("results", [body]):
            record = entry["value"]
            current = records.get(record["id"])
            if current is None or text_length(record) > text_length(current):
                records[record["id"]] = record
    return list(records.values())


def recorded_forms(folder: str) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    """The records of a questions-statements recording folder by id: as the list endpoint gave them (list pages
    `{results: [{value}]}`) and as the detail endpoint did (single items `{value}`)."""
    listed: dict[int, dict[str, Any]] = {}
    details: dict[int, dict[str, Any]] = {}
    for path in sorted((RECORDED / folder).glob("*.json")):
        body = load_recording(path)
        for entry in body.get("results", [body]):
            (listed if "results" in body else details)[entry["value"]["id"]] = entry["value"]
    return listed, details


def readable(check: Any, record: Any) -> bool:
    """A filter's verdict on `record`, or True when it cannot read the record: a bad record is listed, not dropped."""
    try:
        return bool(check(record))
    except (KeyError, TypeError, ValueError, AttributeError):
        return True


def recorded_apis() -> list[RecordedApi]:
    apis = []
    for module in pkgutil.iter_modules(__path__):
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        if hasattr(loaded, "recorded_api"):
            apis.append(loaded.recorded_api())
    return apis


def load_recording(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _answering(
    apis: Mapping[str, Sequence[RecordedApi]], host: str, path: str, query: dict[str, list[str]]
) -> tuple[RecordedApi | None, tuple[int, Any]]:
    for api in apis.get(host, []):
        if (response := api.handle(path, query)) is not None:
            return api, response
    return None, (404, {"title": "Not Found", "host": host, "path": path})


def answer(
    apis: Mapping[str, Sequence[RecordedApi]], host: str, path: str, query: dict[str, list[str]]
) -> tuple[int, Any]:
    """What the recorded APIs of `host` answer (several APIs can share a host, each with its own paths)."""
    return _answering(apis, host, path, query)[1]


def serve(apis: Mapping[str, Sequence[RecordedApi]], request: httpx.Request) -> httpx.Response:
    """`answer` for an httpx request; the API that answers keeps the request."""
    query = parse_qs(request.url.query.decode(), keep_blank_values=True)
    api, (status, body) = _answering(apis, request.url.host, request.url.path, query)
    if api is not None:
        api.requests.append(request)
    return httpx.Response(status, json=body)


def apis_by_host(apis: Iterable[RecordedApi] | None = None) -> dict[str, list[RecordedApi]]:
    """The given APIs (by default every recordings-backed one) grouped by the host they stand in for."""
    grouped: dict[str, list[RecordedApi]] = {}
    for api in recorded_apis() if apis is None else apis:
        grouped.setdefault(api.host, []).append(api)
    return grouped


class _Handler(BaseHTTPRequestHandler):
    apis: dict[str, list[RecordedApi]]

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        host, _, path = parts.path.lstrip("/").partition("/")
        api, response = _answering(self.apis, host, "/" + path, parse_qs(parts.query))
        if api is not None:  # kept, as `serve` keeps them: what a run over loopback asked of each API
            api.requests.append(httpx.Request("GET", f"https://{host}/{path}?{parts.query}"))
        self._reply(*response)

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def replay_server(apis: Iterable[RecordedApi] | None = None) -> Iterator[tuple[dict[str, str], date | None]]:
    """Serve the fakes (by default every recordings-backed one) on 127.0.0.1.

    Yields the UPSTREAM_OVERRIDES mapping that points the fetcher at them, and the date of the oldest record.
    """
    grouped = apis_by_host(apis)
    handler = type("Handler", (_Handler,), {"apis": grouped})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    earliest = [day for group in grouped.values() for api in group if (day := api.earliest())]
    try:
        yield {f"https://{host}": f"{base}/{host}" for host in grouped}, min(earliest, default=None)
    finally:
        server.shutdown()
        server.server_close()


def replay_transport(apis: Iterable[RecordedApi] | None = None) -> httpx.MockTransport:
    """An httpx transport that answers from the fakes (by default every recordings-backed one) in-process, for tests,
    where sockets are off."""
    grouped = apis_by_host(apis)
    return httpx.MockTransport(lambda request: serve(grouped, request))
