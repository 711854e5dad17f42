"""Papers deposited in the Libraries of the Houses of Parliament by departments: depositedpapers-api.parliament.uk.

What is known about the API (see tests/fixtures/upstream/deposited-papers/README.md): no real response and no copy of
its OpenAPI document has been found. Public client code written against that document gives the endpoints, the
PascalCase query parameters, the envelopes (list `{items: [{value, links}], totalResults, links}`, detail
`{value, links}`) and the fields paperId, paperNumber, title, dateUpdated, indexerNotes, notes, houses,
corporateAuthors, depositingDepartments (names) and attachedDocuments ("only available from the detail endpoint").
NOT confirmed: the name of the deposit date field and the shape of an attached document. The model takes the plausible
names and shapes (a URL, a bare file name, or an object) and falls back on dateUpdated when there is no deposit date.

The API filters departments by a "SES" id we do not have, so one query covers every department and the records are
matched to the registry by depositing department NAME (departments.by_name knows former names and aliases).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote, unquote, urlsplit

from pydantic import AliasChoices, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from shared.domain.departments import Department, by_name
from shared.domain.item import Attachment, DepartmentRef, Item
from shared.domain.kinds import Kind
from shared.domain.links import PARLIAMENT_HOSTS, OwnHosts
from shared.domain.raw_record import RawRecordMessage
from shared.domain.text import one_line, plain_text
from shared.domain.timeutil import in_london, london_date
from shared.sources.base import (
    ListRequest,
    Moment,
    NullAsEmpty,
    OffsetPaginator,
    PoisonRecordError,
    Source,
    UpstreamId,
    UpstreamModel,
    attachment_link,
    validate_record,
)

API = "https://depositedpapers-api.parliament.uk/api/DepositedPapers"
PUBLIC_URL = "https://depositedpapers.parliament.uk/depositedpaper/{paper_id}/details"
FILE_URL = "https://data.parliament.uk/DepositedPapers/Files/{paper_number}/{file_name}"
"""Where the Library publishes a paper's files (seen in many public links): for documents named without a URL."""
PAGE_SIZE = 100
"""The most one public client asks for; we page by what comes back whatever the page size."""
ORDER = "CommitmentDateAsc"
"""A fixed order keeps pages from shifting while we read them (the values are Relevance, CommitmentDate{Asc,Desc})."""
DEPOSIT_DATE_FIELDS = (
    "dateDeposited",
    "depositedDate",
    "dateOfDeposit",
    "depositDate",
    "dateReceived",
    "receivedDate",
    "commitmentDate",
)
"""Candidate names of the deposit date, most likely first (the legacy linked-data model called it dateReceived)."""
_FILE_NAME = re.compile(r"[^/\\:]+\.[A-Za-z0-9]{1,5}")
"""A bare file name with an extension ("DB_Letter.pdf"): no path, no scheme."""


class _Upstream(UpstreamModel):
    model_config = ConfigDict(alias_generator=to_camel)


def department_names(value: Any) -> list[str]:
    """Depositing department names: strings, or objects with a name (a plausible variant of the string list)."""
    names = []
    for entry in value if isinstance(value, list) else []:
        if isinstance(entry, dict):
            entry = entry.get("name") or entry.get("departmentName") or entry.get("title")
        if isinstance(entry, str) and entry.strip():
            names.append(entry.strip())
    return names


def departments_named(names: Sequence[str]) -> list[Department]:
    """The registry's departments among these names, once each, in order; unknown names are left out."""
    found = [department for name in names if (department := by_name(name)) is not None]
    return list(dict.fromkeys(found))


class PaperDocument(_Upstream):
    """One attached document: the confirmed client reads a URL string; a file name or an object are accepted too."""

    url: str | None = Field(default=None, validation_alias=AliasChoices("url", "fileUrl", "uri", "href", "link"))
    file_name: str | None = Field(
        default=None, validation_alias=AliasChoices("fileName", "filename", "name", "title", "documentName")
    )
    file_type: str | None = Field(
        default=None, validation_alias=AliasChoices("fileType", "fileDataFormat", "contentType", "format")
    )
    size_bytes: int | None = Field(
        default=None, validation_alias=AliasChoices("fileSizeBytes", "fileSize", "sizeBytes", "size")
    )

    def attachment(self, paper_number: str | None, hosts: OwnHosts, record: object) -> Attachment | None:
        """The document with its link on the source's own hosts; one named without a link gets the Library's."""
        name = plain_text(self.file_name) or _last_segment(self.url)
        if self.url and "://" in self.url:
            url = attachment_link(self.url, hosts, record)
        elif paper_number and _FILE_NAME.fullmatch(name):
            url = FILE_URL.format(paper_number=paper_number, file_name=quote(name))
        else:
            url = None
        if url is None:
            return None
        name = name or url
        extension = name.rsplit(".", 1)[1] if "." in name else ""
        file_type = self.file_type if self.file_type and "/" not in self.file_type else extension
        return Attachment(title=name, url=url, file_type=file_type.upper() or None, size_bytes=self.size_bytes)


def _last_segment(url: str | None) -> str:
    return unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]) if url and "://" in url else ""


