"""Government bills and their progress through Parliament: bills-api.parliament.uk.

What is known about the API (see infra/local/recordings/bills/README.md): its OpenAPI document (no real response has
been found) gives the endpoints, the query parameters and the shapes: the list `GET /api/v1/Bills` answers
`{items: [BillSummary], totalResults, itemsPerPage}` (no `{value, links}` wrapping), a bill `GET /api/v1/Bills/{id}`
a `Bill` (the summary plus longTitle, summary, sponsors, …), its stages `GET /api/v1/Bills/{id}/Stages` a paged
`{items: [StageSummary], totalResults}`, its publications `GET /api/v1/Bills/{id}/Publications`
`{billId, publications: [BillPublication]}`.

Read both ways where the document leaves the shape open:
- `House` is an enum the document writes as strings ("All", "Commons", "Lords", "Unassigned"); ASP.NET serialises
  enums as their ordinal unless told otherwise, so 0-3 in that order are read too;
- date-times may come naive (Parliament's usual London time) or with an offset;
- every array and most strings are nullable.

The department: the list's `DepartmentId` filter is the documented one, but the document does not say whose ids it
takes and a bill's summary names no department. We ask with each department's current answering-body id (an
INFERRED reading: Parliament's platforms share the department ids of its members API) and trust only the bill's own
record: a government bill's sponsors carry their `organisation` (the department, by name and GOV.UK page), which the
registry resolves. So a filter that reads other ids, or none, never routes a bill to the wrong department: the asked
filter reads the completed record (`department_in_detail`). A bill no sponsor organisation of which is a registered
department (a private member's bill, a private bill) is not a department's bill.

What becomes a notification: the bill's first version (`new`); each change of its current stage (`progressed`,
details.stage with the House and the date of its latest sitting; a stage that moves back is a change too); a new
publication (`updated`: the attachments and details.latest_publication changed); withdrawal (`withdrawn`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BeforeValidator, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from shared.adapters.http import UpstreamClient, UpstreamResponseError
from shared.domain.departments import Department, by_govuk_slug, by_name
from shared.domain.item import PROGRESS_STAGE, Attachment, DepartmentRef, Item, Person
from shared.domain.kinds import Kind
from shared.domain.links import PARLIAMENT_HOSTS
from shared.domain.raw_record import RawRecordMessage
from shared.domain.text import html_to_text, one_line, plain_text
from shared.domain.timeutil import in_london, london_date
from shared.observability import logger
from shared.sources.base import (
    ListRequest,
    Moment,
    NullAsEmpty,
    OffsetPaginator,
    PoisonRecordError,
    ResponseShapeError,
    Source,
    UpstreamId,
    UpstreamModel,
    attachment_link,
    detail_over_listed,
    enum_name,
    null_as_empty,
    validate_record,
)
from shared.sources.newest_first import NewestFirstPaginator, WindowRequest

API = "https://bills-api.parliament.uk/api/v1"
LIST_API = f"{API}/Bills"
PUBLIC_URL = "https://bills.parliament.uk/bills/{bill_id}"
DOCUMENT_URL = f"{API}/Publications/{{publication_id}}/Documents/{{document_id}}/Download"
PAGE_SIZE = 50
STAGES_PAGE_SIZE = 100
HOUSES = ("All", "Commons", "Lords", "Unassigned")
"""The document's House enum, in its order: an API that writes enums as ordinals writes these as 0-3."""
STAGES = "stages"
PUBLICATIONS = "publications"
"""The fields a queued bill carries its stages and publications under (read from their own endpoints)."""


def house_of(value: Any) -> str | None:
    """ "commons" or "lords" from the House enum written as a string or as its ordinal; None for All/Unassigned."""
    name = enum_name(value, HOUSES)
    return name.lower() if name in ("Commons", "Lords") else None


HouseName = Annotated[str | None, BeforeValidator(house_of)]


def _readable_publications(value: Any) -> Any:
    """A null or unreadable publication (no object, no integer id) is one publication fewer, not a bill that can
    never be an item."""
    if not isinstance(value, list):
        return null_as_empty(value)
    return [entry for entry in value if isinstance(entry, dict) and type(entry.get("id")) is int and entry["id"] > 0]


class _Upstream(UpstreamModel):
    model_config = ConfigDict(alias_generator=to_camel)


class Sitting(_Upstream):
    date: Moment | None = None


