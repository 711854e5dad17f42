"""Plain-text renderings of a notification: the email a subscriber reads, the subject line and the SMS line.

The email reads like a department page today (kind, title, department, dates, people, text, link).
"""

from __future__ import annotations

from datetime import datetime

from shared.domain.notification import Notification
from shared.domain.text import one_line
from shared.domain.timeutil import LONDON

SUBJECT_LIMIT = 99
"""SNS: "less than 100 characters"."""
SMS_LIMIT = 140

KIND_LABELS = {
    "written-question": "Written Question",
    "written-statement": "Written Statement",
    "publication": "Departmental Publication",
    "deposited-paper": "Deposited Papers",
    "scheduled-event": "Scheduled Event",
}
EVENT_LABELS = {
    "new": "New",
    "answered": "Answered",
    "holding-answer": "Holding answer",
    "corrected": "Corrected",
    "withdrawn": "Withdrawn",
    "updated": "Updated",
    "rescheduled": "Rescheduled",
    "cancelled": "Cancelled",
}


def long_date(value: datetime) -> str:
    """ "Thursday 18th April 2024", as the department page shows dates."""
    local = value.astimezone(LONDON)
    day = local.day
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{local:%A} {day}{suffix} {local:%B %Y}"


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("-", " ").title())


def subject(notification: Notification) -> str:
    """Fewer than 100 characters and one line, as SNS requires."""
    event = EVENT_LABELS[notification.event]
    return one_line(f"{event} {kind_label(notification.item.kind).lower()}: {notification.item.title}", SUBJECT_LIMIT)


def change_lines(notification: Notification) -> list[str]:
    changes = notification.changes
    if changes is None:
        return []
    lines = []
    starts = changes.previous.get("details.starts_at")
    if "details.starts_at" in changes.fields and starts and notification.item.details.get("starts_at"):
        was, now = (datetime.fromisoformat(str(v)) for v in (starts, notification.item.details["starts_at"]))
        lines.append(f"- Was {short_datetime(was)}, now {short_datetime(now)}")
    if "title" in changes.fields and changes.summary == ():
        lines.append("- Title changed")
    lines += [f"- {line}" for line in changes.summary]
    return lines


def short_datetime(value: datetime) -> str:
    """ "29 Apr 2024, 2:30 p.m.", as the department page shows scheduled events."""
    local = value.astimezone(LONDON)
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%b %Y}, {hour}:{local:%M} {'a.m.' if local.hour < 12 else 'p.m.'}"


def people_with_role(notification: Notification, role: str) -> list[str]:
    return [person.display() for person in notification.item.people if person.role == role]


def sms_text(notification: Notification) -> str:
    item = notification.item
    head = one_line(f"{EVENT_LABELS[notification.event]}: {item.title}", SMS_LIMIT - len(item.url) - 1)
    return f"{head} {item.url}"


def email_text(notification: Notification) -> str:
    from shared.sources import get_source

    item = notification.item
    source = get_source(item.source)
    lines = [source.headline(notification), item.title, f"Department: {item.department.name}", source.date_line(item)]
    if notification.event != "new":
        lines.append(f"What changed: {EVENT_LABELS[notification.event].lower()} (version {item.version})")
        lines += change_lines(notification)
    lines.append("")
    lines += source.email_section(notification)
    if item.attachments:
        lines += ["Attachments:", *(f"- {a.title}: {a.url}" for a in item.attachments), ""]
    lines += [f"Source page: {item.url}", "", "—", f"deptwatch notification for {item.department.name}."]
    return "\n".join(lines)
