"""One closed set per idea (shared/domain/events.py, kinds.py): every event carries its label and lifecycle rule,
every kind its label; a member without them cannot be defined, and every rule can be reached."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.domain.events import Event, EventBase, Precedence, Rule, first_version
from shared.domain.item import PROGRESS_STAGE, SCHEDULED_START, DepartmentRef, Item
from shared.domain.kinds import Kind
from shared.domain.lifecycle import classify
from shared.sources import SOURCE_NAMES, get_source

NOON = datetime(2024, 4, 29, 12, 0, tzinfo=UTC)


def item(**fields: Any) -> Item:
    values: dict[str, Any] = {
        "id": "written-questions:1",
        "source": "written-questions",
        "kind": Kind.WRITTEN_QUESTION,
        "departments": (DepartmentRef(slug="department-for-education", name="Department for Education"),),
        "title": "A title",
        "url": "https://example.org/1",
        "published_at": NOON,
        "updated_at": NOON,
        "state": "tabled",
        "body": "Text.",
    }
    return Item(**{**values, **fields})


# One (old, new) pair per event that the lifecycle must classify as that event: a new event needs one here.
EXAMPLES: dict[Event, tuple[Item | None, Item]] = {
    Event.NEW: (None, item(state="answered")),
    Event.ANSWERED: (item(state="holding-answer"), item(state="answered")),
    Event.HOLDING_ANSWER: (item(), item(state="holding-answer")),
    Event.CORRECTED: (item(state="corrected"), item(state="corrected", body="Corrected text.")),
    Event.WITHDRAWN: (item(state="answered"), item(state="withdrawn")),
    Event.UPDATED: (item(), item(title="Another title")),
    Event.RESCHEDULED: (
        item(state="scheduled", details={SCHEDULED_START: "2024-04-30T09:30:00+01:00"}),
        item(state="scheduled", details={SCHEDULED_START: "2024-05-07T10:00:00+01:00"}),
    ),
    Event.CANCELLED: (
        item(state="scheduled", details={SCHEDULED_START: "2024-04-30T09:30:00+01:00"}),
        item(state="cancelled", details={SCHEDULED_START: "2024-05-07T10:00:00+01:00"}),
    ),
    Event.TRANSFERRED: (item(state="to-be-asked"), item(state="transferred")),
    Event.PROGRESSED: (
        item(state="in-progress", details={PROGRESS_STAGE: "2nd reading (Commons, 2024-05-01)"}),
        item(state="in-progress", details={PROGRESS_STAGE: "Committee stage (Commons, 2024-05-14)"}),
    ),
}


@pytest.mark.parametrize("event", list(Event))
def test_every_event_has_a_label_and_a_rule(event):
    assert event.label and event.label[0].isupper()
    assert isinstance(event.rule, Rule) and event.rule.description


@pytest.mark.parametrize("event", list(Event))
def test_every_event_is_what_its_rule_says(event):
    # GIVEN two versions that the event's rule describes
    old, new = EXAMPLES[event]

    # WHEN they are classified
    # THEN the event is that one (a rule no version can reach would be a label nobody sees)
    assert event.rule.applies(old, new)
    assert classify(old, new) is event


def test_a_cancellation_outranks_a_move_and_any_known_item_is_at_least_updated():
    # GIVEN a session cancelled and moved at once, and a version that changed nothing the rules name
    old, new = EXAMPLES[Event.CANCELLED]

    # THEN the state rule wins over the schedule rule, and the catch-all answers for anything else
    assert classify(old, new) is Event.CANCELLED
    assert classify(item(), item()) is Event.UPDATED
    assert [e for e in Event if e.rule.precedence is Precedence.ANY_CHANGE] == [Event.UPDATED]
    assert [e for e in Event if e.rule.precedence is Precedence.FIRST_VERSION] == [Event.NEW]


def test_the_state_rules_never_clash():
    # GIVEN every state that a state rule reacts to
    # WHEN each state is entered from a state no rule names
    for state in ("answered", "holding-answer", "corrected", "withdrawn", "cancelled", "transferred"):
        old, new = item(state="tabled"), item(state=state)

        # THEN exactly one state rule applies (so their order among themselves does not matter)
        matching = [e for e in Event if e.rule.precedence is Precedence.STATE and e.rule.applies(old, new)]
        assert [e.value for e in matching] == [state]


def test_an_event_without_a_label_or_a_rule_cannot_be_defined():
    # GIVEN the base every Event member is made by
    # WHEN an event is defined without its label and rule, without its rule, or with an empty label
    # THEN the definition itself fails: it never gets as far as a KeyError at publish time
    with pytest.raises(TypeError):

        class NoLabel(EventBase):
            ORPHAN = "orphan"

    with pytest.raises(TypeError):

        class NoRule(EventBase):
            ORPHAN = "orphan", "Orphan"

    with pytest.raises(TypeError):

        class EmptyLabel(EventBase):
            ORPHAN = "orphan", "", first_version()


def test_the_events_are_the_published_contract_s_values_in_order():
    # The schema's enum is generated from Event in this order; subscribers' filter policies use these values.
    assert [e.value for e in Event] == [
        "new",
        "answered",
        "holding-answer",
        "corrected",
        "withdrawn",
        "updated",
        "rescheduled",
        "cancelled",
        "transferred",
        "progressed",
    ]


def test_every_kind_has_a_label_and_a_source_and_every_source_one_kind():
    assert all(kind.label for kind in Kind)
    kinds = [get_source(name).kind for name in SOURCE_NAMES]
    assert all(isinstance(kind, Kind) for kind in kinds)
    assert sorted(kinds) == sorted(Kind)