class Stage(_Upstream):
    id: int | None = None
    stage_id: int | None = None
    description: str | None = None
    abbreviation: str | None = None
    house: HouseName = None
    stage_sittings: Annotated[list[Sitting], NullAsEmpty] = Field(default_factory=list)
    sort_order: int | None = None

    def last_sitting(self) -> datetime | None:
        dates = [in_london(sitting.date) for sitting in self.stage_sittings if sitting.date]
        return max(dates, default=None)

    def label(self, when: datetime | None = None) -> str:
        """ "Committee stage (Commons, 2024-05-14)": the stage, its House and the day of its latest sitting."""
        name = one_line(self.description) or one_line(self.abbreviation) or "Stage"
        when = when or self.last_sitting()
        day = london_date(when).isoformat() if when else None
        facts = [part for part in (self.house.capitalize() if self.house else None, day) if part]
        return f"{name} ({', '.join(facts)})" if facts else name


class SponsorMember(_Upstream):
    member_id: int | None = None
    name: str | None = None
    party: str | None = None
    member_from: str | None = None


class Organisation(_Upstream):
    name: str | None = None
    url: str | None = None

    def department(self) -> Department | None:
        """The registry's department, by the organisation's name or its GOV.UK page (/government/organisations/…)."""
        if self.name and (found := by_name(self.name)):
            return found
        parts = urlsplit(self.url or "")
        if parts.hostname in ("www.gov.uk", "gov.uk") and parts.path.startswith("/government/organisations/"):
            return by_govuk_slug(parts.path.removeprefix("/government/organisations/").strip("/").split("/")[0])
        return None


class Sponsor(_Upstream):
    member: SponsorMember | None = None
    organisation: Organisation | None = None
    sort_order: int | None = None


class PublicationType(_Upstream):
    name: str | None = None


class PublicationLink(_Upstream):
    title: str | None = None
    url: str | None = None
    content_type: str | None = None


class PublicationFile(_Upstream):
    id: int | None = None
    filename: str | None = None
    content_type: str | None = None
    content_length: int | None = None


class Publication(_Upstream):
    id: UpstreamId
    title: str | None = None
    publication_type: PublicationType | None = None
    display_date: Moment | None = None
    links: Annotated[list[PublicationLink], NullAsEmpty] = Field(default_factory=list)
    files: Annotated[list[PublicationFile], NullAsEmpty] = Field(default_factory=list)
    house: HouseName = None

    def label(self) -> str:
        """ "Explanatory Notes: Bill 12 EN 2024-25 (2024-05-02)"."""
        kind = one_line(self.publication_type.name if self.publication_type else None)
        title = one_line(self.title) or kind or f"Publication {self.id}"
        named = f"{kind}: {title}" if kind and kind != title else title
        return f"{named} ({london_date(self.display_date).isoformat()})" if self.display_date else named

    def attachments(self, record: object) -> list[Attachment]:
        """Its links on Parliament's hosts (others dropped and logged), then its files, at the API's download URL."""
        found: list[Attachment] = []
        label = self.label()
        for link in self.links:
            if url := attachment_link(link.url, PARLIAMENT_HOSTS, record):
                title = one_line(link.title) or label
                found.append(Attachment(title=title, url=url, file_type=_file_type(link.content_type, url)))
        for file in self.files:
            if type(file.id) is int and file.id > 0:
                url = DOCUMENT_URL.format(publication_id=self.id, document_id=file.id)
                title = one_line(file.filename) or label
                found.append(
                    Attachment(
                        title=title,
                        url=url,
                        file_type=_file_type(file.content_type, file.filename or ""),
                        size_bytes=file.content_length if type(file.content_length) is int else None,
                    )
                )
        return found


def _file_type(content_type: str | None, name: str) -> str | None:
    """PDF, HTML, …: from the content type ("application/pdf"), else from the name's extension."""
    if content_type and "/" in content_type:
        subtype = content_type.split("/", 1)[1].split(";")[0].strip()
        return {"html": "HTML", "pdf": "PDF"}.get(subtype.lower(), subtype.upper()[:20] or None)
    tail = urlsplit(name).path.rsplit("/", 1)[-1]
    return tail.rsplit(".", 1)[1].upper()[:10] if "." in tail else None


