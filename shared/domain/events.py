"""The events of a notification: one closed set, each event with its label and the rule of the lifecycle that
produces it (`shared.domain.lifecycle.classify` asks the rules; the renderers show the labels)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING

from shared.domain.item import PROGRESS_STAGE, SCHEDULED_START
from shared.domain.kinds import Kind
from shared.domain.shortened import unedited_texts

if TYPE_CHECKING:
    from shared.domain.item import Item


class Precedence(IntEnum):
    """Which rule wins when several apply to the same new version: the lowest."""

    FIRST_VERSION = 0
    STATE = 1
    """A version is in one state only, but `transferred` also fires on a change of department in any state: a question
    moved and answered between two polls matches two rules here, and the members' order settles it (`answered`)."""
    SCHEDULE = 2
    ANY_CHANGE = 3


@dataclass(frozen=True)
class Rule:
    """When a new version of an item (the previous one, or None for a first version) means this event."""

    precedence: Precedence
    description: str
    applies: Callable[[Item | None, Item], bool]
    reached: Callable[[Item], bool] | None = None
    """For a state's event: whether an item is in that state or past it. The first version of which it holds stands
    for the event too, however the item got there (first seen in the state, or the state skipped between polls)."""
    happened: Callable[[Item, Item], bool] | None = None
    """For a change that is not a state: whether it happened between two versions. A version it happened to stands
    for the event even when another names it (a question moved and answered between two polls is both)."""

    def reached_by(self, old: Item | None, new: Item) -> bool:
        if self.happened is not None and old is not None and self.happened(old, new):
            return True
        return self.reached is not None and self.reached(new) and (old is None or not self.reached(old))


def first_version() -> Rule:
    return Rule(Precedence.FIRST_VERSION, "the item's first version", lambda old, new: old is None)


def entering(state: str, past_it: Callable[[Item], bool] = lambda item: False) -> Rule:
    """`past_it`: the items in a later state that passed through this one (and so reached it too)."""
    return Rule(
        Precedence.STATE,
        f"the item enters state {state!r}",
        lambda old, new: old is not None and new.state == state and old.state != state,
        reached=lambda item: item.state == state or past_it(item),
    )


def entering_or_revised_in(state: str) -> Rule:
    """A correction corrected again is news too: its text changing while it stays in the state counts (not its text
    completed where the list had cut it, nor its paragraphs parted where the list ran them together)."""
    return Rule(
        Precedence.STATE,
        f"the item enters state {state!r}, or its body changes while in it",
        lambda old, new: (
            old is not None
            and new.state == state
            and (old.state != state or (new.body != old.body and "body" not in unedited_texts(old, new)))
        ),
        reached=lambda item: item.state == state,
    )


def corrected_answer(item: Item) -> bool:
    """Only an answer can be corrected: a written question whose answer was corrected has been answered."""
    return item.kind == Kind.WRITTEN_QUESTION and item.state == "corrected"


def transferred() -> Rule:
    """A question moved to another department (issue #15): its state says so (the oral questions API's
    `Transferred` status), or it keeps its id and now names another department (the other reading of the oral
    questions API, and the only one the written questions API gives: its `answeringBodyId` changes)."""
    return Rule(
        Precedence.STATE,
        "the item enters state 'transferred', or a question moves to another department",
        lambda old, new: (
            old is not None
            and ((new.state == "transferred" and old.state != "transferred") or moved_department(old, new))
        ),
        reached=lambda item: item.state == "transferred",
        happened=lambda old, new: moved_department(old, new),
    )


TRANSFERABLE = frozenset({Kind.ORAL_QUESTION, Kind.WRITTEN_QUESTION})
"""The kinds whose change of department is a transfer (Parliament moves a question to the department that answers
for its subject); other kinds' departments change when a record is re-tagged, which is an update."""


def moved_department(old: Item, new: Item) -> bool:
    return new.kind in TRANSFERABLE and {d.slug for d in old.departments} != {d.slug for d in new.departments}


def schedule_moved() -> Rule:
    return Rule(
        Precedence.SCHEDULE,
        f"a scheduled item's start (details.{SCHEDULED_START}) moved",
        lambda old, new: old is not None and new.details.get(SCHEDULED_START) != old.details.get(SCHEDULED_START),
    )


def stage_moved() -> Rule:
    """A procedure's step is never a scheduled start: the two rules share a precedence without clashing."""
    return Rule(
        Precedence.SCHEDULE,
        f"an item's procedure step (details.{PROGRESS_STAGE}) changed",
        lambda old, new: old is not None and new.details.get(PROGRESS_STAGE) != old.details.get(PROGRESS_STAGE),
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
    (tests/unit/render/test_every_kind_and_event.py renders it for every kind). A state's event also says when an
    item has reached the state (`Rule.reached`): a version can stand for several events (`lifecycle.events_of`).
    """

    NEW = "new", "New", first_version()
    ANSWERED = "answered", "Answered", entering("answered", past_it=corrected_answer)
    HOLDING_ANSWER = "holding-answer", "Holding answer", entering("holding-answer")
    CORRECTED = "corrected", "Corrected", entering_or_revised_in("corrected")
    WITHDRAWN = "withdrawn", "Withdrawn", entering("withdrawn")
    UPDATED = "updated", "Updated", any_other_change()
    RESCHEDULED = "rescheduled", "Rescheduled", schedule_moved()
    CANCELLED = "cancelled", "Cancelled", entering("cancelled")
    # issue #15: a question (oral or written) moved to another department; a bill's or instrument's next stage
    TRANSFERRED = "transferred", "Transferred", transferred()
    PROGRESSED = "progressed", "New stage", stage_moved()
