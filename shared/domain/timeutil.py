"""Timestamps: Parliament's naive times are Europe/London; everything we publish is ISO 8601 with an offset."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def in_london(value: datetime) -> datetime:
    """An aware datetime: a naive upstream time is taken as London local time; an aware one is kept as it is."""
    return value.replace(tzinfo=LONDON) if value.tzinfo is None else value


def london_date(value: datetime) -> date:
    return in_london(value).astimezone(LONDON).date()


def utc_now() -> datetime:
    return datetime.now(UTC)
