"""One case per source for the contract suite: its fake, a window over its recordings, and what the checks need.

Adding a source adds its case here (ARCHITECTURE.md, "Where a new thing goes"); `test_source_contract.py` then runs
every check on it, and refuses a registered source without a case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from infra.local.replay import RecordedApi
from infra.local.replay.bills import RecordedBills
from infra.local.replay.committee_publications import RecordedPublications
from infra.local.replay.deposited_papers import RecordedPapers
from infra.local.replay.govuk_publications import RecordedSearch
from infra.local.replay.oral_questions import RecordedOralQuestions
from infra.local.replay.statutory_instruments import RecordedInstruments
from infra.local.replay.whatson_events import RecordedEvents
from infra.local.replay.written_questions import RecordedQuestions
from infra.local.replay.written_statements import RecordedStatements
from shared.domain.timeutil import LONDON
from shared.sources.statutory_instruments import PROCEDURE_HORIZON, laid_at

DFE = "department-for-education"
DHSC = "department-of-health-and-social-care"


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None


def _days(record: dict[str, Any], *fields: str) -> set[date]:
    return {day for name in fields if (day := _day(record.get(name)))}


def _event_days(record: dict[str, Any]) -> set[date]:
    """Every day a What's On event spans (a window meeting any of them lists it)."""
    start = _day(record.get("StartDate"))
    if start is None:
        return set()
    end = max(_day(record.get("EndDate")) or start, start)
    return {start + timedelta(days=n) for n in range((end - start).days + 1)}


def _laid_days(record: dict[str, Any]) -> set[date]:
    """The (London) day a statutory instrument was first laid (or made)."""
    laid = laid_at(record)
    return {laid.astimezone(LONDON).date()} if laid else set()


@dataclass(frozen=True)
class SourceCase:
    source: str
    fake: Callable[..., RecordedApi]
    """The source's fake over its recordings, taking the shared misbehaviour knobs."""
    since: datetime
    until: datetime
    """A window that covers every recording."""
    department: str
    """A department with some of the recorded records, not all: the asked-department filter has something to drop."""
    bad_record: dict[str, Any]
    """A record the asked-department filter keeps but that can never become an item."""
    days: Callable[[dict[str, Any]], set[date]]
    """The (London) days that place a record in a poll window, as the API's date filter reads them."""
    lookahead: timedelta = timedelta(0)
    """How far past the window's end a poll reads (What's On reads weeks ahead: events are announced in advance)."""
    lookbehind: timedelta = timedelta(0)
    """How far before the window's start the API's own date filter reaches (GOV.UK filters by UTC day)."""
    pages: bool = True
    """Whether the API pages (What's On answers a whole window at once)."""
    attributed_by_query: bool = False
    """Whether some records name no department and belong to the one the query asked for (What's On question times):
    when the API ignores that filter they cannot be told apart, and the source drops them rather than flood a topic."""


