"""Dates at the edges of what an item accepts (the years 1900 to 2100) go all the way: stored, emailed, and shown by
the read side's page, JSON, Atom feed and calendars, none of them raising (a day added past the last accepted day, a
London time before the first)."""

from __future__ import annotations

import feedparser
import icalendar
import pytest

from infra.local.stack import LocalStack
from shared.domain.raw_record import RawRecordMessage
from tests.helpers import queue_raw
from tests.integration.read_side import EDUCATION, FIRST_FETCH, get, question, question_time

PAGE = f"/departments/{EDUCATION}"


def earliest() -> dict[str, object]:
    """A written question tabled, due and answered at the first moment an item accepts (London time, 1900)."""
    record = question(1, 5)
    for field in ("dateTabled", "dateForAnswer", "dateAnswered"):
        record[field] = "1900-01-01T00:00:00"
    return record


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"StartDate": "2100-12-31T00:00:00", "StartTime": "23:30", "EndTime": None}, id="last-evening"),
        pytest.param({"StartDate": "2100-12-31T00:00:00", "StartTime": None, "EndTime": None}, id="last-day-untimed"),
        pytest.param(
            {"StartDate": "2100-12-31T00:00:00", "EndDate": "2100-12-31T00:00:00", "CancelledDate": "2100-12-31"},
            id="last-day-cancelled",
        ),
    ],
)
def test_the_edges_of_the_accepted_years_are_emailed_and_shown_everywhere(stack: LocalStack, changes) -> None:
    # GIVEN a question time on the last day an item accepts, and a question from the first, through the pipeline
    queue_raw(
        stack,
        [
            RawRecordMessage(source=source, record=record, department=EDUCATION, fetched_at=FIRST_FETCH)
            for source, record in (("whatson-events", question_time(**changes)), ("written-questions", earliest()))
        ],
    )
    stack.drain()

    # THEN nothing was dead-lettered, and both were emailed (the notifier rendered them) with their dates
    assert stack.dead_letters() == []
    assert stack.dead_letters("NotifierFailureQueueUrl") == []
    emails = {d.message["item"]["source"]: d.email for d in stack.collect_deliveries()}
    assert "2100" in emails["whatson-events"] and "1900" in emails["written-questions"]
    # AND every read-side view of them answers and parses
    status, _, page = get(stack, PAGE)
    assert status == 200 and "2100" in page and "1900" in page
    assert get(stack, f"{PAGE}.json")[0] == 200
    status, _, body = get(stack, f"{PAGE}/feed.atom")
    feed = feedparser.parse(body)
    assert status == 200 and not feed.bozo and len(feed.entries) == 2
    status, _, body = get(stack, f"{PAGE}/calendar.ics")
    [event] = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert status == 200 and event.decoded("DTSTART").year == 2100
    assert event.decoded("DTEND") > event.decoded("DTSTART")
    assert get(stack, "/items/whatson-events:51301.ics")[0] == 200
    for item_id in ("whatson-events:51301", "written-questions:1700001"):
        assert get(stack, f"/items/{item_id}")[0] == 200
        assert get(stack, f"/items/{item_id}.json")[0] == 200
