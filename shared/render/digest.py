"""How a digest reads in an e-mail: grouped as the department page and Parallel Parliament's weekly alert are.

A Calendar first (scheduled events in the coming 7 days: date, time and place), then written statements, written
questions (answered, then tabled), publications by category, deposited papers, and anything else. Each entry is one
title line, its date (as the kind's renderer dates it), who, one short extract and the link.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from shared.domain.digest import Digest
from shared.domain.item import SCHEDULED_START
from shared.domain.kinds import Kind
from shared.domain.notification import NotificationItem
from shared.domain.text import one_line
from shared.render.base import kind_label
from shared.render.formats import long_date, when
from shared.render.registry import renderer_for

CALENDAR_AHEAD = timedelta(days=7)
EXTRACT_LIMIT = 240
SUBJECT_LIMIT = 99
ANSWERED_STATES = ("answered", "corrected")
"""A written question in one of these states has its answer (a holding answer is not one)."""


def _starts_at(item: NotificationItem) -> datetime | None:
    starts_at = item.details.get(SCHEDULED_START)
    if not isinstance(starts_at, str):
        return None
    try:
        start = datetime.fromisoformat(starts_at if "T" in starts_at else f"{starts_at}T00:00:00+00:00")
    except ValueError:
        return None
    return start if start.tzinfo else None


def sections(items: Sequence[NotificationItem], at: datetime) -> list[tuple[str, list[NotificationItem]]]:
    """The digest's sections in reading order, each with its items; every item in exactly one section."""
    calendar: list[tuple[datetime, NotificationItem]] = []
    other_events: list[NotificationItem] = []
    statements: list[NotificationItem] = []
    answered: list[NotificationItem] = []
    tabled: list[NotificationItem] = []
    publications: dict[str, list[NotificationItem]] = {}
    papers: list[NotificationItem] = []
    others: dict[str, list[NotificationItem]] = {}
    for item in items:
        if item.kind == Kind.SCHEDULED_EVENT:
            start = _starts_at(item)
            if start is not None and at <= start <= at + CALENDAR_AHEAD:
                calendar.append((start, item))
            else:
                other_events.append(item)
        elif item.kind == Kind.WRITTEN_STATEMENT:
            statements.append(item)
        elif item.kind == Kind.WRITTEN_QUESTION:
            (answered if item.state in ANSWERED_STATES else tabled).append(item)
        elif item.kind == Kind.PUBLICATION:
            publications.setdefault(item.category or "Other", []).append(item)
        elif item.kind == Kind.DEPOSITED_PAPER:
            papers.append(item)
        else:
            others.setdefault(kind_label(item.kind), []).append(item)
    ordered: list[tuple[str, list[NotificationItem]]] = [
        ("Calendar: the coming 7 days", [item for _, item in sorted(calendar, key=lambda pair: pair[0])]),
        ("Written statements", statements),
        ("Written questions: answered", answered),
        ("Written questions: tabled", tabled),
        *((f"Publications: {category}", listed) for category, listed in sorted(publications.items())),
        ("Deposited papers", papers),
        ("Other scheduled events", other_events),
        *sorted(others.items()),
    ]
    return [(title, listed) for title, listed in ordered if listed]


def entry_lines(item: NotificationItem) -> list[str]:
    """One entry: the title line, the date (a scheduled event: its start and place), who, an extract, the link."""
    lines = [f"- {item.title}"]
    if item.kind == Kind.SCHEDULED_EVENT and isinstance(item.details.get(SCHEDULED_START), str):
        where = item.details.get("location")
        lines.append(f"  {when(str(item.details[SCHEDULED_START]))}" + (f", {where}" if where else ""))
    else:
        lines.append(f"  {renderer_for(item.kind).date_line(item)}")
    people = [f"{p.role.replace('-', ' ').capitalize()}: {p.display()}" for p in item.people[:2]]
    if people:
        lines.append(f"  {'; '.join(people)}")
    extract = one_line(item.summary or item.body, EXTRACT_LIMIT)
    if extract:
        lines.append(f"  {extract}")
    lines.append(f"  {item.url}")
    return lines


def digest_subject(digest: Digest) -> str:
    frequency = "Daily" if digest.digest == "daily" else "Weekly"
    count = f"{digest.total} item{'s' if digest.total != 1 else ''}"
    return one_line(f"{frequency} digest, {digest.watch}: {count} to {long_date(digest.period.end)}", SUBJECT_LIMIT)


def digest_email(digest: Digest) -> str:
    frequency = "daily" if digest.digest == "daily" else "weekly"
    lines = [
        f"deptwatch {frequency} digest: {digest.watch}",
        f"{digest.total} item{'s' if digest.total != 1 else ''} matched from {long_date(digest.period.start)} "
        f"to {long_date(digest.period.end)}",
        "",
    ]
    for title, listed in sections(digest.items, digest.period.end):
        lines += [f"== {title} ({len(listed)}) ==", ""]
        for item in listed:
            lines += [*entry_lines(item), ""]
    if digest.omitted:
        lines += [f"... and {digest.omitted} more (too many for one message: see the watch's items on the site)", ""]
    lines += ["—", f"deptwatch {frequency} digest for the watch {digest.watch}."]
    return "\n".join(lines)


def digest_sms(digest: Digest) -> str:
    return one_line(f"deptwatch {digest.digest} digest {digest.watch}: {digest.total} items", 140)
