"""UK Parliament's calendar (What's On): departmental question times and select committee sessions.

whatson-api.parliament.uk answers `GET /calendar/events/list.json` with a bare JSON array of `EventPoco` (PascalCase),
at most 31 days per call, without paging. A committee session names its committee, which names the department it
scrutinises; a departmental question time names no department at all, so it is only attributable through the query
that found it (`queryParameters.answeringBodyIds`).

Calls per poll, per window of at most 31 days (one window on a normal poll): one unfiltered list, kept client-side to
the sessions of the watched departments' committees, plus one `answeringBodyIds` list per watched department (none
when the unfiltered list is empty: nothing is calendared, so there are no question times either). One list with every
department's ids would be one call, but its answer could only be attributed by guessing the department from the
Description ("Education (including Topical Questions)", "Wales"): a naming habit, not a contract, and wrong for joint
sessions of several answering bodies.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_pascal

from shared.adapters.http import UpstreamClient
from shared.domain.departments import Department, UnknownDepartmentError, by_committee, by_slug
from shared.domain.item import SCHEDULED_START, DepartmentRef, Item, Person
from shared.domain.kinds import Kind
from shared.domain.links import PARLIAMENT_HOSTS
from shared.domain.raw_record import RawRecordMessage
from shared.domain.text import html_to_text, plain_text
from shared.domain.timeutil import LONDON, in_london, london_date
from shared.observability import logger
from shared.sources.base import (
    Listed,
    ListRequest,
    Moment,
    NullAsEmpty,
    PoisonRecordError,
    ResponseShapeError,
    SinglePage,
    Source,
    UpstreamId,
    UpstreamModel,
    validate_record,
)

LIST_API = "https://whatson-api.parliament.uk/calendar/events/list.json"
PUBLIC_URL = "https://whatson.parliament.uk/event/cal{id}"
HORIZON = timedelta(weeks=3)
"""How far ahead of the poll events are read at least: committees announce evidence sessions one to three weeks ahead.
A poll with the default 3-day overlap then needs one 31-day call per query (eight weeks would need two), and reads on
to the end of that call, about four weeks ahead, for nothing."""
MAX_DAYS_PER_CALL = 31
"""The spec: "the total number of days that can be returned by any single call is 31" (longer ranges answer 400)."""
QUESTION_TIMES = frozenset({"oral questions", "prime minister's question time"})
"""Categories an `answeringBodyIds` answer may hold: the question times of the departments asked for."""
PRIVATE_MEETING = "private meeting"
"""A committee meeting in private has no public business to follow: not watched."""


def _attendee_names(value: Any) -> Any:
    """The spec types Attendees as strings; one sampler of the live API expected objects: keep the names we can read
    rather than lose the event."""
    if value is None:
        return []
    return [entry for entry in value if isinstance(entry, str)] if isinstance(value, list) else value


def _clock_time(value: Any) -> time | None:
    """ "14:30" (what the API sends), "14:30:00", or "2:30 pm"; None for an unscheduled time ("" or null)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("must be a time of day like 14:30")
    text = value.strip().lower().replace(".", "")
    if not text:
        return None
    for pattern in ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p"):
        try:
            return datetime.strptime(text, pattern).time()
        except ValueError:
            continue
    raise ValueError("is not a time of day like 14:30")


ClockTime = Annotated[time | None, BeforeValidator(_clock_time)]


class _Upstream(UpstreamModel):
    model_config = ConfigDict(alias_generator=to_pascal)


class Inquiry(_Upstream):
    id: int | None = None
    description: str | None = None
    sort_order: int | None = None


class Committee(_Upstream):
    id: UpstreamId | None = None
    description: str | None = None
    inquiries: Annotated[list[Inquiry], NullAsEmpty] = Field(default_factory=list)

    def department(self) -> Department | None:
        return by_committee(committee_id=self.id, name=self.description)

    def inquiry_titles(self) -> list[str]:
        ordered = sorted(self.inquiries, key=lambda inquiry: inquiry.sort_order or 0)
        return [title for inquiry in ordered if (title := plain_text(inquiry.description))]


class Member(_Upstream):
    id: int | None = None
    name: str = Field(min_length=1)
    party: str | None = None
    member_from: str | None = None

    def person(self) -> Person:
        return Person(role="member", name=plain_text(self.name), party=self.party, constituency=self.member_from)


class EventActivity(_Upstream):
    """A panel of an evidence session; the spec types its Attendees (the witnesses) as strings."""

    attendees: Annotated[list[str], BeforeValidator(_attendee_names)] = Field(default_factory=list)


