"""Plain-text renderings of a notification: the email a subscriber reads, the subject line and the SMS line.

The email reads like a department page today (kind, title, department, dates, people, text, link).
"""

from __future__ import annotations

from datetime import datetime

from shared.models.notification import Notification
from shared.text import one_line
from shared.timeutil import LONDON

SUBJECT_LIMIT = 100
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


def kind_label(notification: Notification) -> str:
    item = notification.item
    label = KIND_LABELS.get(item.kind, item.kind.replace("-", " ").title())
    return f"{label} ({item.category})" if item.category and item.kind == "publication" else label


def subject(notification: Notification) -> str:
    """At most 100 characters and one line, as SNS requires."""
    event = EVENT_LABELS[notification.event]
    return one_line(f"{event} {kind_label(notification).lower()}: {notification.item.title}", SUBJECT_LIMIT)


def sms_text(notification: Notification) -> str:
    item = notification.item
    head = one_line(f"{EVENT_LABELS[notification.event]}: {item.title}", SMS_LIMIT - len(item.url) - 1)
    return f"{head} {item.url}"


def _people(notification: Notification, role: str) -> list[str]:
    return [person.display() for person in notification.item.people if person.role == role]


def _written_question(notification: Notification) -> list[str]:
    item = notification.item
    lines: list[str] = []
    for asker in _people(notification, "asked-by"):
        lines += [f"Asked by: {asker}", ""]
    lines += [f"Question to the {item.department.name}:", "", item.summary or "", ""]
    if item.body:
        answerers = _people(notification, "answered-by")
        answered = f"Answered by {answerers[0]}" if answerers else "Answer"
        heading = "Holding answer" if notification.event == "holding-answer" else answered
        lines += [heading, "", item.body, ""]
        for corrector in _people(notification, "corrected-by"):
            lines += [f"Corrected by {corrector}", ""]
    else:
        lines += ["Not answered yet.", ""]
    return lines


def _generic(notification: Notification) -> list[str]:
    item = notification.item
    lines = [f"{person.role.replace('-', ' ').capitalize()}: {person.display()}" for person in item.people]
    if lines:
        lines.append("")
    for text in (item.summary, item.body):
        if text:
            lines += [text, ""]
    return lines


_SECTIONS = {"written-question": _written_question}


def email_text(notification: Notification) -> str:
    item = notification.item
    lines = [
        f"{kind_label(notification)} — {EVENT_LABELS[notification.event].lower()}",
        item.title,
        f"Department: {item.department.name}",
        long_date(item.updated_at),
        "",
    ]
    lines += _SECTIONS.get(item.kind, _generic)(notification)
    if item.attachments:
        lines += ["Attachments:", *(f"- {a.title}: {a.url}" for a in item.attachments), ""]
    lines += [f"Source page: {item.url}", "", "—", f"deptwatch: {item.department.name}, version {item.version}."]
    return "\n".join(lines)
