"""Unit-test fixtures: the real answered written question 1679416 as an item and as its first notification."""

from __future__ import annotations

from typing import Any

import pytest

from shared.domain.events import Event
from shared.domain.item import Item
from shared.domain.notification import Notification
from shared.sources.written_questions import WrittenQuestionsSource


@pytest.fixture
def item(raw_message: Any, detail_record: dict[str, Any]) -> Item:
    return WrittenQuestionsSource().parse(raw_message(detail_record))


@pytest.fixture
def notification(item: Item) -> Notification:
    return Notification.for_department(item, 1, Event.NEW, item.departments[0])
