"""How a scheduled event (a question time, a committee session) reads: as the department page lists it."""

from __future__ import annotations

from datetime import date, datetime

from shared.domain.events import Event
from shared.domain.item import SCHEDULED_START
from shared.domain.notification import Notification, NotificationItem
from shared.domain.timeutil import LONDON
from shared.render.base import KindRenderer, kind_label
from shared.render.formats import clock, short_date, when


class ScheduledEventRenderer(KindRenderer):
    def headline(self, notification: Notification) -> str:
        """ "Scheduled Event - 29 Apr 2024, 2:30 p.m." over "Commons - Oral questions - Main Chamber"."""
        item = notification.item
        details = item.details
        starts_at = details.get(SCHEDULED_START) or item.published_at.isoformat()
        where = [
            item.house.capitalize() if item.house else None,
            details.get("committee"),
            item.category,
            details.get("type"),
        ]
        return f"{kind_label(item.kind)} - {when(starts_at)}\n" + " - ".join(part for part in where if part)

    def date_line(self, item: NotificationItem) -> str:
        """The day as the headline shows it, with the start and end times when they are scheduled."""
        starts_at, ends_at = item.details.get(SCHEDULED_START), item.details.get("ends_at")
        line = short_date(item.published_at.astimezone(LONDON).date())
        if isinstance(starts_at, str) and "T" in starts_at:
            line += f", {clock(item.published_at.astimezone(LONDON))}"
            if isinstance(ends_at, str) and "T" in ends_at:
                line += f" to {clock(datetime.fromisoformat(ends_at).astimezone(LONDON))}"
        return line

    def email_section(self, notification: Notification) -> list[str]:
        """Cancelled or moved first, then where, who (members, witnesses), the Description and notes."""
        item = notification.item
        lines: list[str] = []
        cancelled_on = item.details.get("cancelled_on")
        if item.state == "cancelled" and isinstance(cancelled_on, str):
            lines += [f"CANCELLED on {short_date(date.fromisoformat(cancelled_on))}", ""]
        elif notification.event == Event.RESCHEDULED:
            # The start as the headline shows it (a start no longer given falls back to the publication time).
            starts_at = item.details.get(SCHEDULED_START) or item.published_at.isoformat()
            lines += [f"RESCHEDULED: now {when(str(starts_at))}", ""]
        if item.details.get("location"):
            lines += [f"Location: {item.details['location']}", ""]
        return lines + super().email_section(notification)
