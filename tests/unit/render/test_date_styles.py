"""Issue #16: each kind's e-mail writes every date it writes itself in one look: the seed page's where the seed shows
the kind, the written questions' long look for every other kind."""

from __future__ import annotations

import itertools
import re

import pytest

from shared.domain.events import Event
from shared.domain.item import PROGRESS_STAGE
from shared.domain.kinds import Kind
from shared.render.email import email_text
from tests.unit.render.test_every_kind_and_event import notification

MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
LOOKS = {
    "long": re.compile(r"\b[A-Z][a-z]+day \d{1,2}(?:st|nd|rd|th) [A-Z][a-z]+ \d{4}\b"),  # Thursday 18th April 2024
    "short": re.compile(rf"\b\d{{1,2}} {MONTH} \d{{4}}\b"),  # 29 Apr 2024
    "month-first": re.compile(rf"\b{MONTH}\.? \d{{1,2}} \d{{4}}\b"),  # Apr. 19 2024
    "day-month": re.compile(r"\b\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|"
                            r"November|December) \d{4}\b"),  # 5 January 2024
    "iso": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
}  # fmt: skip
SEED_LOOKS = {
    Kind.SCHEDULED_EVENT: "short",
    Kind.PUBLICATION: "month-first",
    Kind.DEPOSITED_PAPER: "month-first",
    Kind.WRITTEN_QUESTION: "long",
}
"""As /work/shared/seed-page.txt shows these kinds ("Scheduled Event - 29 Apr 2024, 2:30 p.m.", "Apr. 19 2024",
"Thursday 18th April 2024")."""
DATED_DETAILS = {
    "date_answered": "2024-04-25",
    "date_for_answer": "2024-04-24",
    "question_time": "2024-04-29",
    "made": "2024-04-15",
    "laid_commons": "2024-04-17",
    "laid_lords": "2024-04-17",
    "coming_into_force": "2024-05-08",
    PROGRESS_STAGE: "2nd reading (Commons, 2024-04-29)",
    "stages": "1st reading (Commons, 2024-04-17); 2nd reading (Commons, 2024-04-29)",
    "steps": "Laid (Commons, 2024-04-17); JCSI scrutiny completed (Commons and Lords, 2024-04-24)",
    "latest_publication": "Explanatory Notes (2024-04-18)",
    "response_deadline": "2024-06-01",
}
"""Every dated detail some kind's e-mail shows."""


def looks_in(text: str) -> set[str]:
    return {name for name, pattern in LOOKS.items() if pattern.search(text)}


@pytest.mark.parametrize(
    ("kind", "event"),
    [
        *itertools.product(Kind, (Event.NEW,)),
        (Kind.SCHEDULED_EVENT, Event.RESCHEDULED),
        (Kind.SCHEDULED_EVENT, Event.CANCELLED),
    ],
)
def test_every_date_of_a_kind_s_email_has_the_kind_s_one_look(kind: Kind, event: Event) -> None:
    # GIVEN a notification of this kind with every dated detail any kind shows (no dates in its texts or links)
    note = notification(kind, event)
    item = note.item.model_copy(update={"details": {**note.item.details, **DATED_DETAILS}})
    # WHEN its e-mail is written
    text = email_text(note.model_copy(update={"item": item}))
    # THEN its dates are all in one look: the seed page's for this kind, or else the long one
    assert looks_in(text) == {SEED_LOOKS.get(kind, "long")}, text


def test_the_looks_are_told_apart() -> None:
    assert looks_in("Thursday 18th April 2024") == {"long"}
    assert looks_in("29 Apr 2024, 2:30 p.m.") == {"short"}
    assert looks_in("Apr. 19 2024") == looks_in("May 2 2024") == {"month-first"}
    assert looks_in("tabled 5 January 2024") == {"day-month"}
    assert looks_in("(Commons, 2024-04-17)") == {"iso"}


def test_iso_days_in_upstream_facts_are_written_long_and_other_numbers_left() -> None:
    from shared.render.formats import long_days_in

    assert long_days_in("2nd reading (Commons, 2024-04-29)") == "2nd reading (Commons, Monday 29th April 2024)"
    assert long_days_in("Bill 12 EN 2024-25 (2024-13-45)") == "Bill 12 EN 2024-25 (2024-13-45)"
