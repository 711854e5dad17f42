"""Statutory instruments laid by departments, and each step of their procedure: statutoryinstruments-api.parliament.uk.

What is known about the API (see infra/local/recordings/statutory-instruments/README.md): its OpenAPI document (no
real response has been found) gives `GET /api/v2/StatutoryInstrument` (`{items: [{value: StatutoryInstrumentSummary,
links}], totalResults, itemsPerPage, links}`; filters DepartmentId, LayingBodyId, House, procedure, …; no date filter
and no sort parameter), `GET /api/v2/StatutoryInstrument/{id}` (`{value: StatutoryInstrument, links}`: the summary
plus the laying body, enabling acts, coming-into-force date and `link`, "the full wording of the instrument") and
`GET /api/v2/StatutoryInstrument/{id}/BusinessItems` (a bare array of business items: `steps` (names), `itemDate`,
`houses`, `sequence`, `link`). Ids are strings of 8 letters and digits.

Read both ways where the document leaves the shape open: dates naive (London) or with an offset; `houses` as strings
or as ordinals of the document's House enum (Commons, Lords); null lists and strings.

The department: as for bills, the `DepartmentId` filter's ids are not described (the laying body carries a
`departmentId` of its own): we ask with each department's current answering-body id [INFERRED] and route only by the
instrument's own laying body, by name (`department_in_detail`). The list is read as newest laid first [CODE: a public
client stops paging at the first page laid before its date]; a list in another order fails the poll visibly. A poll
reads instruments laid within PROCEDURE_HORIZON before its window: their procedure steps come for weeks after laying
(40 sitting days for the negative procedure), and the steps do not change the listed summary, so a step is seen by the
hourly detail recheck of the instruments in that horizon.

What becomes a notification: the instrument's first version (`new`: procedure, made and laid dates, its link), and
each new procedure step (`progressed`: details.stage, the latest business item's steps with House and date).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel

from shared.adapters.http import UpstreamClient, UpstreamResponseError
from shared.domain.departments import Department, by_name
from shared.domain.item import PROGRESS_STAGE, Attachment, DepartmentRef, Item
from shared.domain.kinds import Kind
from shared.domain.links import OwnHosts
from shared.domain.raw_record import RawRecordMessage
from shared.domain.text import one_line, plain_text
from shared.domain.timeutil import in_london, london_date
from shared.observability import logger
from shared.sources.base import (
    ListRequest,
    Moment,
    NullAsEmpty,
    PoisonRecordError,
    Source,
    UpstreamModel,
    attachment_link,
    detail_over_listed,
    enum_name,
    null_as_empty,
    validate_record,
)
from shared.sources.newest_first import NewestFirstPaginator, WindowRequest, moment

API = "https://statutoryinstruments-api.parliament.uk/api/v2/StatutoryInstrument"
PUBLIC_URL = "https://statutoryinstruments.parliament.uk/instrument/{instrument_id}/"
PAGE_SIZE = 100
PROCEDURE_HORIZON = timedelta(days=90)
"""How long after laying an instrument's procedure steps are still looked for (the negative procedure's praying period
is 40 sitting days; affirmative approvals come within weeks)."""
ID_PATTERN = r"^[A-Za-z0-9]{8}$"
"""The document's pattern of an id (LayingBodyId, Procedure); instrument ids are seen the same way in public clients."""
BUSINESS_ITEMS = "businessItems"
"""The field a queued instrument carries its business items under (read from their own endpoint)."""
SI_HOSTS = OwnHosts.of("parliament.uk", "*.parliament.uk", "www.legislation.gov.uk", "legislation.gov.uk")
"""Parliament's pages, and legislation.gov.uk where an instrument's full wording is published (its `link`)."""
HOUSES = ("Commons", "Lords")
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)


def _objects_only(value: Any) -> Any:
    """A null or non-object business item is one step fewer, not an instrument that can never be an item."""
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else null_as_empty(value)


def _house(value: Any) -> Any:
    """A House by name or position; a value that is neither is left for the field to accept or refuse."""
    return enum_name(value, HOUSES) or value


def laid_at(record: dict[str, Any]) -> datetime | None:
    """When the instrument was first laid (in either House), else made: what the list is read newest first by."""
    laid = [when for name in ("commonsLayingDate", "lordsLayingDate") if (when := moment(record.get(name)))]
    return min(laid) if laid else moment(record.get("paperMadeDate"))


