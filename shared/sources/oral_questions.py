"""Oral questions tabled for departmental question times (House of Commons):
oralquestionsandmotions-api.parliament.uk `GET /oralquestions/list`.

What is known (infra/local/recordings/oral-questions/README.md): no real response; the API's Swagger 2.0 document
only. It is PascalCase, with its own envelope `{PagingInfo: {Skip, Take, Total, …}, StatusCode, Success, Errors,
Response: [...]}`; `parameters.take` is 100 at most; there is no get-by-id (so no detail), no sort and no "changed
since" filter: the only date filter is the question time's date (`answeringDateStart`/`End`).

Where the document leaves the shape open, both readings are read:
- its 200 answer names the schema `PublishedWrittenQuestion` (QuestionType NamedDay/Ordinary, no Status), while
  `PublishedOralQuestion` is the one that describes oral questions: records are read as the latter, and a record of
  the former's shape is a substantive question in state "tabled";
- `QuestionType` and `Status` are enums written as strings in the document; a public client types them as numbers
  (ASP.NET's default): an int is read by its position in the document's enum (INFERRED);
- field names in PascalCase (the document) or camelCase (ASP.NET Core's default).

Routing: the record's `AnsweringBodyId` (the registry knows current and former ids). A transfer to another department
is read both ways: the `Transferred` status (the question stays with the department it was tabled to), or the same id
naming another answering body (shared/domain/events.py: `Event.TRANSFERRED`).

Calls per poll: one query for every watched department's answering bodies, from the window's first day to
`HORIZON` past its last (questions are tabled for question times ahead), paged by 100, the API's maximum: an idle
poll costs ceil(questions in that span / 100) calls, the fewest the API allows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_pascal

from shared.adapters.http import UpstreamClient, UpstreamResponseError
from shared.domain.departments import Department, all_answering_body_ids, by_answering_body
from shared.domain.item import DepartmentRef, Item, Person
from shared.domain.kinds import Kind
from shared.domain.links import PARLIAMENT_HOSTS, LinkRefused, own_link
from shared.domain.raw_record import RawRecordMessage
from shared.domain.text import one_line, plain_text
from shared.domain.timeutil import in_london, london_date
from shared.sources.base import (
    Listed,
    ListPosition,
    ListRequest,
    Moment,
    PageCount,
    Paginator,
    PoisonRecordError,
    RecordReader,
    ResponseShapeError,
    Source,
    UpstreamId,
    UpstreamModel,
    enum_name,
    read_page,
    validate_record,
)

API = "https://oralquestionsandmotions-api.parliament.uk/oralquestions/list"
PREFIX = "parameters."
PAGE_SIZE = 100
"""The document: "the number of records to return, default is 25, maximum is 100"."""
HORIZON = timedelta(weeks=3)
"""How far past the window questions are read: Commons oral questions are tabled a few sitting days before their
question time (the shuffle), so three weeks covers a recess in between."""
TITLE_LIMIT = 150
QUESTION_TYPES = ("Substantive", "Topical")
STATUSES = (
    "Submitted",
    "Carded",
    "Unsaved",
    "ReadyForShuffle",
    "ToBeAsked",
    "ShuffleUnsuccessful",
    "Withdrawn",
    "Unstarred",
    "Draft",
    "ForReview",
    "Unasked",
    "Transferred",
)
"""The document's enum, in its order (an int status is read by its position: INFERRED)."""
STATES = {
    "ToBeAsked": "to-be-asked",
    "ShuffleUnsuccessful": "not-selected",
    "Withdrawn": "withdrawn",
    "Transferred": "transferred",
    "Unstarred": "unstarred",
    "Unasked": "unasked",
}
"""An item's state by status; every other status (Submitted, Carded, ReadyForShuffle, none) is "tabled"."""
UNPUBLISHED = frozenset({"Unsaved", "Draft", "ForReview"})
"""Statuses of a question not yet tabled: nobody is told about it."""


def _pascal_keys(value: Any) -> Any:
    """camelCase field names read as the document's PascalCase."""
    if isinstance(value, dict):
        return {(key[:1].upper() + key[1:] if isinstance(key, str) else key): item for key, item in value.items()}
    return value


