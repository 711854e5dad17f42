"""A stream record's notifications are worked out once, however many readers ask (rendering, the digest matches, the
read index): their what-changed summary diffs the whole body word by word."""

from __future__ import annotations

from typing import Any

import pytest

import shared.pipeline.notifying as notifying
from shared.pipeline.notifying import VersionChange
from shared.sources.written_questions import WrittenQuestionsSource


def test_the_notifications_of_a_change_are_built_once(
    raw_message: Any, detail_record: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = WrittenQuestionsSource().parse(raw_message(detail_record))
    change = VersionChange("1", (item, 2), (item.model_copy(update={"title": "Before"}), 1))
    calls = []
    real = notifying.notifications_for
    monkeypatch.setattr(notifying, "notifications_for", lambda c: calls.append(c) or real(c))

    first, again = change.notifications, change.notifications

    assert first is again and len(calls) == 1
    assert [n.item.department.slug for n in first] == [d.slug for d in item.departments]
