"""Scheduled events as iCalendar (RFC 5545): a department's subscribable calendar, and one event's.

Times are Europe/London with its VTIMEZONE (the rules as RRULEs, not a list of dates that runs out); each event's UID
is its item id, so a subscribed calendar updates the event it has instead of adding another; SEQUENCE is the version
less one, so it rises with every new version (a reschedule among them); a cancelled event stays, STATUS:CANCELLED.
icalendar does the escaping and line folding: it is imported with the first calendar asked for, not at cold start.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from shared.domain.item import SCHEDULED_START
from shared.domain.notification import Notification
from shared.domain.timeutil import LONDON

PRODUCT_ID = "-//deptwatch//read side//EN"
UNTIMED_LENGTH = timedelta(hours=1)
"""How long an event with a start time but no end is shown."""


def uid(item_id: str) -> str:
    return f"{item_id}@deptwatch"


def calendar(name: str, events: Sequence[tuple[Notification, str, str]]) -> str:
    """`events`: each event's notification, when its version was fetched (UTC ISO) and its page's absolute URL."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", PRODUCT_ID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/London")
    cal.add_component(_london())
    for notification, version_at, page in events:
        item = notification.item
        event = Event()
        event.add("uid", uid(item.id))
        event.add("dtstamp", datetime.fromisoformat(version_at))
        starts = str(item.details.get(SCHEDULED_START) or item.published_at.isoformat())
        if "T" in starts:
            start = datetime.fromisoformat(starts).astimezone(LONDON)
            ends = item.details.get("ends_at")
            end = datetime.fromisoformat(ends).astimezone(LONDON) if isinstance(ends, str) and "T" in ends else None
            event.add("dtstart", start)
            event.add("dtend", end if end and end > start else start + UNTIMED_LENGTH)
        else:
            day = date.fromisoformat(starts[:10])
            event.add("dtstart", day)
            event.add("dtend", day + timedelta(days=1))
        event.add("sequence", item.version - 1)
        event.add("status", "CANCELLED" if item.state == "cancelled" else "CONFIRMED")
        event.add("summary", item.title)
        where = [item.house.capitalize() if item.house else None, item.details.get("committee"), item.category]
        location = item.details.get("location")
        if location:
            event.add("location", str(location))
        described = " - ".join(str(part) for part in where if part)
        event.add("description", f"{described}\n{page}\nSource: {item.url}".strip())
        event.add("url", page)
        cal.add_component(event)
    return str(cal.to_ical().decode())


def _london() -> Any:
    """Europe/London's VTIMEZONE: GMT, and BST from the last Sunday of March to the last Sunday of October."""
    from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

    zone = Timezone()
    zone.add("tzid", "Europe/London")
    summer = TimezoneDaylight()
    summer.add("tzname", "BST")
    summer.add("dtstart", datetime(1970, 3, 29, 1, 0))
    summer.add("tzoffsetfrom", timedelta(0))
    summer.add("tzoffsetto", timedelta(hours=1))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1SU"})
    winter = TimezoneStandard()
    winter.add("tzname", "GMT")
    winter.add("dtstart", datetime(1970, 10, 25, 2, 0))
    winter.add("tzoffsetfrom", timedelta(hours=1))
    winter.add("tzoffsetto", timedelta(0))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1SU"})
    zone.add_component(summer)
    zone.add_component(winter)
    return zone