CASES: dict[str, SourceCase] = {
    case.source: case
    for case in (
        SourceCase(
            source="written-questions",
            fake=RecordedQuestions.from_recordings,
            since=datetime(2024, 1, 1, tzinfo=UTC),
            until=datetime(2024, 1, 31, tzinfo=UTC),
            department=DHSC,
            # Answering body 17 (DHSC), but no heading and a date that is not one.
            bad_record={"id": 9_999_001, "uin": "1", "house": "Commons", "answeringBodyId": 17, "dateTabled": "x"},
            days=lambda record: _days(record, "dateTabled", "dateAnswered", "dateAnswerCorrected"),
        ),
        SourceCase(
            source="written-statements",
            fake=RecordedStatements.from_recordings,
            since=datetime(2024, 4, 15, tzinfo=UTC),
            until=datetime(2024, 4, 30, tzinfo=UTC),
            department=DFE,
            bad_record={"id": 9_999_002, "uin": "HCWS1", "house": "Commons", "answeringBodyId": 60, "title": ""},
            days=lambda record: _days(record, "dateMade"),
        ),
        SourceCase(
            source="deposited-papers",
            fake=RecordedPapers.from_recordings,
            since=datetime(2024, 4, 15, tzinfo=UTC),
            until=datetime(2024, 4, 30, tzinfo=UTC),
            department=DFE,
            bad_record={
                "paperId": 9_999_003,
                "title": "",
                "dateDeposited": "2024-04-17T00:00:00",
                "depositingDepartments": ["Department for Education"],
            },
            days=lambda record: _days(record, "dateDeposited"),
        ),
        SourceCase(
            source="govuk-publications",
            fake=RecordedSearch.from_recordings,
            since=datetime(2024, 4, 1, tzinfo=UTC),
            until=datetime(2024, 4, 30, tzinfo=UTC),
            department=DHSC,
            bad_record={
                "link": "/government/news/bad-record",
                "title": "",
                "public_timestamp": "2024-04-20T10:00:00+01:00",
                "organisations": [{"slug": "department-of-health-and-social-care"}],
            },
            days=lambda record: _days(record, "public_timestamp"),
            lookbehind=timedelta(days=1),
            # GOV.UK's date filter has a start only: a poll reads everything newer than its window start.
            lookahead=timedelta(days=3650),
        ),
        SourceCase(
            source="whatson-events",
            fake=RecordedEvents.from_recordings,
            since=datetime(2024, 4, 15, tzinfo=UTC),
            until=datetime(2024, 4, 30, tzinfo=UTC),
            department=DFE,
            # An Education Committee session whose start is not a date.
            bad_record={
                "Id": 9_999_005,
                "StartDate": "2024-04-23T00:00:00",
                "StartTime": "not a time",
                "Category": "Oral evidence",
                "Committee": {"Id": 203, "Description": "Education Committee"},
            },
            days=_event_days,
            lookahead=timedelta(days=31),
            pages=False,
            attributed_by_query=True,
        ),
        # issue #15: committee publications and oral questions
        SourceCase(
            source="committee-publications",
            fake=RecordedPublications.from_recordings,
            since=datetime(2024, 12, 1, tzinfo=UTC),
            until=datetime(2024, 12, 31, tzinfo=UTC),
            department=DFE,
            # An Education Committee publication without a date.
            bad_record={"id": 9_999_006, "description": "Undated", "committee": {"id": 203, "name": "Education"}},
            days=lambda record: _days(record, "publicationStartDate"),
            # EndDate is a date-time (a bare date may be its midnight): the query ends the day after the window.
            lookahead=timedelta(days=1),
        ),
        SourceCase(
            source="oral-questions",
            fake=RecordedOralQuestions.from_recordings,
            since=datetime(2024, 4, 20, tzinfo=UTC),
            until=datetime(2024, 5, 7, tzinfo=UTC),
            department=DFE,
            # A DfE question without its text.
            bad_record={"Id": 9_999_007, "AnsweringBodyId": 60, "AnsweringWhen": "2024-04-29T00:00:00"},
            days=lambda record: _days(record, "AnsweringWhen", "answeringWhen"),
            # Questions are tabled for question times ahead: a poll reads three weeks past its window.
            lookahead=timedelta(weeks=3),
        ),
        SourceCase(
            source="bills",
            fake=RecordedBills.from_recordings,
            since=datetime(2024, 4, 15, tzinfo=UTC),
            until=datetime(2024, 5, 31, tzinfo=UTC),
            department=DFE,
            # Sponsored by DfE, but no title and an update that is not a date (the list keeps it: it cannot be placed).
            bad_record={
                "billId": 9_999_006,
                "shortTitle": "",
                "lastUpdate": "not a date",
                "sponsors": [{"organisation": {"name": "Department for Education"}}],
            },
            days=lambda record: _days(record, "lastUpdate"),
        ),
        SourceCase(
            source="statutory-instruments",
            fake=RecordedInstruments.from_recordings,
            since=datetime(2024, 4, 15, tzinfo=UTC),
            until=datetime(2024, 5, 31, tzinfo=UTC),
            department=DFE,
            # Laid by DfE, but no name and no date it was laid or made (the list keeps it: it cannot be placed).
            bad_record={"id": "Bad00001", "name": "", "layingBody": {"name": "Department for Education"}},
            days=_laid_days,
            # Instruments laid up to the procedure horizon before a window are read again for their new steps.
            lookbehind=PROCEDURE_HORIZON,
        ),
    )
}
