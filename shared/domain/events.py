"""The events of a notification: one closed set, each event with its label and the rule of the lifecycle that
produces it (`shared.domain.lifecycle.classify` asks the rules; the renderers show the labels)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING

from shared.domain.item import SCHEDULED_START

if TYPE_CHECKING:
    from shared.domain.item import Item


class Precedence(IntEnum):
    """Which rule wins when several apply to the same new version: the lowest."""

    FIRST_VERSION = 0
    STATE = 1
    """State rules cannot clash: the new version is in one state only."""
    SCHEDULE = 2
    ANY_CHANGE = 3


@dataclass(frozen=True)
class Rule:
    """When a new version of an item (the previous one, or None for a first version) means this event."""

    precedence: Precedence
    description: str
    applies: Callable[[Item | None, Item], bool]


def first_version() -> Rule:
    return Rule(Precedence.FIRST_VERSION, "the item's first version", lambda old, new: old is None)


def entering(state: str) -> Rule:
    return Rule(
        Precedence.STATE,
        f"the item enters state {state!r}",
        lambda old, new: old is not None and new.state == state and old.state != state,
    )


def entering_or_revised_in(state: str) -> Rule:
    """A correction corrected again is news too: its text changing while it stays in the state counts."""
    return Rule(
        Precedence.STATE,
        f"the item enters state {state!r}, or its body changes while in it",
        lambda old, new: old is not None and new.state == state and (old.state != state or new.body != old.body),
    )


def schedule_moved() -> Rule:
    return Rule(
        Precedence.SCHEDULE,
        f"a scheduled item's start (details.{SCHEDULED_START}) moved",
        lambda old, new: old is not None and new.details.get(SCHEDULED_START) != old.details.get(SCHEDULED_START),
    )


def any_other_change() -> Rule:
    return Rule(Precedence.ANY_CHANGE, "any other change of a known item", lambda old, new: old is not None)


class EventBase(StrEnum):
    """What every event carries: `NAME = value, label, rule`. A member without them fails when it is defined."""

    label: str
    rule: Rule

    def __new__(cls, value: str, label: str, rule: Rule) -> EventBase:
        if not label or not isinstance(rule, Rule):
            raise TypeError(f"event {value!r} needs a label and a lifecycle Rule")
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.rule = rule
        return member


class Event(EventBase):
    """A notification's `event`: its value is what the contract and the `event` message attribute carry.

    The order of the members is the order of the published schema's enum (docs/schema/notification-1.schema.json);
    a new event goes last. Adding one: a member here with its label and rule; the renderers need nothing more
    (tests/unit/render/test_every_kind_and_event.py renders it for every kind).
    """

    NEW = "new", "New", first_version()
    ANSWERED = "answered", "Answered", entering("answered")
    HOLDING_ANSWER = "holding-answer", "Holding answer", entering("holding-answer")
    CORRECTED = "corrected", "Corrected", entering_or_revised_in("corrected")
    WITHDRAWN = "withdrawn", "Withdrawn", entering("withdrawn")
    UPDATED = "updated", "Updated", any_other_change()
    RESCHEDULED = "rescheduled", "Rescheduled", schedule_moved()
    CANCELLED = "cancelled", "Cancelled", entering("cancelled")
