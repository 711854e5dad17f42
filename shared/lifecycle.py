"""What happened between two versions of an item: the `event` of a notification."""

from __future__ import annotations

from shared.models.item import Item
from shared.models.notification import Event

_STATE_EVENTS: dict[str, Event] = {
    "answered": "answered",
    "holding-answer": "holding-answer",
    "corrected": "corrected",
    "withdrawn": "withdrawn",
    "cancelled": "cancelled",
}


def classify(old: Item | None, new: Item) -> Event:
    """`new` for a first version (even one that arrives already answered); else what the state change says.

    A scheduled event whose `details.starts_at` moved is `rescheduled`; any other material change is `updated`.
    """
    if old is None:
        return "new"
    if new.state != old.state and new.state in _STATE_EVENTS:
        return _STATE_EVENTS[new.state]
    if new.state == "corrected" and new.body != old.body:
        return "corrected"
    if new.details.get("starts_at") != old.details.get("starts_at"):
        return "rescheduled"
    return "updated"