class Bill(_Upstream):
    bill_id: UpstreamId
    short_title: str = Field(min_length=1)
    former_short_title: str | None = None
    long_title: str | None = None
    summary: str | None = None
    current_house: HouseName = None
    originating_house: HouseName = None
    last_update: Moment
    bill_withdrawn: Moment | None = None
    is_defeated: bool = False
    is_act: bool = False
    bill_type_id: int | None = None
    current_stage: Stage | None = None
    sponsors: Annotated[list[Sponsor], NullAsEmpty] = Field(default_factory=list)
    stages: Annotated[list[Stage], NullAsEmpty] = Field(default_factory=list)
    publications: Annotated[list[Publication], BeforeValidator(_readable_publications)] = Field(default_factory=list)

    @field_validator("is_defeated", "is_act", mode="before")
    @classmethod
    def _null_is_false(cls, value: Any) -> Any:
        return False if value is None else value

    def departments(self) -> list[Department]:
        found = [d for sponsor in self.sponsors if sponsor.organisation and (d := sponsor.organisation.department())]
        return list(dict.fromkeys(found))

    def state(self) -> str:
        if self.bill_withdrawn:
            return "withdrawn"
        if self.is_defeated:
            return "defeated"
        return "act" if self.is_act else "in-progress"

    def ordered_stages(self) -> list[Stage]:
        return sorted(self.stages, key=lambda stage: stage.sort_order if stage.sort_order is not None else 1 << 30)

    def current(self) -> tuple[Stage | None, datetime | None]:
        """The current stage and the day of its latest sitting: the summary's stage often carries no sittings, the
        stages endpoint's entry of the same stage does."""
        stage = self.current_stage
        if stage is None:
            return None, None
        same = [s for s in self.stages if stage.id is not None and s.id == stage.id]
        sittings = [when for s in (stage, *same) if (when := s.last_sitting())]
        return stage, max(sittings, default=None)

    def introduced(self) -> datetime | None:
        """The first sitting of its first stage (its first reading), if the stages are known."""
        for stage in self.ordered_stages():
            dates = [in_london(sitting.date) for sitting in stage.stage_sittings if sitting.date]
            if dates:
                return min(dates)
        return None


def bill_departments(record: dict[str, Any]) -> list[Department]:
    """The registered departments a record's sponsors name, read leniently (a record that does not validate names
    none; the processor reports why)."""
    try:
        sponsors = [Sponsor.model_validate(entry) for entry in record.get("sponsors") or []]
    except (ValueError, TypeError):
        return []
    found = [d for sponsor in sponsors if sponsor.organisation and (d := sponsor.organisation.department())]
    return list(dict.fromkeys(found))


