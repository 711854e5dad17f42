"""Paging that does not add up is an error, never a short list; ids of the wrong type are refused.

The paginators are driven by small `httpx.MockTransport` APIs written here (the shared fakes in infra/local/replay/
answer honestly); each misbehaviour is one page script. The base's rule (shared/sources/base.py, `PageCount`): every
page carries a total that is a count (an int, not a bool, not negative); the total never falls between pages; the
first page that does not end the list fixes the query's page size (the API's cap, whatever was asked for), every
later page that does not end the list has exactly that size and the last page at most that; the pages end exactly at
the total.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from shared.adapters.http import UpstreamClient, UpstreamResponseError
from shared.domain.departments import DEPARTMENTS
from shared.domain.raw_record import RawRecordMessage
from shared.sources.base import (
    ListRequest,
    Paginator,
    PoisonRecordError,
    SinglePage,
    Source,
)
from shared.sources.deposited_papers import DepositedPapersSource
from shared.sources.govuk_publications import GovukPublicationsSource
from shared.sources.whatson_events import WhatsOnEventsSource
from shared.sources.written_questions import WrittenQuestionsSource
from shared.sources.written_statements import WrittenStatementsSource
from tests.helpers import recorded

URL = "https://api.example/list"
UNSET = object()
"""A page's total that is not in the body at all."""


@dataclass(frozen=True)
class Envelope:
    """How one API wraps a page: the paginator, its offset parameter, and a page body from records and a total."""

    name: str
    paginator: Paginator
    offset: str
    wrap: Callable[[list[dict[str, Any]], Any, int], Any]
    read: Callable[[Any], list[dict[str, Any]]]


def _parliament(items: str, total: str) -> Callable[[list[dict[str, Any]], Any, int], Any]:
    def wrap(records: list[dict[str, Any]], count: Any, offset: int) -> Any:
        body: dict[str, Any] = {items: [{"value": r, "links": []} for r in records]}
        if count is not UNSET:
            body[total] = count
        return body

    return wrap


def _govuk(records: list[dict[str, Any]], count: Any, offset: int) -> Any:
    body: dict[str, Any] = {"results": records, "start": offset}
    if count is not UNSET:
        body["total"] = count
    return body


def _values(items: str) -> Callable[[Any], list[dict[str, Any]]]:
    return lambda body: [entry["value"] for entry in body[items]]


ENVELOPES = [
    Envelope(
        "parliament-questions",
        WrittenQuestionsSource.paginator,
        "skip",
        _parliament("results", "totalResults"),
        _values("results"),
    ),
    Envelope(
        "parliament-papers",
        DepositedPapersSource.paginator,
        "Skip",
        _parliament("items", "totalResults"),
        _values("items"),
    ),
    Envelope("govuk-search", GovukPublicationsSource.paginator, "start", _govuk, lambda body: body["results"]),
]


@dataclass
class PagedApi:
    """A list of `size` records answered in pages: `pages[n]` is (how many records page n holds, its total).

    Page n starts where the client asked (its offset parameter). A page script longer than the client reads is fine;
    a client that asks for more pages than scripted gets a 500 (which fails the test with a clear error).
    """

    envelope: Envelope
    pages: Sequence[tuple[int, Any]]
    size: int = 1000
    offsets: list[int] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get(self.envelope.offset, "0"))
        if len(self.offsets) >= len(self.pages):
            return httpx.Response(500, json={"error": "more pages asked for than scripted"})
        length, total = self.pages[len(self.offsets)]
        self.offsets.append(offset)
        records = [{"id": n} for n in range(offset, min(offset + length, self.size))]
        return httpx.Response(200, json=self.envelope.wrap(records, total, offset))

    def read_all(self) -> list[int]:
        client = UpstreamClient(transport=httpx.MockTransport(self), sleep=lambda _: None, max_attempts=1)
        request = ListRequest(URL, {"take": 100})
        pages = self.envelope.paginator.pages(client, request, self.envelope.read)
        return [listed.record["id"] for page in pages for listed in page]


