"""What every upstream source provides: how to fetch its records, and how to turn one record into an Item."""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Annotated, Any, ClassVar, TypeVar, final
from urllib.parse import urlencode

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from shared.adapters.http import UpstreamClient, UpstreamResponseError
from shared.domain.departments import Department
from shared.domain.item import Item, renderable_moment
from shared.domain.kinds import Kind
from shared.domain.links import LinkRefused, OwnHosts, own_link
from shared.domain.raw_record import RawRecordMessage
from shared.observability import logger
from shared.sources.incremental import FetchedRecord, KnownRecord, ListPosition


class PoisonRecordError(ValueError):
    """A record that can never become an item (fails validation, names an unknown department, …).

    It is not retried: the processor puts it on the dead-letter queue at once, with this message as the reason.
    """


class ResponseShapeError(ValueError):
    """An upstream response body that is not what this source's API returns."""


class UpstreamModel(BaseModel):
    """An upstream API's record as its source reads it: leniently (fields we do not use are ignored, so an API that
    adds one breaks nothing), by the API's own field names or ours. A source's base model sets only its API's
    naming (`alias_generator`)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def validation_reason(error: ValidationError) -> str:
    """A short, readable reason from a pydantic error: field paths and messages, no input values echoed."""
    problems = [
        f"{'.'.join(str(part) for part in issue['loc']) or '(record)'}: {issue['msg']}" for issue in error.errors()
    ]
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return "; ".join(problems[:5]) + more


UpstreamId = Annotated[int, Field(strict=True, gt=0)]
"""An id the API gives as a JSON integer (a record's, an answering body's, a committee's): strict, because lax
validation reads `true` as 1 and 1.0 or "1" as 1 (another record's id, or another department's)."""

Moment = Annotated[datetime, AfterValidator(renderable_moment)]
"""An upstream date an item can carry: one outside the item's years is refused with its field named, before a source
moves it to London time (year 9999 with an offset overflows there)."""


def null_as_empty(value: Any) -> Any:
    return [] if value is None else value


NullAsEmpty = BeforeValidator(null_as_empty)
"""A list the API sends as null when it is empty (Parliament's APIs do, for many of their lists): the empty list."""


def enum_name(value: Any, names: tuple[str, ...]) -> str | None:
    """The document's name of an enum the API writes as its name (any case, spaces ignored) or, as ASP.NET does by
    default, as its position in the document's enum (`names`, in order); another string as given (stripped), None
    for a blank one, an unknown position or any other value."""
    if type(value) is int:
        return names[value] if 0 <= value < len(names) else None
    if isinstance(value, str):
        wanted = value.strip().replace(" ", "").lower()
        return next((name for name in names if name.lower() == wanted), value.strip() or None)
    return None


M = TypeVar("M", bound=BaseModel)


def validate_record(model: type[M], record: dict[str, Any], what: str) -> M:
    try:
        return model.model_validate(record)
    except ValidationError as error:
        raise PoisonRecordError(f"invalid {what}: {validation_reason(error)}") from None


def detail_over_listed(listed: dict[str, Any], detail: dict[str, Any]) -> dict[str, Any]:
    """A record's detail laid over its listed form: the detail wins wherever it has a value, and a field it leaves
    null (or does not repeat) keeps the list's value (a `Source.merge_detail`)."""
    return {**listed, **{name: value for name, value in detail.items() if value is not None}}


def attachment_link(url: str | None, hosts: OwnHosts, record: object) -> str | None:
    """An attachment's link on the source's own hosts (encoded), or None: the attachment is dropped, and why logged."""
    try:
        return own_link(url, hosts)
    except LinkRefused as refused:
        logger.warning("attachment dropped", extra={"reason": str(refused), "record": str(record)})
        return None


@dataclass(frozen=True)
class ListRequest:
    """One list query of a poll: the base pages it to exhaustion with the source's paginator."""

    url: str
    params: Mapping[str, Any]
    department: str | None = None
    """The department the query was for, given to records that do not name their own (What's On question times)."""


@dataclass(frozen=True)
class Listed:
    """One record as a list endpoint gave it, and where it came from."""

    record: dict[str, Any]
    origin: str
    department: str | None = None
    position: ListPosition | None = None
    """Where its page is in the poll's lists: a poll stopped for time resumes by asking that page again."""
    swept: bool = False
    """Listed by the daily sweep (`Source.sweep_requests`): read again only when its listed form changed."""


RecordReader = Callable[[Any], list[dict[str, Any]]]
"""A source's `records_from_response`: the records of one response body, ResponseShapeError if it is not one."""


class Paginator(ABC):
    """How one list query is paged: the requests it takes and when it is exhausted."""

    @abstractmethod
    def pages(
        self, http: UpstreamClient, request: ListRequest, read: RecordReader, start: int = 0
    ) -> Iterator[list[Listed]]:
        """Every page of the query, in order, each as the records it held; from record `start` when a poll resumes
        (a paginator without offsets starts at the beginning)."""


@dataclass
class PageCount:
    """Proof that the pages of one list query add up to the whole list, page by page; UpstreamResponseError if not.

    - Every page carries a total that is a count (an int, not a bool, not negative): without one there is no knowing
      where the list ends, and stopping early would report a poll complete with records missing.
    - The total may grow between pages (a record added: at worst one already read moves into the next page and is
      read twice, which the base dedupes) but never fall (records left the list, and those after them moved back
      over pages already read: one we never saw may be among them).
    - The first page that does not end the list shows the API's page size for this query: what it returns, not what
      was asked for, since some Parliament endpoints cap pages (written statements give 20 whatever `take` says).
      Every later page that does not end the list has exactly that size, and the last one at most that: a page that
      shrinks, or an empty one, before the total is reached means the API left records out, and a later page longer
      than the first means the first one did.
    - The pages end exactly at the total: running past it means the total lies low, and trusting it would stop early.

    A poll that fails here keeps the source's watermark (shared/pipeline/fetching.py): the next poll reads it again.
    """

    url: str
    total_name: str
    read: int = 0
    total: int | None = None
    page_size: int | None = None

    def add(self, body: Any, records: int) -> bool:
        """Account for the next page (its body and how many records it held); True when the list is exhausted."""
        total = body.get(self.total_name) if isinstance(body, dict) else None
        if not isinstance(total, int) or isinstance(total, bool) or total < 0:
            shown = "missing" if not isinstance(body, dict) or self.total_name not in body else repr(total)[:40]
            raise self._error(f"the total ({self.total_name}) is not a count: {shown}")
        if self.total is not None and total < self.total:
            raise self._error(f"the total fell from {self.total} to {total} between pages")
        self.total = total
        start, self.read = self.read, self.read + records
        if self.read > total:
            raise self._error(f"the page of records {start}-{self.read} runs beyond the total {total}")
        if self.page_size is not None and records > self.page_size:
            raise self._error(f"a page of {records}, longer than the first ({self.page_size}): the first was short")
        if self.read == total:
            return True
        if records == 0:
            raise self._error(f"an empty page at record {start} of {total}")
        if self.page_size is None:
            self.page_size = records
        elif records < self.page_size:
            raise self._error(
                f"the page at record {start} of {total} holds {records}: shorter than the API's pages "
                f"({self.page_size}) before the total"
            )
        return False

    def _error(self, problem: str) -> UpstreamResponseError:
        return UpstreamResponseError(f"the list's pages do not add up: {problem}", self.url)


@dataclass(frozen=True)
class OffsetPaginator(Paginator):
    """The Parliament APIs' paging: `skip` records, `{total, items: [...]}` per page. Pages advance by what each one
    returned (APIs cap pages below what is asked for) until the API's total is reached; pages that do not add up to
    it are an error (`PageCount`)."""

    skip: str
    items: str
    total: str

    def pages(
        self, http: UpstreamClient, request: ListRequest, read: RecordReader, start: int = 0
    ) -> Iterator[list[Listed]]:
        def check(body: Any, offset: int) -> None:
            if not isinstance(body, dict) or self.items not in body:
                raise UpstreamResponseError("a list request answered with a single item", request.url)

        return _counted_pages(http, request, read, self.skip, self.total, check, start)


@dataclass(frozen=True)
class StartPaginator(Paginator):
    """GOV.UK search's paging: `start` records, `{results, total, start}` per page; the page must start where asked,
    and the pages add up to the total (`PageCount`)."""

    start: str = "start"
    total: str = "total"

    def pages(
        self, http: UpstreamClient, request: ListRequest, read: RecordReader, start: int = 0
    ) -> Iterator[list[Listed]]:
        def check(body: Any, offset: int) -> None:
            if not isinstance(body, dict):
                raise UpstreamResponseError("the search did not answer with an object", request.url)
            if body.get(self.start, offset) != offset:
                raise UpstreamResponseError(
                    f"asked for results from {offset}, got results from {body[self.start]}", request.url
                )

        return _counted_pages(http, request, read, self.start, self.total, check, start)


def _counted_pages(
    http: UpstreamClient,
    request: ListRequest,
    read: RecordReader,
    offset_parameter: str,
    total_field: str,
    check: Callable[[Any, int], None],
    start: int = 0,
) -> Iterator[list[Listed]]:
    """Pages asked from each offset the pages so far reach (from `start`), until they add up to the total
    (`PageCount`); `check` refuses a body that is not this API's page for that offset."""
    count = PageCount(request.url, total_field, read=start)
    while True:
        offset = count.read
        body = http.get_json(request.url, {**request.params, offset_parameter: offset})
        records = read_page(read, body, request.url)
        check(body, offset)
        exhausted = count.add(body, len(records))
        origin = f"{request.url}?{offset_parameter}={offset}"
        yield [Listed(record, origin, request.department, ListPosition(offset=offset)) for record in records]
        if exhausted:
            return


@dataclass(frozen=True)
class SinglePage(Paginator):
    """An endpoint without paging that answers a bare JSON array (What's On: at most 31 days per call instead)."""

    def pages(
        self, http: UpstreamClient, request: ListRequest, read: RecordReader, start: int = 0
    ) -> Iterator[list[Listed]]:
        origin = f"{request.url}?{urlencode(request.params, doseq=True)}"
        body = http.get_json(request.url, request.params)
        if not isinstance(body, list):
            raise UpstreamResponseError("the list did not answer with an array", origin)
        yield [Listed(record, origin, request.department) for record in read_page(read, body, origin)]


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def read_page(read: RecordReader, body: Any, url: str) -> list[dict[str, Any]]:
    """The records of one answer, as the source reads them; an answer of another shape is the upstream's error."""
    try:
        return read(body)
    except ResponseShapeError as error:
        raise UpstreamResponseError(str(error), url) from error


class Source(ABC):
    """One upstream source: what to ask for, how to page, how to complete and parse one record.

    A source declares; the base runs the poll (`fetch`): every list request paged to exhaustion by the source's
    paginator, records of departments not asked for dropped (an ignored filter must not flood another department's
    topic), each record once however often it is listed, and a record the list cuts completed from its detail
    endpoint unless the fetcher knows it already. Subclasses are stateless; one instance each lives in the registry.
    """

    name: ClassVar[str]
    kind: ClassVar[Kind]
    paginator: ClassVar[Paginator]
    own_hosts: ClassVar[OwnHosts]
    """Where its items' own links may point (their page, their attachments): see shared.domain.links.own_link."""
    api_host: ClassVar[str] = ""
    """The upstream host its polls ask: polls of one host never overlap (the poll queue's message group), so the
    per-host pace is the deployment's. Unset: the source's own name (a group of its own)."""
    poll_every: ClassVar[timedelta] = timedelta(0)
    """How often a scheduled poll of it is worth its upstream calls; 0: on every schedule. A source whose API makes an
    idle poll dear (one request per department, no date filter) and whose records change by the day polls less."""
    volatile_fields: ClassVar[frozenset[str]] = frozenset()
    """Top-level record fields that change between fetches of the same content (search scores): not in the digest."""
    has_detail: ClassVar[bool] = False
    """Whether the list endpoint cuts records that a detail endpoint completes (`detail_url`)."""
    list_cuts_texts: ClassVar[bool] = False
    """Whether the list cuts the record's texts (not only leaves parts out): a record queued as listed, its detail
    missing, is flagged `detail_missing` for its `parse` to say which texts are the list's shortened form."""
    department_in_detail: ClassVar[bool] = False
    """Whether only the completed record names its department (a bill's sponsoring department is in its detail): the
    asked-department filter then reads the completed record, and a known one (queued before, so asked before) is
    not asked again."""

    def notifiable(self, record: dict[str, Any]) -> bool:
        """Whether deptwatch tells anyone about such a record at all (a private committee meeting: no)."""
        return True

    def record_key(self, record: dict[str, Any]) -> str:
        """The record's stable upstream id (the fetcher remembers what it last queued of each record by it).

        An int or a string is the key as it is; any other value, or a string that would read as one (`"1"`), is
        its JSON text: `true`, `1.0` and `"1"` must not be the key of record 1, or the first would hide it."""
        for name in ("id", "Id", "paperId", "content_id", "link"):
            value = record.get(name)
            if value in (None, ""):
                continue
            if type(value) is int or (isinstance(value, str) and not _is_json(value)):
                return str(value)
            return json.dumps(value, sort_keys=True)
        return self.digest(record)

    def digest(self, record: dict[str, Any]) -> str:
        """A short digest of a raw record's content: equal when the same record is fetched again unchanged."""
        content = {key: value for key, value in record.items() if key not in self.volatile_fields}
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.blake2b(canonical.encode(), digest_size=10).hexdigest()

    @abstractmethod
    def records_from_response(self, body: Any) -> list[dict[str, Any]]:
        """The records in one response body, exactly as the API returned them; ResponseShapeError if it is not one."""

    # --- What to ask for: declared by each source ---

    def list_requests(
        self, departments: Sequence[Department], since: datetime, until: datetime
    ) -> Iterable[ListRequest]:
        """The list queries that cover every record of `departments` changed in [since, until]."""
        raise NotImplementedError(f"{type(self).__name__} declares no list_requests")

    def sweep_requests(
        self, departments: Sequence[Department], since: datetime, until: datetime
    ) -> Iterable[ListRequest]:
        """The list queries of the daily sweep, for records dated in [since, until] (older than the poll's window)
        whose late changes no date filter of the API shows (a question withdrawn weeks after it was tabled); none by
        default. The base runs them after `list_requests`, once a day (shared/pipeline/polls.py `SweepPolicy`)."""
        return ()

    @property
    def sweeps(self) -> bool:
        """Whether the source declares a sweep."""
        return type(self).sweep_requests is not Source.sweep_requests

    def asked(self, departments: Sequence[Department]) -> Callable[[dict[str, Any]], bool]:
        """Whether a listed record belongs to one of `departments` (records say so in their own fields)."""
        return lambda record: True

    def detail_url(self, record: dict[str, Any]) -> str | None:
        """Where a record that the list cut is read in full; None when the listed record is complete (or invalid:
        the processor reports why)."""
        return None

    detail_params: ClassVar[Mapping[str, str]] = {}

    def merge_detail(self, listed: dict[str, Any], detail: dict[str, Any]) -> dict[str, Any]:
        """The record to queue from its listed and detail forms (default: the detail)."""
        return detail

    def detail_parts(self, http: UpstreamClient, record: dict[str, Any]) -> dict[str, Any]:
        """Parts of a completed record that other endpoints hold (a bill's stages and publications), by the field
        they are queued under; read after its detail, with it (default: none)."""
        return {}

    # --- The poll: owned by the base ---

    @property
    def poll_group(self) -> str:
        """The poll queue's message group of this source's polls: its upstream host."""
        return self.api_host or self.name

    def listed(
        self, http: UpstreamClient, departments: Sequence[Department], since: datetime, until: datetime
    ) -> Iterator[Listed]:
        """Every record of every list request, page after page. A source whose API needs a conversation (one
        answer deciding the next question) overrides this, and the base still filters, dedupes and completes (a
        resumed poll of such a source reads its lists from the start; the record memory skips what it handled)."""
        for request in self.list_requests(departments, since, until):
            for page in self.paginator.pages(http, request, self.records_from_response):
                yield from page

    def _listed_from(
        self,
        http: UpstreamClient,
        departments: Sequence[Department],
        since: datetime,
        until: datetime,
        resume: ListPosition | None,
        sweep_since: datetime | None = None,
    ) -> Iterator[Listed]:
        """`listed`, positioned: each record knows its list request and page, and a resumed poll starts at the page
        where it stopped (the requests before it, and the pages before it, are not asked again). With `sweep_since`,
        the sweep's requests (records dated from there to `since`) follow the poll's own."""
        if type(self).listed is not Source.listed:
            yield from self.listed(http, departments, since, until)
            return
        first = resume or ListPosition()
        requests = [(request, False) for request in self.list_requests(departments, since, until)]
        if sweep_since is not None and sweep_since < since:
            requests += [(request, True) for request in self.sweep_requests(departments, sweep_since, since)]
        for number, (request, swept) in enumerate(requests):
            if number < first.request:
                continue
            start = first.offset if number == first.request else 0
            read = self.records_from_response
            pages = (
                self.paginator.pages(http, request, read, start) if start else self.paginator.pages(http, request, read)
            )
            for page in pages:
                for listed in page:
                    offset = listed.position.offset if listed.position else 0
                    yield replace(listed, position=ListPosition(request=number, offset=offset), swept=swept)

    @final
    def fetch(
        self,
        http: UpstreamClient,
        departments: Sequence[Department],
        since: datetime,
        until: datetime,
        known: KnownRecord | None = None,
        resume: ListPosition | None = None,
        sweep_since: datetime | None = None,
        unchanged: KnownRecord | None = None,
    ) -> Iterator[FetchedRecord]:
        """Every record of the given departments that changed in [since, until], each once, completed.

        A listed record that `known` recognises needs no detail request: it is yielded as listed, marked known.
        `resume`: the list position a poll stopped at (a checkpoint): the lists are read on from there.
        `sweep_since`: the sweep's records too (`sweep_requests`), those `unchanged` recognises (listed as when last
        queued) not completed: the sweep looks for listed changes, not for edits beyond the cut.
        """
        asked = self.asked(departments)
        seen: set[str] = set()
        for listed in self._listed_from(http, departments, since, until, resume, sweep_since):
            record = listed.record
            if not self.notifiable(record):  # nobody is told of it (a draft, a private meeting): not even queued
                continue
            key = self.record_key(record)
            if not self.department_in_detail and not asked(record):
                self._not_asked(key)
            elif key not in seen:
                seen.add(key)
                fetched = self._completed(http, listed, (unchanged or known) if listed.swept else known)
                if self.department_in_detail and not fetched.known and not asked(fetched.record):
                    self._not_asked(key)
                else:
                    yield fetched

    def _not_asked(self, key: str) -> None:
        logger.warning("record of a department we did not ask for dropped", extra={"source": self.name, "record": key})

    def _completed(self, http: UpstreamClient, listed: Listed, known: KnownRecord | None) -> FetchedRecord:
        as_listed = FetchedRecord(
            record=listed.record, department=listed.department, origin=listed.origin, position=listed.position
        )
        if not self.has_detail:
            return as_listed
        if known is not None and known(listed.record):
            return replace(as_listed, listed=listed.record, known=True)
        url = self.detail_url(listed.record)
        if url is None:
            return replace(as_listed, listed=listed.record)
        detail = self._read_detail(http, url, listed.record)
        if detail is None:
            return replace(as_listed, listed=listed.record, detail_missing=True)
        merged = self.merge_detail(listed.record, detail)
        merged |= self.detail_parts(http, merged)
        return replace(as_listed, record=merged, origin=url, listed=listed.record)

    def _read_detail(self, http: UpstreamClient, url: str, record: dict[str, Any]) -> dict[str, Any] | None:
        """The detail of `record`, checked to be that record; None when the detail endpoint no longer has it."""
        key = self.record_key(record)
        try:
            body = http.get_json(url, dict(self.detail_params) or None)
        except UpstreamResponseError as error:
            if error.status != 404:
                raise
            # Gone between the list and the detail request (deleted, or not yet published): keep what the list gave.
            logger.warning("record detail not found, list form kept", extra={"source": self.name, "record": key})
            return None
        matching = [r for r in read_page(self.records_from_response, body, url) if self.record_key(r) == key]
        if len(matching) != 1:
            raise UpstreamResponseError(f"detail of {self.name} record {key} is not that record", url)
        return matching[0]

    def value_records(self, body: Any, items: str) -> list[dict[str, Any]]:
        """The records of a Parliament API response: a list page `{totalResults, <items>: [{value, links}]}` or one
        item `{value, links}`; ResponseShapeError for anything else."""
        if isinstance(body, dict) and isinstance(body.get(items), list) and "totalResults" in body:
            entries = body[items]
        elif isinstance(body, dict) and isinstance(body.get("value"), dict):
            entries = [body]
        else:
            expected = f"{{totalResults, {items}: [{{value, links}}]}} or {{value, links}}"
            raise ResponseShapeError(f"not a {self.name} response: expected {expected}")
        for position, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("value"), dict):
                raise ResponseShapeError(f"{items}[{position}] has no 'value' object")
        return [entry["value"] for entry in entries]

    @abstractmethod
    def parse(self, message: RawRecordMessage) -> Item:
        """The normalised item of one queued record; PoisonRecordError when it can never be one."""