class _Upstream(UpstreamModel):
    model_config = ConfigDict(alias_generator=to_camel)


class Named(_Upstream):
    id: str | None = None
    name: str | None = None


class LayingBody(_Upstream):
    department_id: int | None = None
    id: str | None = None
    name: str | None = None

    def department(self) -> Department | None:
        return by_name(self.name) if self.name else None


class BusinessItem(_Upstream):
    id: str | None = None
    statutory_instrument_id: str | None = None
    steps: Annotated[list[str | None], NullAsEmpty] = Field(default_factory=list)
    item_date: Moment | None = None
    link: str | None = None
    sequence: int | None = None
    houses: Annotated[list[Annotated[str, BeforeValidator(_house)]], NullAsEmpty] = Field(default_factory=list)

    def label(self) -> str:
        """ "Approved by the House of Commons (Commons, 2024-05-20)"."""
        steps = ", ".join(text for step in self.steps if (text := one_line(step))) or "Procedure step"
        houses = " and ".join(house for house in HOUSES if house in {h.strip().capitalize() for h in self.houses})
        day = london_date(self.item_date).isoformat() if self.item_date else None
        facts = [part for part in (houses, day) if part]
        return f"{steps} ({', '.join(facts)})" if facts else steps


class StatutoryInstrument(_Upstream):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    paper_prefix: str | None = None
    paper_number: int | None = None
    paper_year: str | None = None
    procedure: Named | None = None
    paper_made_date: Moment | None = None
    commons_laying_date: Moment | None = None
    lords_laying_date: Moment | None = None
    paper_coming_into_force_date: Moment | None = None
    paper_coming_into_force_note: str | None = None
    laying_body: LayingBody | None = None
    enabling_acts: Annotated[list[Named], NullAsEmpty] = Field(default_factory=list)
    link: str | None = None
    business_items: Annotated[list[BusinessItem], BeforeValidator(_objects_only)] = Field(default_factory=list)

    def number(self) -> str | None:
        """ "SI 2024/123" (the prefix, the year and the number, as far as given)."""
        if self.paper_number is None:
            return None
        year = one_line(self.paper_year)
        numbered = f"{year}/{self.paper_number}" if year else str(self.paper_number)
        prefix = one_line(self.paper_prefix)
        return f"{prefix} {numbered}" if prefix else numbered

    def laid(self) -> datetime | None:
        dates = [in_london(d) for d in (self.commons_laying_date, self.lords_laying_date) if d]
        return min(dates, default=None)

    def house(self) -> str | None:
        """commons or lords when laid in one House only."""
        if self.commons_laying_date and not self.lords_laying_date:
            return "commons"
        if self.lords_laying_date and not self.commons_laying_date:
            return "lords"
        return None

    def ordered_business(self) -> list[BusinessItem]:
        """In the order the business was conducted (`sequence`), then by date."""

        def order(item: BusinessItem) -> tuple[int, datetime]:
            when = in_london(item.item_date) if item.item_date else EARLIEST
            return (item.sequence if item.sequence is not None else 0, when)

        return sorted(self.business_items, key=order)


def laying_departments(record: dict[str, Any]) -> list[Department]:
    """The registered department of a record's laying body, read leniently (none when it cannot be read)."""
    try:
        body = LayingBody.model_validate(record.get("layingBody") or {})
    except (ValueError, TypeError):
        return []
    department = body.department()
    return [department] if department else []


