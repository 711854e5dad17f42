"""UK Parliament written questions and answers (Commons and Lords): questions-statements-api.parliament.uk."""

from __future__ import annotations

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
    validate_record,
)
from shared.sources.questions_statements_api import (
    AttachmentViewModel,
    MemberViewModel,
    QuestionsStatementsSource,
    Upstream,
    attachments,
)

API = "https://questions-statements-api.parliament.uk/api/writtenquestions/questions"
PUBLIC_URL = "https://questions-statements.parliament.uk/written-questions/detail/{date}/{uin}"
PAGE_SIZE = 1000
"""The API documents no maximum; production pollers use 1000. We page by what comes back, so a cap is harmless."""
LIST_TEXT_LIMIT = 255
"""The list endpoint cuts questionText at 255 characters (no ellipsis) and answerText at 255 plus "..."."""
DATE_WINDOWS = ("tabledWhen", "answeredWhen", "correctedWhen")


class WrittenQuestion(Upstream):
    id: UpstreamId
    uin: str = Field(pattern=r"^[A-Za-z0-9]{1,20}$")
    house: str
    heading: str = Field(min_length=1)
    question_text: str
    answer_text: str | None = None
    answering_body_id: UpstreamId
    answering_body_name: str | None = None
    date_tabled: Moment
    date_for_answer: Moment | None = None
    date_answered: Moment | None = None
    date_holding_answer: Moment | None = None
    date_answer_corrected: Moment | None = None
    answer_is_holding: bool | None = None
    answer_is_correction: bool | None = None
    is_withdrawn: bool = False
    is_named_day: bool = False
    asking_member: MemberViewModel | None = None
    answering_member: MemberViewModel | None = None
    correcting_member: MemberViewModel | None = None
    grouped_questions: list[str] = Field(default_factory=list)
    attachments: list[AttachmentViewModel] = Field(default_factory=list)

    def text_truncated(self) -> bool:
        """True when the list endpoint cut the text: only the detail endpoint has all of it (and the answer's HTML)."""
        return self.question_cut() or self.answer_cut()

    def question_cut(self) -> bool:
        return len(self.question_text) >= LIST_TEXT_LIMIT

    def answer_cut(self) -> bool:
        return (self.answer_text or "").endswith("...")

    def state(self) -> str:
        if self.is_withdrawn:
            return "withdrawn"
        if not self.answer_text and not self.date_answered:
            return "tabled"
        if self.answer_is_holding:
            return "holding-answer"
        if self.answer_is_correction or self.date_answer_corrected:
            return "corrected"
        return "answered"


def _dates(question: WrittenQuestion) -> dict[str, str | None]:
    def day(value: datetime | None) -> str | None:
        return london_date(value).isoformat() if value else None

    return {
        "date_tabled": day(question.date_tabled),
        "date_for_answer": day(question.date_for_answer),
        "date_answered": day(question.date_answered),
        "date_holding_answer": day(question.date_holding_answer),
        "date_answer_corrected": day(question.date_answer_corrected),
    }


class WrittenQuestionsSource(QuestionsStatementsSource):
    name = "written-questions"
    kind = Kind.WRITTEN_QUESTION

    def list_requests(
        self, departments: Sequence[Department], since: datetime, until: datetime
    ) -> Iterable[ListRequest]:
        """One query per date field (the API has no OR), each for every department at once."""
        for window in DATE_WINDOWS:
            params = {
                "answeringBodies": all_answering_body_ids(departments),
                f"{window}From": london_date(since).isoformat(),
                f"{window}To": london_date(until).isoformat(),
                "expandMember": "true",
                "includeWithdrawn": "true",
                "take": PAGE_SIZE,
            }
            yield ListRequest(API, params)

    def sweep_requests(
        self, departments: Sequence[Department], since: datetime, until: datetime
    ) -> Iterable[ListRequest]:
        """Every question tabled in [since, until], withdrawn ones too: a withdrawal or a holding answer changes no
        date the API filters on (it has no isWithdrawn or dateHoldingAnswer filter), and whether `answered=Unanswered`
        counts a holding-answered question is undocumented, so the sweep lists them all (answered ones cost a list
        entry each, no detail: the record memory reads a detail only for a listed change)."""
        yield ListRequest(
            API,
            {
                "answeringBodies": all_answering_body_ids(departments),
                "tabledWhenFrom": london_date(since).isoformat(),
                "tabledWhenTo": london_date(until).isoformat(),
                "expandMember": "true",
                "includeWithdrawn": "true",
                "take": PAGE_SIZE,
            },
        )

    def detail_url(self, record: dict[str, Any]) -> str | None:
        """The list endpoint truncates the texts; the detail endpoint has them in full (and the answer's HTML)."""
        try:
            question = WrittenQuestion.model_validate(record)
        except ValueError:
            return None  # the processor reports why
        return f"{API}/{question.id}" if question.text_truncated() else None

    def parse(self, message: RawRecordMessage) -> Item:
        question = validate_record(WrittenQuestion, message.record, "written question")
        department = by_answering_body(question.answering_body_id)
        if department is None:
            raise PoisonRecordError(
                f"answering body {question.answering_body_id} ({question.answering_body_name or 'no name'}) "
                "is not in the department registry"
            )
        title = plain_text(question.heading)
        if not title:
            raise PoisonRecordError("invalid written question: heading is empty once markup and control characters go")
        house = question.house.lower()
        if house not in ("commons", "lords"):
            raise PoisonRecordError(f"invalid written question: house {question.house!r} is not Commons or Lords")
        members = (
            (question.asking_member, "asked-by"),
            (question.answering_member, "answered-by"),
            (question.correcting_member, "corrected-by"),
        )
        people = [person for member, role in members if member and (person := member.person(role))]
        published = in_london(question.date_tabled)
        changed = [
            in_london(d)
            for d in (question.date_answered, question.date_holding_answer, question.date_answer_corrected)
            if d
        ]
        return Item(
            id=f"{self.name}:{question.id}",
            source=self.name,
            kind=self.kind,
            category=None,
            departments=(DepartmentRef(slug=department.slug, name=department.name),),
            title=title,
            url=PUBLIC_URL.format(date=london_date(question.date_tabled).isoformat(), uin=question.uin),
            published_at=published,
            updated_at=max([published, *changed]),
            house=house,  # type: ignore[arg-type]
            state=question.state(),
            summary=plain_text(question.question_text),
            body=html_to_text(question.answer_text) or None,
            people=tuple(people),
            attachments=attachments(question.attachments, self.own_hosts, question.id),
            details={
                "uin": question.uin,
                **_dates(question),
                "is_named_day": question.is_named_day,
                "grouped_questions": ", ".join(question.grouped_questions) or None,
                # as listed, its detail missing: say which texts are the list's cut (none of a detail's texts are)
                **(shortened_by_list(question.question_cut(), question.answer_cut()) if message.detail_missing else {}),
            },
        )
