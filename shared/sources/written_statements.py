"""UK Parliament written ministerial statements (Commons and Lords): questions-statements-api.parliament.uk.

What is known about the API (see tests/fixtures/upstream/written-statements/README.md):
- the list and detail endpoints, their parameters and the StatementsViewModel fields are from the API's OpenAPI
  document; no real response has been found, so the recorded responses are constructed from it;
- the list endpoint has been seen capping pages at 20 whatever `take` asks (House of Commons Library client): we page
  by what comes back;
- the list endpoint cuts `text` short like the questions list ("about 255 characters", "..." at the end, seen by a
  public client that re-reads every statement by id): a cut text is completed from the detail endpoint;
- the spec says the detail endpoint answers with the list envelope, the client above reads `{value, links}`: both are
  accepted.

Linked statements: a `linkType` names what the LINKED record is to this one. "CorrectedAnswer" can only be read that
way (a statement is not an answer: it corrects one), so "CorrectedStatement" is read the same way: the record that
carries it is the correction, and `linkedStatementId` the statement it corrects. Such a record is in state
"corrected". Should the API put the link on the corrected statement too, that one also reads "corrected" (and gets a
"corrected" event when the link appears), which is what a reader of it would want to know.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from pydantic import Field

from shared.domain.departments import Department, by_answering_body
from shared.domain.item import DepartmentRef, Item
from shared.domain.kinds import Kind
from shared.domain.raw_record import RawRecordMessage
from shared.domain.text import html_to_text, plain_text
from shared.domain.timeutil import in_london, london_date
from shared.sources.base import (
    ListRequest,
    OffsetPaginator,
    PoisonRecordError,
    Source,
    UpstreamId,
    validate_record,
)
from shared.sources.questions_statements_api import AttachmentViewModel, MemberViewModel, Upstream, attachments

API = "https://questions-statements-api.parliament.uk/api/writtenstatements/statements"
PUBLIC_URL = "https://questions-statements.parliament.uk/written-statements/detail/{date}/{uin}"
PAGE_SIZE = 100
"""What UK Parliament's own poller asks for; the endpoint has been seen returning 20 at most, so we page by results."""
LIST_TEXT_LIMIT = 255
"""The list endpoint cuts `text` at about 255 characters."""
CORRECTION_LINKS = frozenset({"CorrectedStatement", "CorrectedAnswer"})


class LinkedStatement(Upstream):
    linked_statement_id: UpstreamId
    link_type: str
    link_date: datetime | None = None

    def label(self) -> str:
        return f"{self.linked_statement_id} ({self.link_type})"


class WrittenStatement(Upstream):
    id: UpstreamId
    uin: str = Field(pattern=r"^[A-Za-z0-9]{1,20}$")
    house: str
    title: str = Field(min_length=1)
    text: str | None = None
    answering_body_id: UpstreamId
    answering_body_name: str | None = None
    date_made: datetime
    member_id: int | None = None
    member: MemberViewModel | None = None
    member_role: str | None = None
    notice_number: int | None = None
    linked_statements: list[LinkedStatement] | None = None
    attachments: list[AttachmentViewModel] | None = None

    def links(self) -> list[LinkedStatement]:
        return self.linked_statements or []

    def text_truncated(self) -> bool:
        """True when the list endpoint cut the text: it ends with an ellipsis, or is flat text of the cut's length."""
        text = (self.text or "").rstrip()
        return text.endswith(("...", "…")) or ("<" not in text and len(text) >= LIST_TEXT_LIMIT)

    def state(self) -> str:
        return "corrected" if any(link.link_type in CORRECTION_LINKS for link in self.links()) else "published"


def _answering_bodies(departments: Sequence[Department]) -> list[int]:
    return sorted({body_id for department in departments for body_id in department.answering_body_ids})


class WrittenStatementsSource(Source):
    name = "written-statements"
    kind = Kind.WRITTEN_STATEMENT
    paginator = OffsetPaginator(skip="skip", items="results", total="totalResults")
    has_detail = True
    detail_params: ClassVar[Mapping[str, str]] = {"expandMember": "true"}

    def records_from_response(self, body: Any) -> list[dict[str, Any]]:
        """A list page `{totalResults, results: [{value, links}]}` (also what the spec says the detail endpoint
        returns) or one item `{value, links}`."""
        return self.value_records(body, "results")

    def list_requests(
        self, departments: Sequence[Department], since: datetime, until: datetime
    ) -> Iterable[ListRequest]:
        params = {
            "answeringBodies": _answering_bodies(departments),
            "madeWhenFrom": london_date(since).isoformat(),
            "madeWhenTo": london_date(until).isoformat(),
            "expandMember": "true",
            "take": PAGE_SIZE,
        }
        yield ListRequest(API, params)

    def asked(self, departments: Sequence[Department]) -> Callable[[dict[str, Any]], bool]:
        body_ids = set(_answering_bodies(departments))
        return lambda record: record.get("answeringBodyId") in body_ids

    def detail_url(self, record: dict[str, Any]) -> str | None:
        """The list endpoint cuts the text; the detail endpoint does not."""
        try:
            statement = WrittenStatement.model_validate(record)
        except ValueError:
            return None  # the processor reports why
        return f"{API}/{statement.id}" if statement.text_truncated() else None

    def merge_detail(self, listed: dict[str, Any], detail: dict[str, Any]) -> dict[str, Any]:
        """The detail wins wherever it has a value; the list's expanded member stays if the detail has none."""
        return {**listed, **{name: value for name, value in detail.items() if value is not None}}

    def parse(self, message: RawRecordMessage) -> Item:
        statement = validate_record(WrittenStatement, message.record, "written statement")
        department = by_answering_body(statement.answering_body_id)
        if department is None:
            raise PoisonRecordError(
                f"answering body {statement.answering_body_id} ({statement.answering_body_name or 'no name'}) "
                "is not in the department registry"
            )
        house = statement.house.lower()
        if house not in ("commons", "lords"):
            raise PoisonRecordError(f"invalid written statement: house {statement.house!r} is not Commons or Lords")
        title = plain_text(statement.title)
        if not title:
            raise PoisonRecordError("invalid written statement: title is empty once markup is removed")
        person = statement.member.person("made-by") if statement.member else None
        published = in_london(statement.date_made)
        linked = [in_london(link.link_date) for link in statement.links() if link.link_date]
        return Item(
            id=f"{self.name}:{statement.id}",
            source=self.name,
            kind=self.kind,
            category=None,
            departments=(DepartmentRef(slug=department.slug, name=department.name),),
            title=title,
            url=PUBLIC_URL.format(date=london_date(statement.date_made).isoformat(), uin=statement.uin),
            published_at=published,
            updated_at=max([published, *linked]),
            house=house,  # type: ignore[arg-type]
            state=statement.state(),
            body=html_to_text(statement.text) or None,
            people=(person,) if person else (),
            attachments=attachments(statement.attachments),
            details={
                "uin": statement.uin,
                "date_made": london_date(statement.date_made).isoformat(),
                "notice_number": statement.notice_number,
                "member_role": plain_text(statement.member_role) or None,
                "linked_statements": ", ".join(link.label() for link in statement.links()) or None,
            },
        )
