"""The note on an item whose texts are only the list endpoint's shortened form (shared.domain.shortened): the same
sentence in the email, on the item's page, in its JSON and in the feeds."""

from __future__ import annotations

from shared.domain.kinds import text_name
from shared.domain.notification import Notification
from shared.domain.shortened import shortened_fields


def shortened_note(notification: Notification) -> str | None:
    """ "Answer shortened by Parliament's list; the full answer is on the source page: <url>", or None."""
    item = notification.item
    fields = shortened_fields(item.details)
    if not fields:
        return None
    what = " and ".join(text_name(item.kind, field) for field in fields)  # at most two texts
    verb = "are" if len(fields) > 1 else "is"
    return f"{what.capitalize()} shortened by Parliament's list; the full {what} {verb} on the source page: {item.url}"
