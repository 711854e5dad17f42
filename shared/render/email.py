"""Plain-text renderings of a notification: the email a subscriber reads, the subject line and the SMS line.

The email reads like a department page today (kind, title, department, dates, people, text, link). This module is the
frame every kind shares; what differs by kind is in that kind's renderer (shared.render.registry).
"""

from __future__ import annotations

import re
from datetime import datetime

from shared.domain.events import Event
from shared.domain.item import SCHEDULED_START
from shared.domain.notification import Notification
from shared.domain.text import one_line
from shared.render.base import departed, kind_label
from shared.render.formats import short_datetime
from shared.render.registry import renderer_for
from shared.render.shortened import shortened_note

SUBJECT_LIMIT = 99
"""SNS: "less than 100 characters"."""
SMS_LIMIT = 140
LINK_REMOVED = "[link]"
_LINK_IN_TEXT = re.compile(r"\S*://\S*")
SCHEDULED_START_CHANGE = f"details.{SCHEDULED_START}"
"""How Changes names a moved start (a `rescheduled` item): shown as "Was …, now …"."""


def subject(notification: Notification) -> str:
    """Fewer than 100 characters and one line, as SNS requires."""
    event = notification.event.label
    kind = kind_label(notification.item.kind).lower()
    return one_line(f"{event} {kind}{also(notification)}: {notification.item.title}", SUBJECT_LIMIT)


def also(notification: Notification) -> str:
    """The other events this version stands for (" (answered)" for a question first seen answered); usually none."""
    others = [event.label.lower() for event in notification.events if event is not notification.event]
    return f" ({listed(others)})" if others else ""


def listed(words: list[str]) -> str:
    """ "a", "a and b", "a, b and c" """
    return f"{', '.join(words[:-1])} and {words[-1]}" if len(words) > 1 else "".join(words)


def change_lines(notification: Notification) -> list[str]:
    lines = transfer_lines(notification)
    changes = notification.changes
    if changes is None:
        return lines
    starts = changes.previous.get(SCHEDULED_START_CHANGE)
    if SCHEDULED_START_CHANGE in changes.fields and starts and notification.item.details.get(SCHEDULED_START):
        was, now = (datetime.fromisoformat(str(v)) for v in (starts, notification.item.details[SCHEDULED_START]))
        lines.append(f"- Was {short_datetime(was)}, now {short_datetime(now)}")
    if "title" in changes.fields and changes.summary == ():
        lines.append("- Title changed")
    lines += [f"- {line}" for line in changes.summary]
    return lines


def transfer_lines(notification: Notification) -> list[str]:
    """ "- Transferred to the Department of Health and Social Care: no longer a question for this department" to a
    department the question left; "- Transferred from the Department for Education" to the one it went to."""
    transfer = notification.transfer
    if transfer is None:
        return []
    if departed(notification):
        went_to = listed([d.name for d in transfer.to_departments])
        return [f"- Transferred to the {went_to}: no longer a question for the {notification.item.department.name}"]
    came_from = [d.name for d in transfer.from_departments if d.slug != notification.item.department.slug]
    return [f"- Transferred from the {listed(came_from)}"] if came_from else []


def sms_text(notification: Notification) -> str:
    """The title and the item's link, its only link: one written in the title (a forged "Source page: https://…")
    is replaced, as a phone would offer it beside the real one."""
    item = notification.item
    title = _LINK_IN_TEXT.sub(LINK_REMOVED, item.title)
    head = one_line(f"{notification.event.label}{also(notification)}: {title}", SMS_LIMIT - len(item.url) - 1)
    return f"{head} {item.url}"


def email_text(notification: Notification) -> str:
    item = notification.item
    renderer = renderer_for(item.kind)
    lines = [
        renderer.headline(notification),
        item.title,
        f"Department: {item.department.name}",
        renderer.date_line(item),
    ]
    events = [event.label.lower() for event in notification.events if event is not Event.NEW]
    if notification.event is Event.NEW and events:
        lines.append(f"First seen already {listed(events)}")
    elif notification.event is not Event.NEW:
        lines.append(f"What changed: {listed(events)} (version {item.version})")
        lines += change_lines(notification)
    lines.append("")
    lines += renderer.email_section(notification)
    if note := shortened_note(notification):
        lines += [note, ""]
    if item.attachments:
        lines += ["Attachments:", *(f"- {a.title}: {a.url}" for a in item.attachments), ""]
    lines += [f"Source page: {item.url}", "", "—", f"deptwatch notification for {item.department.name}."]
    return "\n".join(lines)