class DepositedPaper(_Upstream):
    paper_id: UpstreamId
    paper_number: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]{1,40}$")
    title: str = Field(min_length=1)
    date_deposited: Moment | None = Field(default=None, validation_alias=AliasChoices(*DEPOSIT_DATE_FIELDS))
    date_updated: Moment | None = None
    notes: str | None = None
    indexer_notes: str | None = None
    houses: Annotated[list[str], NullAsEmpty] = Field(default_factory=list)
    corporate_authors: Annotated[list[str], NullAsEmpty] = Field(default_factory=list)
    depositing_departments: list[str] = Field(default_factory=list)
    attached_documents: list[PaperDocument] = Field(default_factory=list)

    @field_validator("depositing_departments", mode="before")
    @classmethod
    def _department_names(cls, value: Any) -> Any:
        return department_names(value) if value is None or isinstance(value, list) else value

    @field_validator("attached_documents", mode="before")
    @classmethod
    def _documents(cls, value: Any) -> Any:
        if value is None:
            return []
        if not isinstance(value, list):
            return value
        # A null or unreadable entry is one document fewer, not a paper that can never be an item.
        return [
            ({"url": entry} if "://" in entry else {"fileName": entry}) if isinstance(entry, str) else entry
            for entry in value
            if isinstance(entry, dict) or (isinstance(entry, str) and entry.strip())
        ]

    def house(self) -> str | None:
        """commons or lords when deposited in one House only; None for both (or none named)."""
        houses = {house.strip().lower().removeprefix("house of ") for house in self.houses}
        return next(iter(houses)) if len(houses) == 1 and houses <= {"commons", "lords"} else None


class DepositedPapersSource(Source):
    name = "deposited-papers"
    kind = Kind.DEPOSITED_PAPER
    own_hosts = PARLIAMENT_HOSTS
    api_host = "depositedpapers-api.parliament.uk"
    paginator = OffsetPaginator(skip="Skip", items="items", total="totalResults")
    has_detail = True

    def records_from_response(self, body: Any) -> list[dict[str, Any]]:
        """A list page `{items: [{value, links}], totalResults, links}` or one paper `{value, links}`."""
        return self.value_records(body, "items")

    def list_requests(
        self, departments: Sequence[Department], since: datetime, until: datetime
    ) -> Iterable[ListRequest]:
        """One query for every department: the API filters by an id we do not have (see the module's note)."""
        params = {
            "DepositedFrom": london_date(since).isoformat(),
            "DepositedTo": london_date(until).isoformat(),
            "OrderBy": ORDER,
            "Take": PAGE_SIZE,
        }
        yield ListRequest(API, params)

    def asked(self, departments: Sequence[Department]) -> Callable[[dict[str, Any]], bool]:
        """Papers name their departments (names change: the registry knows the old ones); unknown names and
        departments we do not watch have nowhere to be published."""
        wanted = set(departments)
        return lambda record: bool(
            wanted.intersection(departments_named(department_names(record.get("depositingDepartments"))))
        )

    def detail_url(self, record: dict[str, Any]) -> str | None:
        """The list endpoint leaves the documents out; the detail endpoint has them."""
        paper_id = record.get("paperId")
        if record.get("attachedDocuments") or type(paper_id) is not int or paper_id <= 0:
            return None  # complete, or invalid for the processor to report
        return f"{API}/{paper_id}"

    def merge_detail(self, listed: dict[str, Any], detail: dict[str, Any]) -> dict[str, Any]:
        """The detail may not repeat every field of the list (its schema differs): keep both, the detail winning."""
        return {**listed, **detail}

    def parse(self, message: RawRecordMessage) -> Item:
        paper = validate_record(DepositedPaper, message.record, "deposited paper")
        departments = departments_named(paper.depositing_departments)
        if not departments:
            named = "; ".join(one_line(name, 80) for name in paper.depositing_departments) or "none"
            raise PoisonRecordError(
                f"deposited paper {paper.paper_id}: no depositing department is in the department registry "
                f"(named: {named})"
            )
        title = plain_text(paper.title)
        if not title:
            raise PoisonRecordError("invalid deposited paper: title is empty once markup is removed")
        deposited = paper.date_deposited or paper.date_updated
        if deposited is None:
            raise PoisonRecordError(f"invalid deposited paper: {paper.paper_id} has no deposit date nor dateUpdated")
        published = in_london(deposited)
        updated = in_london(paper.date_updated) if paper.date_updated else published
        attachments = [
            a
            for document in paper.attached_documents
            if (a := document.attachment(paper.paper_number, self.own_hosts, paper.paper_id))
        ]
        return Item(
            id=f"{self.name}:{paper.paper_id}",
            source=self.name,
            kind=self.kind,
            category=None,
            departments=tuple(DepartmentRef(slug=d.slug, name=d.name) for d in departments),
            title=title,
            url=PUBLIC_URL.format(paper_id=paper.paper_id),
            published_at=published,
            updated_at=max(published, updated),
            house=paper.house(),  # type: ignore[arg-type]
            state="published",
            summary=plain_text(paper.notes) or None,
            body=plain_text(paper.indexer_notes) or None,
            attachments=tuple(dict.fromkeys(attachments)),
            details={
                "paper_number": paper.paper_number,
                "date_deposited": london_date(paper.date_deposited).isoformat() if paper.date_deposited else None,
                "date_updated": in_london(paper.date_updated).isoformat() if paper.date_updated else None,
                "houses": ", ".join(paper.houses) or None,
                "corporate_authors": "; ".join(paper.corporate_authors) or None,
                "depositing_departments": "; ".join(paper.depositing_departments),
            },
        )
