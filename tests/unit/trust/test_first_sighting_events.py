"""Every event a version stands for (issue #11, first sighting): an item first seen already answered, corrected,
withdrawn or cancelled is `new` and that state's event, in one notification; a state skipped between two polls is
still reached once. The contract says it in `events` (added: `event` keeps its meaning), the `event` message
attribute is a String.Array of the same list, and the email says it without changing the plain `new` one."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from pydantic import ValidationError

from shared.adapters.sns import build_entry, message_attributes
from shared.domain.events import Event
from shared.domain.item import SCHEDULED_START, Item
from shared.domain.kinds import Kind
from shared.domain.lifecycle import classify, events_of
from shared.domain.notification import Notification
from shared.render.email import email_text, sms_text, subject
from tests.unit.question_items import DFE, question_item


def item(kind: Kind = Kind.WRITTEN_QUESTION, **fields: Any) -> Item:
    return question_item(
        kind, **{"body": "The answer.", "details": {SCHEDULED_START: "2024-04-30T09:30:00+01:00"}, **fields}
    )


# --- the lifecycle ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "state", "events"),
    [
        (Kind.WRITTEN_QUESTION, "tabled", ["new"]),
        (Kind.WRITTEN_QUESTION, "holding-answer", ["new", "holding-answer"]),
        (Kind.WRITTEN_QUESTION, "answered", ["new", "answered"]),
        (Kind.WRITTEN_QUESTION, "corrected", ["new", "answered", "corrected"]),
        (Kind.WRITTEN_QUESTION, "withdrawn", ["new", "withdrawn"]),
        (Kind.WRITTEN_STATEMENT, "published", ["new"]),
        (Kind.WRITTEN_STATEMENT, "corrected", ["new", "corrected"]),  # a statement corrected was never "answered"
        (Kind.PUBLICATION, "published", ["new"]),
        (Kind.PUBLICATION, "withdrawn", ["new", "withdrawn"]),
        (Kind.DEPOSITED_PAPER, "published", ["new"]),
        (Kind.SCHEDULED_EVENT, "scheduled", ["new"]),
        (Kind.SCHEDULED_EVENT, "cancelled", ["new", "cancelled"]),
    ],
)
def test_a_first_version_is_new_and_every_state_it_has_already_reached(kind, state, events):
    # GIVEN an item deptwatch sees for the first time, in some state
    first = item(kind, state=state)

    # WHEN its events are derived
    # THEN it is new (the event that names it) and also each state's event it has already reached
    assert classify(None, first) is Event.NEW
    assert list(events_of(None, first)) == events


@pytest.mark.parametrize(
    ("old", "new", "events"),
    [
        ({"state": "tabled"}, {"state": "answered"}, ["answered"]),
        ({"state": "answered"}, {"state": "corrected"}, ["corrected"]),
        ({"state": "tabled"}, {"state": "corrected"}, ["answered", "corrected"]),  # answered between two polls
        ({"state": "holding-answer"}, {"state": "corrected"}, ["answered", "corrected"]),
        ({"state": "corrected"}, {"state": "answered"}, ["answered"]),  # the correction taken back, as before
        ({"state": "answered"}, {"state": "answered", "body": "Edited."}, ["updated"]),
        ({"state": "scheduled"}, {"state": "scheduled", "details": {SCHEDULED_START: "2024-05-07"}}, ["rescheduled"]),
        ({"state": "scheduled"}, {"state": "cancelled"}, ["cancelled"]),
    ],
)
def test_a_later_version_stands_for_its_event_and_any_state_it_skipped(old, new, events):
    before, after = item(**old), item(**new)
    assert list(events_of(before, after)) == events
    assert classify(before, after) in events_of(before, after)


QUESTION_STATES = ("tabled", "holding-answer", "answered", "corrected")
"""A written question's states in the order they come; any of them can be the first deptwatch sees, and any can be
skipped between two polls."""


@pytest.mark.parametrize(
    "seen",
    [path for length in range(1, 5) for path in itertools.combinations(QUESTION_STATES, length)],
    ids=lambda path: ">".join(path),
)
def test_whatever_deptwatch_sees_of_a_question_each_state_s_event_is_notified_once_if_reached(seen):
    # GIVEN the versions of a question deptwatch happened to see, in order (a subsequence of its lifecycle)
    versions = [item(state=state, body=None if state == "tabled" else f"Answer ({state}).") for state in seen]

    # WHEN each version is notified
    notified = [events_of(old, new) for old, new in zip([None, *versions], versions, strict=False)]

    # THEN a subscriber filtering on a state's event receives exactly one message if the question reached that state
    # (a correction is an answer), none otherwise; and a subscriber to `new` exactly one
    reached = {"holding-answer": "holding-answer" in seen, "answered": bool({"answered", "corrected"} & set(seen))}
    reached["corrected"] = "corrected" in seen
    for event, expected in reached.items():
        assert sum(event in events for events in notified) == int(expected), (event, notified)
    assert sum("new" in events for events in notified) == 1


# --- the contract and the attribute -------------------------------------------------------------------------------


def notification_of(first: Item) -> Notification:
    return Notification.for_department(first, 1, classify(None, first), DFE, None, events_of(None, first))


def test_the_json_says_the_event_and_every_event_and_reads_back():
    # GIVEN a question first seen answered
    note = notification_of(item(state="answered"))

    # WHEN it is serialised as the published JSON
    published = json.loads(note.to_json())

    # THEN `event` keeps its meaning and `events` lists both; it reads back as it was
    assert (published["event"], published["events"]) == ("new", ["new", "answered"])
    assert Notification.model_validate(published) == note


def test_a_message_published_before_events_existed_reads_as_its_event():
    # GIVEN a message of the contract as it was before `events` was added
    old = json.loads(notification_of(item(state="answered")).to_json())
    del old["events"]

    # WHEN a consumer validates it with today's model
    # THEN it stands for its one event
    assert Notification.model_validate(old).events == (Event.NEW,)


def test_an_event_that_is_not_among_the_events_is_refused():
    with pytest.raises(ValidationError, match="is not one of events"):
        Notification.model_validate(
            {**json.loads(notification_of(item(state="answered")).to_json()), "events": ["answered"]}
        )


def test_the_event_attribute_is_a_string_array_of_every_event():
    # GIVEN a question first seen answered
    attributes = message_attributes(notification_of(item(state="answered")))

    # THEN the `event` attribute is a String.Array (SNS filter policies match any element), the others Strings
    assert attributes["event"] == {"DataType": "String.Array", "StringValue": '["new", "answered"]'}
    assert {value["DataType"] for name, value in attributes.items() if name != "event"} == {"String"}
    assert len(attributes) <= 10


# --- how it reads -------------------------------------------------------------------------------------------------


def test_a_first_sighting_in_a_later_state_says_so_in_subject_sms_and_email():
    # GIVEN a question first seen with its answer already corrected
    note = notification_of(item(state="corrected"))

    # WHEN it is rendered
    line, sms, text = subject(note), sms_text(note), email_text(note)

    # THEN the subject and SMS name it new, with the states it had already reached; the email says it was first seen
    # in them and has no "What changed" (there is no earlier version to compare with)
    assert line == "New written question (answered and corrected): Schools: Funding"
    assert sms.startswith("New (answered and corrected): Schools: Funding https://")
    assert "\nFirst seen already answered and corrected\n" in text
    assert "What changed" not in text
    # AND the SNS entry carries the same texts
    entry = build_entry("m0", note)
    assert entry["Subject"] == line and json.loads(entry["Message"])["email"] == text


def test_a_plain_first_version_and_a_single_change_read_as_before():
    # GIVEN a tabled question first seen, and its answer later
    tabled = item(state="tabled", body=None)
    new = notification_of(tabled)
    answered = item(state="answered")
    change = Notification.for_department(answered, 2, Event.ANSWERED, DFE, None, events_of(tabled, answered))

    # THEN they read as they always did: no parenthesis, no "First seen" line
    assert subject(new) == "New written question: Schools: Funding"
    assert "First seen" not in email_text(new) and "What changed" not in email_text(new)
    assert subject(change) == "Answered written question: Schools: Funding"
    assert "\nWhat changed: answered (version 2)\n" in email_text(change)


def test_a_state_skipped_between_two_polls_is_named_in_what_changed():
    # GIVEN a tabled question whose answer was given and corrected between two polls
    tabled, corrected = item(state="tabled", body=None), item(state="corrected")
    events = events_of(tabled, corrected)
    note = Notification.for_department(corrected, 2, classify(tabled, corrected), DFE, None, events)

    # THEN the subject names the correction and the answer it implies, and so does "What changed"
    assert subject(note) == "Corrected written question (answered): Schools: Funding"
    assert "\nWhat changed: answered and corrected (version 2)\n" in email_text(note)