class _Upstream(UpstreamModel):
    model_config = ConfigDict(alias_generator=to_pascal)

    @model_validator(mode="before")
    @classmethod
    def _either_case(cls, value: Any) -> Any:
        return _pascal_keys(value)


class MemberForDate(_Upstream):
    mnis_id: int | None = None
    name: str | None = None
    constituency: str | None = None
    party: str | None = None

    def person(self, role: str, title: str | None = None) -> Person | None:
        name = plain_text(self.name)
        if not name:
            return None
        constituency = plain_text(self.constituency) or None
        return Person(role=role, name=name, party=plain_text(self.party) or None, constituency=title or constituency)


class OralQuestion(_Upstream):
    """A `PublishedOralQuestion`."""

    id: UpstreamId
    question_type: str | int | None = None
    question_text: str = Field(min_length=1)
    status: str | int | None = None
    number: int | None = None
    tabled_when: Moment | None = None
    removed_from_to_be_asked_when: Moment | None = None
    answering_when: Moment
    answering_body_id: UpstreamId
    answering_body: str | None = None
    answering_minister_title: str | None = None
    hansard_link: str | None = None
    declarable_interest_detail: str | None = None
    uin: int | None = Field(default=None, alias="UIN")
    asking_member: MemberForDate | None = None
    answering_minister: MemberForDate | None = None

    @field_validator("uin", mode="before")
    @classmethod
    def _uin(cls, value: Any) -> Any:
        # The document says int32; a UIN written as a numeric string is the same UIN.
        return int(value) if isinstance(value, str) and value.strip().isdigit() else value

    def status_name(self) -> str | None:
        return enum_name(self.status, STATUSES)

    def is_topical(self) -> bool:
        return enum_name(self.question_type, QUESTION_TYPES) == "Topical"

    def state(self) -> str:
        return STATES.get(self.status_name() or "", "tabled")


def _uin_param(record: OralQuestion) -> str:
    return f"{PREFIX}uINs={record.uin}&" if record.uin is not None else ""


def _status(record: dict[str, Any]) -> str | None:
    return enum_name(_pascal_keys(record).get("Status"), STATUSES)


@dataclass(frozen=True)
class PagingInfoPaginator(Paginator):
    """This API's paging: `parameters.skip`, and a `PagingInfo` whose `Total` the pages must add up to (`PageCount`);
    an answer that says it failed (`Success: false`, `Errors`) or starts elsewhere than asked is an error."""

    def pages(
        self, http: UpstreamClient, request: ListRequest, read: RecordReader, start: int = 0
    ) -> Iterator[list[Listed]]:
        count = PageCount(request.url, "Total", read=start)
        while True:
            offset = count.read
            body = http.get_json(request.url, {**request.params, f"{PREFIX}skip": offset})
            records = read_page(read, body, request.url)
            envelope = _pascal_keys(body)
            if envelope.get("Success") is False or envelope.get("Errors"):
                raise UpstreamResponseError(f"the answer reports a failure: {envelope.get('Errors')!r}", request.url)
            paging = _pascal_keys(envelope.get("PagingInfo"))
            if not isinstance(paging, dict):
                raise UpstreamResponseError("the answer has no PagingInfo", request.url)
            if paging.get("Skip", offset) != offset:
                raise UpstreamResponseError(f"asked from {offset}, got a page from {paging['Skip']}", request.url)
            exhausted = count.add(paging, len(records))
            origin = f"{request.url}?{PREFIX}skip={offset}"
            yield [Listed(record, origin, request.department, ListPosition(offset=offset)) for record in records]
            if exhausted:
                return