def each_envelope(function: Callable[..., None]) -> Callable[..., None]:
    return pytest.mark.parametrize("envelope", ENVELOPES, ids=[e.name for e in ENVELOPES])(function)


# --- What adds up: read to the total, by what the API returns ---------------------------------------------------


@each_envelope
def test_a_capped_api_is_paged_by_what_it_returns_to_the_total(envelope):
    # GIVEN an API that caps pages at 20 whatever is asked (written statements do), 45 records
    api = PagedApi(envelope, [(20, 45), (20, 45), (20, 45)], size=45)

    # WHEN the list is read
    ids = api.read_all()

    # THEN every record is read once, at offsets 0, 20, 40, and no page more
    assert ids == list(range(45))
    assert api.offsets == [0, 20, 40]


@each_envelope
def test_a_total_that_grows_between_pages_is_read_to_the_new_total(envelope):
    # GIVEN a record added while the list is read (the total grows from 40 to 41): nothing already read moves past
    # the client, at worst one record is read twice (dedupe is the base's job)
    api = PagedApi(envelope, [(20, 40), (20, 41), (20, 41)], size=41)

    # WHEN the list is read
    ids = api.read_all()

    # THEN it is read to the new total
    assert ids == list(range(41))
    assert api.offsets == [0, 20, 40]


@each_envelope
def test_an_empty_list_is_one_request(envelope):
    api = PagedApi(envelope, [(0, 0)], size=0)

    assert api.read_all() == []
    assert api.offsets == [0]


@each_envelope
def test_a_list_of_one_page_ends_at_its_total(envelope):
    api = PagedApi(envelope, [(20, 7)], size=7)

    assert api.read_all() == list(range(7))
    assert api.offsets == [0]


# --- What does not add up: an error (the fetcher holds the watermark) --------------------------------------------


@each_envelope
@pytest.mark.parametrize(
    "total",
    [
        pytest.param("20", id="a numeric string"),
        pytest.param(True, id="a bool"),
        pytest.param(20.0, id="a float"),
        pytest.param(-1, id="negative"),
        pytest.param(None, id="null"),
        pytest.param(UNSET, id="missing"),
    ],
)
def test_a_total_that_is_not_a_count_is_an_error(envelope, total):
    # GIVEN an API that gives 10 of 20 records on its first page, with a total that is not a count
    api = PagedApi(envelope, [(10, total), (10, 20)], size=20)

    # WHEN the list is read THEN it is an error, not 10 records
    with pytest.raises(UpstreamResponseError, match="total"):
        api.read_all()


@each_envelope
def test_an_empty_page_before_the_total_is_an_error(envelope):
    # GIVEN an API whose total promises 30 and that runs dry at 20
    api = PagedApi(envelope, [(10, 30), (10, 30), (10, 30)], size=20)

    with pytest.raises(UpstreamResponseError, match="empty page"):
        api.read_all()


@each_envelope
def test_a_page_that_shrinks_before_the_total_is_an_error(envelope):
    # GIVEN pages of 20 (the API's cap, shown by its first page), then a page of 15 with 45 records promised
    api = PagedApi(envelope, [(20, 45), (15, 45), (20, 45), (20, 45)], size=45)

    with pytest.raises(UpstreamResponseError, match="shorter than"):
        api.read_all()


@each_envelope
def test_a_page_longer_than_the_first_is_an_error(envelope):
    # GIVEN a first page of 15, then pages of 20: the first page was short of what the API gives (records missing)
    api = PagedApi(envelope, [(15, 45), (20, 45), (20, 45)], size=45)

    with pytest.raises(UpstreamResponseError, match="longer than"):
        api.read_all()


