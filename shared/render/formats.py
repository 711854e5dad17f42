"""Dates and times as the department pages show them. A leaf: it knows datetimes, not items or sources.

Each kind's dates have one look: the seed page's where it shows the kind (scheduled events "29 Apr 2024, 2:30 p.m.",
GOV.UK publications and deposited papers "Apr. 19 2024", written questions "Thursday 18th April 2024"), and the
written questions' long look for every other kind and for what is not an item's (a digest's period)."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from shared.domain.timeutil import LONDON

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DOTTED_MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May", "Jun.", "Jul.", "Aug.", "Sep.", "Oct.", "Nov.", "Dec.")
"""GOV.UK's abbreviations (a full stop after all but May)."""


def long_date(value: datetime) -> str:
    """ "Thursday 18th April 2024", as the department page shows dates."""
    local = value.astimezone(LONDON)
    day = local.day
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{local:%A} {day}{suffix} {local:%B %Y}"


def long_day(day: date) -> str:
    """ "Monday 29th April 2024" of a calendar day (noon in London: the same day whatever the offset)."""
    return long_date(datetime.combine(day, time(12), LONDON))


def long_day_of(value: object) -> str | None:
    """ "Monday 29th April 2024" of an ISO day ("2024-04-29", a detail); None when the value is not one."""
    try:
        return long_day(date.fromisoformat(value)) if isinstance(value, str) else None
    except ValueError:
        return None


ISO_DAY = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def long_days_in(text: str) -> str:
    """The ISO days written in a text built from upstream facts ("2nd reading (Commons, 2024-04-29)") in the long
    look."""

    return ISO_DAY.sub(lambda match: long_day_of(match.group(1)) or match.group(0), text)


def short_date(day: date) -> str:
    """ "29 Apr 2024", as the department page shows scheduled events."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def month_first_date(value: datetime) -> str:
    """ "Apr. 19 2024" (the London day), as the department page dates GOV.UK publications."""
    local = value.astimezone(LONDON)
    return f"{DOTTED_MONTHS[local.month - 1]} {local.day} {local.year}"


def clock(moment: datetime) -> str:
    """ "2:30 p.m.", "9:30 a.m.", "12:00 p.m.": 12-hour, minutes always shown (of the time as given)."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'a.m.' if moment.hour < 12 else 'p.m.'}"


def short_datetime(value: datetime) -> str:
    """ "29 Apr 2024, 2:30 p.m." in London time."""
    local = value.astimezone(LONDON)
    return f"{short_date(local.date())}, {clock(local)}"


def when(starts_at: str) -> str:
    """ "29 Apr 2024, 2:30 p.m." from a scheduled start (shared.domain.item.SCHEDULED_START); the date alone when no
    time is scheduled."""
    if "T" not in starts_at:
        return short_date(date.fromisoformat(starts_at))
    return short_datetime(datetime.fromisoformat(starts_at))