class OralQuestionsSource(Source):
    name = "oral-questions"
    api_host = urlsplit(API).hostname or ""
    kind = Kind.ORAL_QUESTION
    own_hosts = PARLIAMENT_HOSTS
    paginator = PagingInfoPaginator()

    def notifiable(self, record: dict[str, Any]) -> bool:
        return _status(record) not in UNPUBLISHED

    def record_key(self, record: dict[str, Any]) -> str:
        return super().record_key(_pascal_keys(record))

    def records_from_response(self, body: Any) -> list[dict[str, Any]]:
        """An answer `{PagingInfo, Success, Errors, Response: [...]}` (PascalCase, or camelCase)."""
        envelope = _pascal_keys(body)
        if not isinstance(envelope, dict) or not isinstance(envelope.get("Response"), list):
            raise ResponseShapeError("not an oral-questions response: expected {PagingInfo, Response: [...]}")
        records = envelope["Response"]
        for position, record in enumerate(records):
            if not isinstance(record, dict):
                raise ResponseShapeError(f"Response[{position}] is not an oral question (an object)")
        return records

    def list_requests(
        self, departments: Sequence[Department], since: datetime, until: datetime
    ) -> Iterable[ListRequest]:
        """One query for every department: question times from the window's first day to HORIZON past its last."""
        params = {
            f"{PREFIX}answeringBodyIds": all_answering_body_ids(departments),
            f"{PREFIX}answeringDateStart": london_date(since).isoformat(),
            f"{PREFIX}answeringDateEnd": (london_date(until) + HORIZON).isoformat(),
            f"{PREFIX}take": PAGE_SIZE,
        }
        yield ListRequest(API, params)

    def asked(self, departments: Sequence[Department]) -> Callable[[dict[str, Any]], bool]:
        body_ids = set(all_answering_body_ids(departments))
        return lambda record: _pascal_keys(record).get("AnsweringBodyId") in body_ids

    def parse(self, message: RawRecordMessage) -> Item:
        question = validate_record(OralQuestion, message.record, "oral question")
        if question.status_name() in UNPUBLISHED:
            raise PoisonRecordError(f"oral question {question.id} is not tabled (status {question.status_name()})")
        department = by_answering_body(question.answering_body_id)
        if department is None:
            raise PoisonRecordError(
                f"answering body {question.answering_body_id} ({plain_text(question.answering_body) or 'no name'}) "
                "is not in the department registry"
            )
        text = plain_text(question.question_text)
        if not text:
            raise PoisonRecordError("invalid oral question: QuestionText is empty once markup is removed")
        answering = london_date(question.answering_when)
        minister_title = plain_text(question.answering_minister_title) or None
        people = [
            person
            for member, role, title in (
                (question.asking_member, "asked-by", None),
                (question.answering_minister, "to-be-answered-by", minister_title),
            )
            if member and (person := member.person(role, title))
        ]
        published = in_london(question.tabled_when) if question.tabled_when else in_london(question.answering_when)
        changed = [in_london(d) for d in (question.removed_from_to_be_asked_when,) if d]
        return Item(
            id=f"{self.name}:{question.id}",
            source=self.name,
            kind=self.kind,
            category="Topical" if question.is_topical() else "Substantive",
            departments=(DepartmentRef(slug=department.slug, name=department.name),),
            title=one_line(text, TITLE_LIMIT),
            url=self._url(question),
            published_at=published,
            updated_at=max([published, *changed]),
            house="commons",
            state=question.state(),
            summary=text,
            people=tuple(people),
            details={
                "question_time": answering.isoformat(),
                "topical": question.is_topical(),
                "number": question.number,
                "uin": question.uin,
                "status": question.status_name(),
                "answering_body": plain_text(question.answering_body) or None,
                "minister_title": minister_title,
                "date_tabled": london_date(question.tabled_when).isoformat() if question.tabled_when else None,
                "removed_on": london_date(question.removed_from_to_be_asked_when).isoformat()
                if question.removed_from_to_be_asked_when
                else None,
                "declared_interest": plain_text(question.declarable_interest_detail) or None,
            },
        )

    @staticmethod
    def _url(question: OralQuestion) -> str:
        """Its Hansard record once asked; before that the API's own answer for it (the API has no page per
        question, nor a get-by-id): the question time's questions with its UIN."""
        if question.hansard_link:
            try:
                return own_link(question.hansard_link, PARLIAMENT_HOSTS)
            except LinkRefused:
                pass
        day = london_date(question.answering_when).isoformat()
        return f"{API}?{_uin_param(question)}{PREFIX}answeringDateStart={day}&{PREFIX}answeringDateEnd={day}"
