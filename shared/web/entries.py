"""An item as a page lists it: the seed's layout (kind and category, title, date, people, the text cut to a paragraph,
Source page and Document links, an event's time and place), from the notification alone, with the same words the
emails use (shared/render/)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from shared.domain.kinds import Kind
from shared.domain.notification import Notification
from shared.render.email import change_lines
from shared.render.registry import renderer_for
from shared.render.shortened import shortened_note

EXCERPT_CHARACTERS = 400
"""The most of an item's text a list shows before "more"."""


def item_path(item_id: str, suffix: str = "") -> str:
    """An item's page: /items/<id> (its id percent-encoded but for `:`), `suffix` e.g. ".json" or ".ics"."""
    return f"/items/{quote(item_id, safe=':')}{suffix}"


@dataclass(frozen=True)
class Link:
    text: str
    url: str
    note: str = ""


@dataclass(frozen=True)
class Entry:
    item_id: str
    kind: str
    headline: str
    where: str
    title: str
    date: str
    departments: str
    people: tuple[tuple[str, str], ...]
    excerpt: str
    cut: bool
    source: Link
    documents: tuple[Link, ...]
    calendar: str | None
    cancelled: bool
    version: int
    changes: tuple[str, ...]
    events: tuple[str, ...]
    shortened: str | None = None
    """The note that its texts are only the list's shortened form (shared.render.shortened), or None."""

    @property
    def path(self) -> str:
        return item_path(self.item_id)


def entry(notification: Notification) -> Entry:
    item = notification.item
    renderer = renderer_for(item.kind)
    headline, _, where = renderer.headline(notification).partition("\n")
    text = item.summary or item.body or ""
    excerpt, cut = _first_paragraph(text)
    return Entry(
        item_id=item.id,
        kind=item.kind,
        headline=headline,
        where=where,
        title=item.title,
        date=renderer.date_line(item),
        departments=", ".join(department.name for department in item.departments),
        people=tuple((person.role.replace("-", " ").capitalize(), person.display()) for person in item.people),
        excerpt=excerpt,
        cut=cut or bool(item.summary and item.body),
        source=Link(item.title, item.url),
        documents=tuple(Link(a.title, a.url, a.file_type or "") for a in item.attachments),
        calendar=item_path(item.id, ".ics") if item.kind == Kind.SCHEDULED_EVENT else None,
        cancelled=item.state == "cancelled",
        version=item.version,
        changes=tuple(line.removeprefix("- ") for line in change_lines(notification)),
        events=tuple(event.label for event in notification.events),
        shortened=shortened_note(notification),
    )


def _first_paragraph(text: str) -> tuple[str, bool]:
    paragraph = text.strip().split("\n", 1)[0].strip()
    if len(paragraph) > EXCERPT_CHARACTERS:
        return paragraph[:EXCERPT_CHARACTERS].rsplit(" ", 1)[0] + " …", True
    return paragraph, paragraph != text.strip()
