"""Select committee publications (reports, government responses, correspondence, written evidence, …):
committees-api.parliament.uk `GET /api/Publications`.

What is known (infra/local/recordings/committee-publications/README.md): one REAL list answer (the Education
Committee's, December 2024) and the API's OpenAPI document. The list envelope is `{items, totalResults,
itemsPerPage, links}` with the publications NOT wrapped in `{value}`; each publication is complete in the list (its
documents included: the detail endpoint `/api/Publications/{id}` answers the same schema), so there is no detail to
read. Times are naive London times ("2024-12-17T10:15:00"); an offset is read too.

Department: a publication names its committee (`committee.id`, `committee.name`), and the registry knows which
departmental select committee scrutinises which department; a government response may also name its
`respondingDepartment` (a Committees API department, matched by name: its ids are not the answering-body ids). The
query takes one `CommitteeId` at most (not a list), so one poll asks once for every committee's publications of the
window and keeps those of the watched departments' committees: 1 call when the window's publications fit one page
(`PAGE_SIZE`), instead of one call per committee (about 20).

Government responses have their own category, "Government Response", whatever the type's name says, so that a
subscriber can filter on it (the `category` message attribute): the type's name says so, or the publication answers
another one (`responseToPublicationId`) on behalf of a department (`respondingDepartment`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from shared.domain.departments import Department, by_committee, by_name
from shared.domain.item import Attachment, DepartmentRef, Item
from shared.domain.kinds import Kind
from shared.domain.links import PARLIAMENT_HOSTS
from shared.domain.raw_record import RawRecordMessage
from shared.domain.text import plain_text
from shared.domain.timeutil import in_london, london_date
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
    validate_record,
)

API = "https://committees-api.parliament.uk/api/Publications"
DOCUMENT_URL = "https://committees.parliament.uk/publications/{id}/documents/{document_id}/default/"
"""A publication's document as the committees website links it (the API's file `url` is null in the real sample)."""
PAGE_URL = "https://committees.parliament.uk/publications/{id}/html/"
"""A publication's page, for one without documents (the bare /publications/{id}/ answers 404)."""
PAGE_SIZE = 200
"""The API's default is 30 and it documents no maximum (one production client asks 1000); we page by what comes
back, so a cap is harmless."""
ORDER = "PublicationDateAscending"
"""A fixed order keeps pages from shifting while we read them."""
GOVERNMENT_RESPONSE = "Government Response"
_GOVERNMENT_RESPONSE_TYPE = re.compile(r"\bgovernment\s+responses?\b", re.IGNORECASE)


class _Upstream(UpstreamModel):
    model_config = ConfigDict(alias_generator=to_camel)


class PublicationType(_Upstream):
    id: int | None = None
    name: str | None = None


class CommitteeSummary(_Upstream):
    id: UpstreamId | None = None
    name: str | None = None
    house: str | None = None

    def department(self) -> Department | None:
        return by_committee(committee_id=self.id, name=self.name)


class DocumentFile(_Upstream):
    file_name: str | None = None
    file_size: int | None = None
    file_data_format: str | int | None = None
    """An enum the document writes as a string ("OriginalFormat", "Html", "Pdf"); ASP.NET may write it as an int."""
    url: str | None = None


class Document(_Upstream):
    document_id: UpstreamId
    files: Annotated[list[DocumentFile], NullAsEmpty] = Field(default_factory=list)

    def attachment(self, publication_id: int, record: object) -> Attachment:
        """The document under its first file's name, linked where the file says (on Parliament's hosts), else on the
        committees website's document page (built from the ids: a link refused by `own_link` is replaced, and
        logged, rather than the document lost)."""
        named = next((f for f in self.files if plain_text(f.file_name)), None)
        given = next((f.url for f in self.files if f.url), None)
        default = DOCUMENT_URL.format(id=publication_id, document_id=self.document_id)
        url = (attachment_link(given, PARLIAMENT_HOSTS, record) if given else None) or default
        title = plain_text(named.file_name) if named else ""
        extension = title.rsplit(".", 1)[1] if "." in title else ""
        return Attachment(
            title=title or f"Document {self.document_id}",
            url=url,
            file_type=(extension.upper() or None) if len(extension) <= 5 else None,
            size_bytes=named.file_size if named else None,
        )


class HouseNumber(_Upstream):
    number: str | None = None


class RespondingDepartment(_Upstream):
    id: int | None = None
    name: str | None = None


class GovernmentResponses(_Upstream):
    response_deadline: Moment | None = None


class Business(_Upstream):
    id: int | None = None
    title: str | None = None


class Publication(_Upstream):
    """A `Committees.Common.Responses.Publication`: every field but the id is nullable in the document."""

    id: UpstreamId
    description: str | None = None
    publication_start_date: Moment | None = None
    publication_end_date: Moment | None = None
    type: PublicationType | None = None
    committee: CommitteeSummary | None = None
    documents: Annotated[list[Document], NullAsEmpty] = Field(default_factory=list)
    hc_number: HouseNumber | None = None
    hl_paper: HouseNumber | None = None
    response_to_publication_id: UpstreamId | None = None
    responding_department: RespondingDepartment | None = None
    government_responses: GovernmentResponses | None = None
    businesses: Annotated[list[Business], NullAsEmpty] = Field(default_factory=list)

    def type_name(self) -> str:
        return plain_text(self.type.name if self.type else None)

    def is_government_response(self) -> bool:
        responding = self.responding_department is not None and bool(plain_text(self.responding_department.name))
        return bool(_GOVERNMENT_RESPONSE_TYPE.search(self.type_name())) or (
            responding and self.response_to_publication_id is not None
        )

    def category(self) -> str | None:
        return GOVERNMENT_RESPONSE if self.is_government_response() else self.type_name() or None

    def departments(self) -> list[Department]:
        """The committee's department, then the responding department when it is another one."""
        found = [self.committee.department()] if self.committee else []
        if self.responding_department and (name := plain_text(self.responding_department.name)):
            found.append(by_name(name))
        return list(dict.fromkeys(d for d in found if d is not None))