@each_envelope
def test_a_total_that_falls_between_pages_is_an_error(envelope):
    # GIVEN a total of 45, then 30: records left the list while it was read, and those after them moved back over
    # pages already read
    api = PagedApi(envelope, [(20, 45), (20, 30), (20, 30)], size=45)

    with pytest.raises(UpstreamResponseError, match="fell"):
        api.read_all()


@each_envelope
def test_pages_that_run_past_the_total_are_an_error(envelope):
    # GIVEN a total of 15 on a page of 20: the total lies low, and a client that trusted it would stop early
    api = PagedApi(envelope, [(20, 15), (20, 15)], size=45)

    with pytest.raises(UpstreamResponseError, match="beyond"):
        api.read_all()


# --- Each source's own envelope, through its own reader ----------------------------------------------------------


def _fetch(source: Source, answer: Callable[[httpx.Request], httpx.Response]) -> list[dict[str, Any]]:
    client = UpstreamClient(transport=httpx.MockTransport(answer), sleep=lambda _: None, max_attempts=1)
    since, until = datetime(2024, 4, 15, tzinfo=UTC), datetime(2024, 4, 18, tzinfo=UTC)
    return [fetched.record for fetched in source.fetch(client, DEPARTMENTS, since, until)]


@pytest.mark.parametrize(
    ("source", "items", "recording"),
    [
        (WrittenQuestionsSource(), "results", "written-questions/list_2024-01-05.json"),
        (WrittenStatementsSource(), "results", "written-statements/list_2024-04-18.json"),
        (DepositedPapersSource(), "items", "deposited-papers/list_2024-04-17_2024-04-18.json"),
    ],
    ids=lambda value: getattr(value, "name", None) or str(value)[:12],
)
def test_a_parliament_source_whose_total_is_a_string_fails_instead_of_reporting_half(source, items, recording):
    # GIVEN the recorded list answered in pages of half its records, with totalResults as a string ("20")
    entries = recorded(recording)[items]
    half = max(1, len(entries) // 2)

    def answer(request: httpx.Request) -> httpx.Response:
        skip = int(request.url.params.get("skip", request.url.params.get("Skip", "0")))
        if request.url.path.rstrip("/").endswith(("questions", "statements", "DepositedPapers")):
            return httpx.Response(200, json={"totalResults": str(len(entries)), items: entries[skip : skip + half]})
        return httpx.Response(404, json={})

    # WHEN the source is fetched THEN it fails: the fetcher reports the source failed and keeps its watermark
    with pytest.raises(UpstreamResponseError, match="total"):
        _fetch(source, answer)


def test_govuk_search_whose_total_is_negative_fails():
    # GIVEN a GOV.UK search answering its first page of 5 with a total of -1
    body = recorded("govuk-publications/dfe_newest_first_page_1.json")
    body["total"] = -1

    # WHEN the source is fetched THEN it fails
    with pytest.raises(UpstreamResponseError, match="total"):
        _fetch(GovukPublicationsSource(), lambda request: httpx.Response(200, json=body))


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param({"totalResults": 40, "results": []}, id="a paging envelope"),
        pytest.param({"Id": 1, "StartDate": "2024-04-29T00:00:00"}, id="one event"),
        pytest.param(None, id="null"),
    ],
)
def test_a_single_page_list_that_is_not_an_array_is_an_error(answer):
    # GIVEN What's On answering its list with something other than the bare array it promises (an API that started
    # paging would answer an envelope: reading it as a whole list would truncate silently)
    client = UpstreamClient(
        transport=httpx.MockTransport(lambda request: httpx.Response(200, content=json.dumps(answer).encode())),
        sleep=lambda _: None,
    )
    request = ListRequest(URL, {})

    with pytest.raises(UpstreamResponseError, match="array"):
        list(SinglePage().pages(client, request, WhatsOnEventsSource().records_from_response))


# --- Ids of the wrong type ------------------------------------------------------------------------------------------


def _question() -> dict[str, Any]:
    return recorded("written-questions/detail_1679416.json")["value"]  # type: ignore[no-any-return]