class Event(_Upstream):
    """An `EventPoco` of the What's On API."""

    id: UpstreamId
    start_date: Moment
    end_date: Moment | None = None
    cancelled_date: Moment | None = None
    start_time: ClockTime = None
    end_time: ClockTime = None
    description: str | None = None
    notes: str | None = None
    type: str | None = None
    house: str | None = None
    category: str | None = None
    location: str | None = None
    committee: Committee | None = None
    members: Annotated[list[Member], NullAsEmpty] = Field(default_factory=list)
    event_activities: Annotated[list[EventActivity], NullAsEmpty] = Field(default_factory=list)

    def starts(self) -> datetime:
        """London start time; midnight of the day when the time is not scheduled yet."""
        return datetime.combine(london_date(self.start_date), self.start_time or time(0), tzinfo=LONDON)

    def starts_at(self) -> str:
        """ISO start with its offset, or just the date when no time is scheduled (the lifecycle compares these)."""
        return self.starts().isoformat() if self.start_time else london_date(self.start_date).isoformat()

    def ends_at(self) -> str | None:
        day = london_date(self.end_date or self.start_date)
        if self.end_time:
            return datetime.combine(day, self.end_time, tzinfo=LONDON).isoformat()
        return day.isoformat() if day != london_date(self.start_date) else None

    def title(self) -> str:
        """As the department page titles it: a committee session by its inquiry, anything else by its Description."""
        committee = self.committee
        candidates = [*(committee.inquiry_titles() if committee else []), plain_text(self.description)]
        if committee and committee.description:
            candidates.append(f"{plain_text(committee.description)} - {plain_text(self.category)}".strip(" -"))
        candidates += [plain_text(self.category), plain_text(self.type)]
        return next((c for c in candidates if c), "")

    def witnesses(self) -> list[str]:
        names = (plain_text(name) for activity in self.event_activities for name in activity.attendees)
        return list(dict.fromkeys(name for name in names if name))


def _date_part(value: Any) -> date | None:
    """The date of a StartDate/EndDate as the API sends it ("2024-04-23T00:00:00"), or None when unreadable."""
    try:
        return date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None


def _category(record: dict[str, Any]) -> str:
    category = record.get("Category")
    return category.strip().lower() if isinstance(category, str) else ""


def _committee_department(record: dict[str, Any]) -> Department | None:
    committee = record.get("Committee")
    if not isinstance(committee, dict):
        return None
    committee_id, name = committee.get("Id"), committee.get("Description")
    return by_committee(
        committee_id=committee_id if type(committee_id) is int else None,
        name=name if isinstance(name, str) else None,
    )