class BillsSource(Source):
    name = "bills"
    api_host = urlsplit(API).hostname or ""
    poll_every = timedelta(hours=1)  # 32 requests an idle poll (one per department); records change by the day
    kind = Kind.BILL
    own_hosts = PARLIAMENT_HOSTS
    paginator = NewestFirstPaginator(skip="Skip", items="items", total="totalResults", updated="lastUpdate")
    has_detail = True
    department_in_detail = True

    def record_key(self, record: dict[str, Any]) -> str:
        bill_id = record.get("billId")
        if type(bill_id) is int:
            return str(bill_id)
        return super().record_key(record) if bill_id is None else f"billId:{bill_id!r}"

    def records_from_response(self, body: Any) -> list[dict[str, Any]]:
        """A list page `{items: [BillSummary], totalResults}` or one bill (a `Bill`, or a bill as the fetcher queues
        it: with its `stages` and `publications`)."""
        if isinstance(body, dict) and isinstance(body.get("items"), list) and "totalResults" in body:
            entries = body["items"]
        elif isinstance(body, dict) and "billId" in body:
            entries = [body]
        else:
            raise ResponseShapeError("not a bills response: expected {items: [...], totalResults} or a bill")
        for position, entry in enumerate(entries):
            if not isinstance(entry, dict) or "billId" not in entry:
                raise ResponseShapeError(f"items[{position}] is not a bill (an object with a billId)")
        return list(entries)

    def list_requests(
        self, departments: Sequence[Department], since: datetime, until: datetime
    ) -> Iterable[ListRequest]:
        """One query per department (DepartmentId takes one id), newest-updated first, read until the window ends."""
        for department in departments:
            if department.answering_body_ids:
                params = {
                    "DepartmentId": department.answering_body_ids[0],
                    "SortOrder": "DateUpdatedDescending",
                    "Take": PAGE_SIZE,
                }
                yield WindowRequest(LIST_API, params, since=since, until=until)

    def asked(self, departments: Sequence[Department]) -> Callable[[dict[str, Any]], bool]:
        """The bill's sponsoring departments, from its completed record (the summary names none)."""
        wanted = set(departments)
        return lambda record: bool(wanted.intersection(bill_departments(record)))

    def detail_url(self, record: dict[str, Any]) -> str | None:
        bill_id = record.get("billId")
        return f"{LIST_API}/{bill_id}" if type(bill_id) is int and bill_id > 0 else None

    def merge_detail(self, listed: dict[str, Any], detail: dict[str, Any]) -> dict[str, Any]:
        """The detail wins wherever it has a value (it repeats the summary's fields)."""
        return detail_over_listed(listed, detail)

    def detail_parts(self, http: UpstreamClient, record: dict[str, Any]) -> dict[str, Any]:
        """Its stages (paged) and its publications, each checked to be this bill's."""
        bill_id = record["billId"]
        stages_url = f"{LIST_API}/{bill_id}/Stages"
        request = ListRequest(stages_url, {"Take": STAGES_PAGE_SIZE})
        pager = OffsetPaginator(skip="Skip", items="items", total="totalResults")
        publications_url = f"{LIST_API}/{bill_id}/Publications"
        try:
            stages = [
                listed.record
                for page in pager.pages(http, request, lambda body: _objects(body, "items", stages_url))
                for listed in page
            ]
            body = http.get_json(publications_url)
            if not isinstance(body, dict) or body.get("billId") != bill_id:
                raise UpstreamResponseError(f"the publications of bill {bill_id} are not that bill's", publications_url)
            publications = _objects(body, "publications", publications_url, nullable=True)
        except ResponseShapeError as error:
            raise UpstreamResponseError(str(error), publications_url) from error
        except UpstreamResponseError as error:
            if error.status != 404:
                raise
            # Gone since its detail was read: the bill is queued as its detail gives it, the parts come next poll.
            logger.warning("bill stages or publications not found", extra={"source": self.name, "record": bill_id})
            return {}
        return {STAGES: stages, PUBLICATIONS: publications}

    def parse(self, message: RawRecordMessage) -> Item:
        bill = validate_record(Bill, message.record, "bill")
        departments = bill.departments()
        if not departments:
            named = "; ".join(
                one_line(s.organisation.name, 80) for s in bill.sponsors if s.organisation and s.organisation.name
            )
            raise PoisonRecordError(
                f"bill {bill.bill_id}: no sponsor's organisation is a department in the registry "
                f"(named: {named or 'none'}): not a government bill of a watched department"
            )
        title = plain_text(bill.short_title)
        if not title:
            raise PoisonRecordError("invalid bill: shortTitle is empty once markup is removed")
        updated = in_london(bill.last_update)
        introduced = bill.introduced()
        published = min(introduced, updated) if introduced else updated
        stage, stage_date = bill.current()
        publications = sorted(
            bill.publications, key=lambda p: (in_london(p.display_date) if p.display_date else updated, p.id)
        )
        attachments = [a for publication in publications for a in publication.attachments(bill.bill_id)]
        people = [
            Person(
                role="sponsored-by",
                name=name,
                party=one_line(s.member.party) or None,
                constituency=one_line(s.member.member_from) or None,
            )
            for s in sorted(bill.sponsors, key=lambda s: s.sort_order if s.sort_order is not None else 1 << 30)
            if s.member and (name := one_line(s.member.name))
        ]
        return Item(
            id=f"{self.name}:{bill.bill_id}",
            source=self.name,
            kind=self.kind,
            category=None,
            departments=tuple(DepartmentRef(slug=d.slug, name=d.name) for d in departments),
            title=title,
            url=PUBLIC_URL.format(bill_id=bill.bill_id),
            published_at=published,
            updated_at=max(published, updated),
            house=bill.current_house or (stage.house if stage else None),  # type: ignore[arg-type]
            state=bill.state(),
            summary=plain_text(bill.long_title) or None,
            body=html_to_text(bill.summary) or None,
            people=tuple(dict.fromkeys(people)),
            attachments=tuple(dict.fromkeys(attachments)),
            details={
                PROGRESS_STAGE: stage.label(stage_date) if stage else None,
                "stage_house": stage.house if stage else None,
                "stage_date": london_date(stage_date).isoformat() if stage_date else None,
                "stages": "; ".join(s.label() for s in bill.ordered_stages()) or None,
                "introduced": london_date(introduced).isoformat() if introduced else None,
                "originating_house": bill.originating_house,
                "former_short_title": plain_text(bill.former_short_title) or None,
                "withdrawn": london_date(bill.bill_withdrawn).isoformat() if bill.bill_withdrawn else None,
                "publications": len(publications),
                "latest_publication": publications[-1].label() if publications else None,
                "sponsoring_departments": "; ".join(d.name for d in departments),
            },
        )


def _objects(body: Any, field: str, url: str, *, nullable: bool = False) -> list[dict[str, Any]]:
    """The objects of `body[field]` (a null list is none, where the document allows it)."""
    entries = body.get(field) if isinstance(body, dict) else None
    if entries is None and nullable and isinstance(body, dict):
        return []
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise ResponseShapeError(f"{url}: expected {{{field}: [objects]}}")
    return entries