def _statement() -> dict[str, Any]:
    return recorded("written-statements/detail_1701201.json")["value"]  # type: ignore[no-any-return]


def _paper() -> dict[str, Any]:
    return recorded("deposited-papers/detail_6212.json")["value"]  # type: ignore[no-any-return]


def _event() -> dict[str, Any]:
    """A committee evidence session of the Education Committee (its department is the committee's)."""
    events = recorded("whatson-events/2024-04-15_list.json")
    return copy.deepcopy(next(e for e in events if e["Id"] == 51234))  # type: ignore[no-any-return]


RECORDS: dict[str, tuple[Source, Callable[[], dict[str, Any]]]] = {
    "written-questions": (WrittenQuestionsSource(), _question),
    "written-statements": (WrittenStatementsSource(), _statement),
    "deposited-papers": (DepositedPapersSource(), _paper),
    "whatson-events": (WhatsOnEventsSource(), _event),
}
ID_FIELDS = [
    ("written-questions", ("id",)),
    ("written-questions", ("answeringBodyId",)),
    ("written-statements", ("id",)),
    ("written-statements", ("answeringBodyId",)),
    ("deposited-papers", ("paperId",)),
    ("whatson-events", ("Id",)),
    ("whatson-events", ("Committee", "Id")),
]
WRONG_TYPES = [
    pytest.param(lambda good: True, id="true"),
    pytest.param(lambda good: float(good), id="float"),
    pytest.param(lambda good: str(good), id="numeric-string"),
]


def _message(source: Source, record: dict[str, Any]) -> RawRecordMessage:
    return RawRecordMessage(source=source.name, record=record, fetched_at=datetime.now(UTC), origin="test_paging")


def _set(record: dict[str, Any], path: tuple[str, ...], change: Callable[[Any], Any]) -> None:
    *parents, name = path
    for parent in parents:
        record = record[parent]
    record[name] = change(record[name])


@pytest.mark.parametrize(("source_name", "path"), ID_FIELDS, ids=[f"{s}:{'.'.join(p)}" for s, p in ID_FIELDS])
def test_the_recorded_record_parses(source_name, path):
    # The control for the test below: the record is good as recorded.
    source, record = RECORDS[source_name]
    assert source.parse(_message(source, record())).id.startswith(f"{source.name}:")


@pytest.mark.parametrize("wrong", WRONG_TYPES)
@pytest.mark.parametrize(("source_name", "path"), ID_FIELDS, ids=[f"{s}:{'.'.join(p)}" for s, p in ID_FIELDS])
def test_an_id_of_the_wrong_type_is_a_poison_record_naming_the_field(source_name, path, wrong):
    # GIVEN a recorded record whose id (or the id that routes it to a department) is of the wrong type: `true` would
    # be read as 1, 1.0 and "1" as 1 (another record's id, or another department's)
    source, make = RECORDS[source_name]
    record = make()
    _set(record, path, wrong)

    # WHEN it is parsed THEN it is refused, with the field named
    with pytest.raises(PoisonRecordError, match=path[-1]):
        source.parse(_message(source, record))


def test_ids_of_different_types_are_different_record_keys():
    source = WrittenStatementsSource()
    keys = {source.record_key({"id": value}) for value in (1, True, "1", 1.0)}
    assert len(keys) == 4


def test_a_numeric_string_id_listed_first_does_not_hide_the_real_record():
    # GIVEN a list where a record with id "1701201" (a string) comes before the real statement 1701201
    good = _statement()
    forged = {**good, "id": str(good["id"]), "title": "Forged"}
    page = {"totalResults": 2, "results": [{"value": forged, "links": []}, {"value": good, "links": []}]}

    # WHEN the source is fetched
    fetched = _fetch(WrittenStatementsSource(), lambda request: httpx.Response(200, json=page))

    # THEN both are listed (the processor refuses the forged one): the real one is not dropped as its duplicate
    assert [record["title"] for record in fetched] == ["Forged", good["title"]]