def date_windows(first: date, last: date) -> list[tuple[date, date]]:
    """[first, last] in calls of at most 31 days (inclusive), of even length so that none is a sliver."""
    days = (last - first).days + 1
    calls = -(-days // MAX_DAYS_PER_CALL)
    size = -(-days // calls)
    return [
        (first + timedelta(days=offset), min(first + timedelta(days=offset + size - 1), last))
        for offset in range(0, days, size)
    ]


class WhatsOnEventsSource(Source):
    name = "whatson-events"
    kind = Kind.SCHEDULED_EVENT
    own_hosts = PARLIAMENT_HOSTS
    api_host = "whatson-api.parliament.uk"
    paginator = SinglePage()

    def notifiable(self, record: dict[str, Any]) -> bool:
        return _category(record) != PRIVATE_MEETING

    def records_from_response(self, body: Any) -> list[dict[str, Any]]:
        """A list answer (a bare array of events) or one event (`/calendar/events/cal{id}`)."""
        if isinstance(body, dict) and "Id" in body and "StartDate" in body:
            return [body]
        if not isinstance(body, list):
            raise ResponseShapeError("not a What's On response: expected an array of events or one event")
        for position, entry in enumerate(body):
            if not isinstance(entry, dict) or "Id" not in entry:
                raise ResponseShapeError(f"[{position}] is not a What's On event (an object with an Id)")
        return body

    def listed(
        self, http: UpstreamClient, departments: Sequence[Department], since: datetime, until: datetime
    ) -> Iterator[Listed]:
        """Per window: the committee sessions of the watched departments from one unfiltered list, then each
        department's question times (none asked for when the window has nothing calendared: a recess)."""
        watched = {department.slug for department in departments}
        start = london_date(since)
        end = max(london_date(until) + HORIZON, start + timedelta(days=MAX_DAYS_PER_CALL - 1))
        for first, last in date_windows(start, end):
            events = self._list(http, first, last)
            for listed in events:
                department = _committee_department(listed.record)
                if department is not None and department.slug in watched:
                    yield listed
            if not events:
                continue
            question_times = {
                listed.record.get("Id") for listed in events if _category(listed.record) in QUESTION_TIMES
            }
            for department in departments:
                if department.answering_body_ids:
                    yield from self._question_times(http, department, first, last, question_times)

    def _question_times(
        self, http: UpstreamClient, department: Department, first: date, last: date, window_question_times: set[Any]
    ) -> Iterator[Listed]:
        """The department's question times: its `answeringBodyIds` answer, checked, with the department attached."""
        answer = self._list(http, first, last, department)
        sessions = [listed for listed in answer if _category(listed.record) in QUESTION_TIMES]
        if others := [listed.record.get("Id") for listed in answer if _category(listed.record) not in QUESTION_TIMES]:
            logger.warning(
                "events that are not question times dropped from a department's answer",
                extra={"source": self.name, "department": department.slug, "dropped": len(others), "ids": others[:20]},
            )
        claimed = {listed.record.get("Id") for listed in sessions}
        if len(window_question_times) > 1 and window_question_times <= claimed:
            # Every question time of the window in one department's answer: the filter was ignored, and keeping them
            # would flood that department's topic with everyone's.
            logger.warning(
                "answer holds every question time of the window: answeringBodyIds ignored, answer dropped",
                extra={"source": self.name, "department": department.slug, "question_times": len(claimed)},
            )
            return
        yield from sessions

    def _list(
        self, http: UpstreamClient, first: date, last: date, department: Department | None = None
    ) -> list[Listed]:
        """The events of [first, last] (inclusive dates), without those outside the window asked for; a department's
        question times when one is given."""
        params: dict[str, Any] = {
            "queryParameters.startDate": first.isoformat(),
            "queryParameters.endDate": last.isoformat(),
        }
        if department is not None:
            params["queryParameters.answeringBodyIds"] = list(department.answering_body_ids)
        request = ListRequest(LIST_API, params, department.slug if department else None)
        listed = [entry for page in self.paginator.pages(http, request, self.records_from_response) for entry in page]
        inside = [entry for entry in listed if _overlaps(entry.record, first, last)]
        if outside := [entry.record.get("Id") for entry in listed if not _overlaps(entry.record, first, last)]:
            logger.warning(
                "events outside the date window asked for dropped",
                extra={"source": self.name, "url": listed[0].origin, "dropped": len(outside), "ids": outside[:20]},
            )
        return inside

    def parse(self, message: RawRecordMessage) -> Item:
        event = validate_record(Event, message.record, "What's On event")
        title = event.title()
        if not title:
            raise PoisonRecordError("invalid What's On event: no inquiry, Description, Category or Type to title it")
        department = self._department(event, message.department)
        starts = event.starts()
        house = (event.house or "").strip().lower()
        description = plain_text(event.description)
        committee = event.committee or Committee()
        people = [member.person() for member in event.members]
        people += [Person(role="witness", name=name) for name in event.witnesses()]
        return Item(
            id=f"{self.name}:{event.id}",
            source=self.name,
            kind=self.kind,
            category=plain_text(event.category) or None,
            departments=(DepartmentRef(slug=department.slug, name=department.name),),
            title=title,
            url=PUBLIC_URL.format(id=event.id),
            published_at=starts,
            updated_at=in_london(event.cancelled_date) if event.cancelled_date else starts,
            house=house if house in ("commons", "lords") else None,  # type: ignore[arg-type]
            state="cancelled" if event.cancelled_date else "scheduled",
            summary=description if description and description != title else None,
            body=html_to_text(event.notes) or None,
            people=tuple(people),
            details={
                SCHEDULED_START: event.starts_at(),
                "ends_at": event.ends_at(),
                "location": plain_text(event.location) or None,
                "type": plain_text(event.type) or None,
                "committee": plain_text(committee.description) or None,
                "committee_id": committee.id,
                "inquiry": "; ".join(committee.inquiry_titles()) or None,
                "cancelled_on": london_date(event.cancelled_date).isoformat() if event.cancelled_date else None,
            },
        )

    @staticmethod
    def _department(event: Event, asked_for: str | None) -> Department:
        """The committee's department; else the department the query was for, for a question time only (they name
        none). Whoever hands a department in (the fetcher's answer, `ingest --department`), an event of another
        category must not reach that department's topic: it is refused, not routed."""
        committee = event.committee
        if committee is not None and (department := committee.department()) is not None:
            return department
        if asked_for is not None and plain_text(event.category).lower() not in QUESTION_TIMES:
            raise PoisonRecordError(
                f"What's On event {event.id} is attributed only by the message's department {asked_for!r}, "
                f"but its category {plain_text(event.category) or '(none)'!r} is not a departmental question time"
            )
        if asked_for is None:
            why = (
                f"committee {committee.id} ({committee.description or 'no name'}) scrutinises no registered department"
                if committee
                else "it has no committee"
            )
            raise PoisonRecordError(
                f"What's On event {event.id} does not name its department ({why}) and the message gives none: "
                "question times are attributed by the query that found them (ingest them with --department)"
            )
        try:
            return by_slug(asked_for)
        except UnknownDepartmentError:
            raise PoisonRecordError(f"department {asked_for!r} is not in the department registry") from None

    # --- The email, as the department page shows an event ---


def _overlaps(record: dict[str, Any], first: date, last: date) -> bool:
    """Whether the event's days meet [first, last]; one with unreadable dates is kept for the processor to report."""
    start = _date_part(record.get("StartDate"))
    if start is None:
        return True
    end = _date_part(record.get("EndDate")) or start
    return start <= last and max(start, end) >= first
