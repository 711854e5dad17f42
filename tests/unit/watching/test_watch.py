"""The watch model: what it accepts (validated against the known sets) and which notifications it selects."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from shared.domain.events import Event
from shared.domain.notification import Notification
from shared.watching.query import SearchText
from shared.watching.watch import Frequency, Watch, watch_topic_name


def test_defaults_a_watch_to_immediate_on_everything() -> None:
    watch = Watch(name="raac")
    assert watch.frequency is Frequency.IMMEDIATE
    assert watch.query is None and watch.departments == ()
    assert watch_topic_name("deptwatch", "raac") == "deptwatch-watch-raac"
    assert watch.topic_arn("arn:aws:sns:eu-west-2:1:deptwatch-") == "arn:aws:sns:eu-west-2:1:deptwatch-watch-raac"


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        ({"name": "Has Space"}, "lower-case letters"),
        ({"name": "-leading"}, "lower-case letters"),
        ({"name": "x" * 101}, "at most 100"),
        ({"name": ""}, "lower-case letters"),
        ({"name": "w", "query": '"unbalanced'}, "at character 12: expected a closing"),
        ({"name": "w", "query": "a AND"}, "at character 6"),
        ({"name": "w", "departments": ["department-for-nothing"]}, "unknown department 'department-for-nothing'"),
        ({"name": "w", "sources": ["hansard"]}, "unknown source 'hansard'"),
        ({"name": "w", "kinds": ["tweet"]}, "unknown kind 'tweet'"),
        ({"name": "w", "events": ["exploded"]}, "unknown event 'exploded'"),
        ({"name": "w", "houses": ["both"]}, "unknown house 'both'"),
        ({"name": "w", "frequency": "hourly"}, "frequency"),
        ({"name": "w", "colour": "red"}, "colour"),
    ],
)
def test_refuses_what_it_cannot_honour(fields: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Watch.model_validate(fields)
    assert complaint in str(raised.value)


def test_values_are_read_lower_case_once() -> None:
    watch = Watch(name="w", kinds=("Written-Question", "written-question"), houses=("LORDS",))
    assert watch.kinds == ("written-question",) and watch.houses == ("lords",)


def test_round_trips_through_its_stored_form() -> None:
    watch = Watch(name="w", query="apprentice*", departments=("department-for-education",), frequency="daily")
    assert Watch.model_validate(watch.stored()) == watch


def _with(notification: Notification, **item: Any) -> Notification:
    return notification.model_copy(update={"item": notification.item.model_copy(update=item)})


def test_filters_select_on_the_item_and_any_of_its_events(notification: Notification) -> None:
    item = notification.item
    department = item.departments[0].slug
    answered = notification.model_copy(update={"event": Event.NEW, "events": (Event.NEW, Event.ANSWERED)})
    assert Watch(name="w").matches(notification)
    assert Watch(name="w", departments=(department,)).matches(notification)
    assert not Watch(name="w", departments=("hm-treasury",)).matches(notification)
    assert Watch(name="w", sources=(item.source,), kinds=(item.kind,)).matches(notification)
    assert not Watch(name="w", kinds=("publication",)).matches(notification)
    assert Watch(name="w", events=("answered",)).matches(answered)
    assert not Watch(name="w", events=("corrected",)).matches(answered)
    assert item.house == "commons"
    assert Watch(name="w", houses=("commons",)).matches(notification)
    assert not Watch(name="w", houses=("lords",)).matches(notification)
    assert not Watch(name="w", categories=("guidance",)).matches(notification)  # the question has no category
    assert Watch(name="w", categories=("guidance",)).matches(_with(notification, category="Guidance"))
    agency = _with(notification, details={"organisation": "driver-and-vehicle-licensing-agency"})
    assert Watch(name="w", organisations=("driver-and-vehicle-licensing-agency",)).matches(agency)
    assert not Watch(name="w", organisations=("driver-and-vehicle-licensing-agency",)).matches(notification)


def test_the_query_is_asked_after_the_filters(notification: Notification) -> None:
    title_word = notification.item.title.split()[0]
    assert Watch(name="w", query=title_word).matches(notification)
    assert not Watch(name="w", query=f"{title_word} -{title_word}").matches(notification)
    # one item's words shared by every watch
    text = SearchText.of(notification.item)
    assert Watch(name="w", query=title_word).matches(notification, text)