class StatutoryInstrumentsSource(Source):
    name = "statutory-instruments"
    api_host = urlsplit(API).hostname or ""
    poll_every = timedelta(hours=1)  # 32 requests an idle poll (one per department); records change by the day
    kind = Kind.STATUTORY_INSTRUMENT
    own_hosts = SI_HOSTS
    paginator = NewestFirstPaginator(skip="Skip", items="items", total="totalResults", updated=laid_at)
    has_detail = True
    department_in_detail = True

    def records_from_response(self, body: Any) -> list[dict[str, Any]]:
        """A list page `{items: [{value, links}], totalResults}` or one instrument `{value, links}`."""
        return self.value_records(body, "items")

    def list_requests(
        self, departments: Sequence[Department], since: datetime, until: datetime
    ) -> Iterable[ListRequest]:
        """One query per department (DepartmentId takes one id), newest laid first, read back to the horizon."""
        for department in departments:
            if department.answering_body_ids:
                params = {"DepartmentId": department.answering_body_ids[0], "Take": PAGE_SIZE}
                yield WindowRequest(API, params, since=since - PROCEDURE_HORIZON, until=until)

    def asked(self, departments: Sequence[Department]) -> Callable[[dict[str, Any]], bool]:
        wanted = set(departments)
        return lambda record: bool(wanted.intersection(laying_departments(record)))

    def detail_url(self, record: dict[str, Any]) -> str | None:
        instrument_id = record.get("id")
        if isinstance(instrument_id, str) and instrument_id.isalnum() and len(instrument_id) == 8:
            return f"{API}/{instrument_id}"
        return None

    def merge_detail(self, listed: dict[str, Any], detail: dict[str, Any]) -> dict[str, Any]:
        return detail_over_listed(listed, detail)

    def detail_parts(self, http: UpstreamClient, record: dict[str, Any]) -> dict[str, Any]:
        """Its business items (the procedure's steps), each checked to be this instrument's."""
        url = f"{API}/{record['id']}/BusinessItems"
        try:
            body = http.get_json(url)
        except UpstreamResponseError as error:
            if error.status != 404:
                raise
            logger.warning("instrument business items not found", extra={"source": self.name, "record": record["id"]})
            return {}
        if body is None:
            return {BUSINESS_ITEMS: []}
        if not isinstance(body, list) or not all(isinstance(entry, dict) for entry in body):
            raise UpstreamResponseError("the business items are not an array of objects", url)
        if any(entry.get("statutoryInstrumentId") not in (None, record["id"]) for entry in body):
            raise UpstreamResponseError(f"business items of another instrument than {record['id']}", url)
        return {BUSINESS_ITEMS: body}

    def parse(self, message: RawRecordMessage) -> Item:
        instrument = validate_record(StatutoryInstrument, message.record, "statutory instrument")
        body = instrument.laying_body
        department = body.department() if body else None
        if department is None:
            named = one_line(body.name, 80) if body and body.name else "none"
            raise PoisonRecordError(
                f"statutory instrument {instrument.id}: its laying body is not a department in the registry "
                f"(named: {named})"
            )
        title = plain_text(instrument.name)
        if not title:
            raise PoisonRecordError("invalid statutory instrument: name is empty once markup is removed")
        made = in_london(instrument.paper_made_date) if instrument.paper_made_date else None
        published = instrument.laid() or made
        if published is None:
            raise PoisonRecordError(f"invalid statutory instrument: {instrument.id} has no laying or made date")
        business = instrument.ordered_business()
        dated = [in_london(item.item_date) for item in business if item.item_date]
        link = attachment_link(instrument.link, self.own_hosts, instrument.id) if instrument.link else None
        attachments = (Attachment(title="Full wording of the instrument", url=link, file_type="HTML"),) if link else ()
        procedure = one_line(instrument.procedure.name) if instrument.procedure else ""
        return Item(
            id=f"{self.name}:{instrument.id}",
            source=self.name,
            kind=self.kind,
            category=procedure or None,
            departments=(DepartmentRef(slug=department.slug, name=department.name),),
            title=title,
            url=PUBLIC_URL.format(instrument_id=instrument.id),
            published_at=published,
            updated_at=max([published, *dated]),
            house=instrument.house(),  # type: ignore[arg-type]
            state="laid" if instrument.laid() else "made",
            summary=plain_text(instrument.paper_coming_into_force_note) or None,
            attachments=attachments,
            details={
                PROGRESS_STAGE: business[-1].label() if business else None,
                "steps": "; ".join(item.label() for item in business) or None,
                "number": instrument.number(),
                "procedure": procedure or None,
                "made": london_date(made).isoformat() if made else None,
                "laid_commons": _day(instrument.commons_laying_date),
                "laid_lords": _day(instrument.lords_laying_date),
                "coming_into_force": _day(instrument.paper_coming_into_force_date),
                "laying_body": one_line(body.name) if body else None,
                "enabling_acts": "; ".join(n for act in instrument.enabling_acts if (n := one_line(act.name))) or None,
            },
        )


def _day(value: datetime | None) -> str | None:
    return london_date(value).isoformat() if value else None
