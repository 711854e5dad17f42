"""The real answered written question 1679416 (Department for Education), as the unit tests of rendering use it;
its `item` and `notification` fixtures are in tests/unit/conftest.py."""

from __future__ import annotations

import re
from typing import Any

from shared.domain.events import Event
from shared.domain.item import Item
from shared.domain.notification import Notification

TAG = re.compile(r"</?[A-Za-z][^>]*>")
"""What reads as an HTML tag: none may reach a rendering."""
PAGE = "https://questions-statements.parliament.uk/written-questions/detail/2024-01-05/7926"
"""The question's public page."""


def notify(item: Item, **changes: Any) -> Notification:
    """The notification of a first version of `item` with `changes` made to it."""
    changed = item.model_copy(update=changes)
    return Notification.for_department(changed, 1, Event.NEW, changed.departments[0])
