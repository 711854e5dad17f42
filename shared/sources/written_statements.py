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

"JointStatement" (issue #11, from real responses): the real API links nearly every Lords statement to its Commons
twin this way: the same statement, by the same department, made in both Houses. So a joint link is read as "also made
in the other House", unless the link names another answering body than the statement's: only then is it a statement
of two departments. A link carries the twin's id and a date (the OpenAPI LinkedStatements); its UIN, House and
answering body only if the record ever gives them, and the twin's public page (date and UIN) only with its UIN.
Also seen in real responses: the list newest id first, `linkedStatements` null when there are none, `noticeNumber` 0
for Lords statements (no notice number), `fileType` in lower case, titles and roles with trailing spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pydantic import Field

from shared.domain.departments import Department, all_answering_body_ids, by_answering_body
from shared.domain.item import DepartmentRef, Item
from shared.domain.kinds import Kind
from shared.domain.raw_record import RawRecordMessage
from shared.domain.shortened import shortened_by_list
from shared.domain.text import html_to_text, plain_text
from shared.domain.timeutil import in_london, london_date
from shared.sources.base import (
    ListRequest,
    Moment,
    PoisonRecordError,
    UpstreamId,
    detail_over_listed,
    validate_record,
)
from shared.sources.questions_statements_api import (
    AttachmentViewModel,
    MemberViewModel,
    QuestionsStatementsSource,
    Upstream,
    attachments,
)

API = "https://questions-statements-api.parliament.uk/api/writtenstatements/statements"
PUBLIC_URL = "https://questions-statements.parliament.uk/written-statements/detail/{date}/{uin}"
PAGE_SIZE = 100
"""What UK Parliament's own poller asks for; the endpoint has been seen returning 20 at most, so we page by results."""
LIST_TEXT_LIMIT = 255
"""The list endpoint cuts `text` at about 255 characters."""
CORRECTION_LINKS = frozenset({"CorrectedStatement", "CorrectedAnswer"})
JOINT_LINK = "JointStatement"
UIN_PATTERN = r"^[A-Za-z0-9]{1,20}$"
OTHER_HOUSE = {"commons": "lords", "lords": "commons"}


class LinkedStatement(Upstream):
    linked_statement_id: UpstreamId
    link_type: str
    link_date: Moment | None = None
    # Not in the API's LinkedStatements: read only if a record gives them (a bad one is ignored, not a poison record).
    uin: str | None = None
    house: str | None = None
    answering_body_id: int | None = None

    def label(self) -> str:
        return f"{self.linked_statement_id} ({self.link_type})"

    def known_uin(self) -> str | None:
        uin = (self.uin or "").strip()
        return uin if re.fullmatch(UIN_PATTERN, uin) else None


class WrittenStatement(Upstream):
    id: UpstreamId
    uin: str = Field(pattern=UIN_PATTERN)
    house: str
    title: str = Field(min_length=1)
    text: str | None = None
    answering_body_id: UpstreamId
    answering_body_name: str | None = None
    date_made: Moment
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

    def joint_links(self) -> tuple[list[LinkedStatement], list[LinkedStatement]]:
        """The joint links as (twins in the other House, statements of other departments): a link is another
        department's only when it names an answering body other than this statement's."""
        twins: list[LinkedStatement] = []
        others: list[LinkedStatement] = []
        for link in self.links():
            if link.link_type == JOINT_LINK:
                other = link.answering_body_id not in (None, self.answering_body_id)
                (others if other else twins).append(link)
        return twins, others


def _joint_details(statement: WrittenStatement, house: str) -> dict[str, str | int | None]:
    """What the joint links say, for the email: the House a twin was also made in (its id, and its UIN and page where
    the record gives the UIN), and the departments a joint statement of several was made with."""
    twins, others = statement.joint_links()
    details: dict[str, str | int | None] = {}
    if twins:
        twin = twins[0]
        uin = twin.known_uin()
        made = london_date(twin.link_date or statement.date_made).isoformat()
        twin_house = (twin.house or "").strip().lower()
        details |= {
            # Only what the link says: a link without the twin's House may join two statements of one House.
            "also_made_in": twin_house if twin_house in OTHER_HOUSE and twin_house != house else None,
            "also_made_in_statement": twin.linked_statement_id,
            "also_made_in_uin": uin,
            "also_made_in_url": PUBLIC_URL.format(date=made, uin=uin) if uin else None,
        }
    if others:
        names = [
            department.name if (department := by_answering_body(link.answering_body_id or 0)) else None
            for link in others
        ]
        details |= {
            "joint_with": "; ".join(dict.fromkeys(name or "another department" for name in names)),
            "joint_statements": ", ".join(str(link.linked_statement_id) for link in others),
        }
    return details


class WrittenStatementsSource(QuestionsStatementsSource):
    name = "written-statements"
    kind = Kind.WRITTEN_STATEMENT

    def list_requests(
        self, departments: Sequence[Department], since: datetime, until: datetime
    ) -> Iterable[ListRequest]:
        params = {
            "answeringBodies": all_answering_body_ids(departments),
            "madeWhenFrom": london_date(since).isoformat(),
            "madeWhenTo": london_date(until).isoformat(),
            "expandMember": "true",
            "take": PAGE_SIZE,
        }
        yield ListRequest(API, params)

    def detail_url(self, record: dict[str, Any]) -> str | None:
        """The list endpoint cuts the text; the detail endpoint does not."""
        try:
            statement = WrittenStatement.model_validate(record)
        except ValueError:
            return None  # the processor reports why
        return f"{API}/{statement.id}" if statement.text_truncated() else None

    def merge_detail(self, listed: dict[str, Any], detail: dict[str, Any]) -> dict[str, Any]:
        """The detail wins wherever it has a value; the list's expanded member stays if the detail has none."""
        return detail_over_listed(listed, detail)

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
            attachments=attachments(statement.attachments, self.own_hosts, statement.id),
            details={
                "uin": statement.uin,
                "date_made": london_date(statement.date_made).isoformat(),
                "notice_number": statement.notice_number or None,  # Lords statements have 0: none
                "member_role": plain_text(statement.member_role) or None,
                "linked_statements": ", ".join(link.label() for link in statement.links()) or None,
                **_joint_details(statement, house),
                **(shortened_by_list(body=statement.text_truncated()) if message.detail_missing else {}),
            },
        )