def _committee_department(record: dict[str, Any]) -> Department | None:
    committee = record.get("committee")
    if not isinstance(committee, dict):
        return None
    committee_id, name = committee.get("id"), committee.get("name")
    return by_committee(
        committee_id=committee_id if type(committee_id) is int else None,
        name=name if isinstance(name, str) else None,
    )


def _responding_department(record: dict[str, Any]) -> Department | None:
    responding = record.get("respondingDepartment")
    name = responding.get("name") if isinstance(responding, dict) else None
    return by_name(name) if isinstance(name, str) and name.strip() else None


class CommitteePublicationsSource(Source):
    name = "committee-publications"
    api_host = urlsplit(API).hostname or ""
    kind = Kind.COMMITTEE_PUBLICATION
    own_hosts = PARLIAMENT_HOSTS
    paginator = OffsetPaginator(skip="Skip", items="items", total="totalResults")

    def records_from_response(self, body: Any) -> list[dict[str, Any]]:
        """A list page `{items: [...], totalResults}` or one publication (`/api/Publications/{id}`)."""
        if isinstance(body, dict) and isinstance(body.get("items"), list) and "totalResults" in body:
            records = body["items"]
        elif isinstance(body, dict) and "id" in body and ("publicationStartDate" in body or "committee" in body):
            records = [body]
        else:
            raise ResponseShapeError("not a committee-publications response: expected {items: [...], totalResults}")
        for position, record in enumerate(records):
            if not isinstance(record, dict):
                raise ResponseShapeError(f"items[{position}] is not a publication (an object)")
        return records

    def list_requests(
        self, departments: Sequence[Department], since: datetime, until: datetime
    ) -> Iterable[ListRequest]:
        """One query for every committee (the API takes one CommitteeId at most). EndDate is a date-time: a bare
        date may be read as its midnight, so the query ends the day after the window's last day."""
        params = {
            "StartDate": london_date(since).isoformat(),
            "EndDate": (london_date(until) + timedelta(days=1)).isoformat(),
            "SortOrder": ORDER,
            "Take": PAGE_SIZE,
        }
        yield ListRequest(API, params)

    def asked(self, departments: Sequence[Department]) -> Callable[[dict[str, Any]], bool]:
        """A publication of a watched department's committee, or a response by a watched department."""
        wanted = set(departments)
        return lambda record: bool({_committee_department(record), _responding_department(record)}.intersection(wanted))

    def parse(self, message: RawRecordMessage) -> Item:
        publication = validate_record(Publication, message.record, "committee publication")
        departments = publication.departments()
        committee = publication.committee or CommitteeSummary()
        if not departments:
            raise PoisonRecordError(
                f"committee publication {publication.id}: committee {committee.id} "
                f"({plain_text(committee.name) or 'no name'}) scrutinises no registered department"
            )
        if publication.publication_start_date is None:
            raise PoisonRecordError(f"invalid committee publication: {publication.id} has no publicationStartDate")
        title = plain_text(publication.description) or " - ".join(
            part for part in (plain_text(committee.name), publication.type_name()) if part
        )
        if not title:
            raise PoisonRecordError(f"invalid committee publication: {publication.id} has no description to title it")
        published = in_london(publication.publication_start_date)
        attachments = [document.attachment(publication.id, publication.id) for document in publication.documents]
        house = plain_text(committee.house).lower()
        responding = publication.responding_department
        deadline = publication.government_responses.response_deadline if publication.government_responses else None
        return Item(
            id=f"{self.name}:{publication.id}",
            source=self.name,
            kind=self.kind,
            category=publication.category(),
            departments=tuple(DepartmentRef(slug=d.slug, name=d.name) for d in departments),
            title=title,
            url=attachments[0].url if attachments else PAGE_URL.format(id=publication.id),
            published_at=published,
            updated_at=published,
            house=house if house in ("commons", "lords") else None,  # type: ignore[arg-type]
            state="published",
            attachments=tuple(dict.fromkeys(attachments)),
            details={
                "committee": plain_text(committee.name) or None,
                "committee_id": committee.id,
                "publication_type": publication.type_name() or None,
                "hc_number": plain_text(publication.hc_number.number) if publication.hc_number else None,
                "hl_paper": plain_text(publication.hl_paper.number) if publication.hl_paper else None,
                "responds_to": publication.response_to_publication_id,
                "responds_to_url": PAGE_URL.format(id=publication.response_to_publication_id)
                if publication.response_to_publication_id
                else None,
                "responding_department": plain_text(responding.name) or None if responding else None,
                "response_deadline": london_date(deadline).isoformat() if deadline else None,
                "inquiry": "; ".join(t for b in publication.businesses if (t := plain_text(b.title))) or None,
                "available_until": london_date(publication.publication_end_date).isoformat()
                if publication.publication_end_date
                else None,
            },
        )
