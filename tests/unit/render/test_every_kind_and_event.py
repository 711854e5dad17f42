"""Every kind and every event through every rendering: subject, SMS, email and the SNS entry. A kind or an event added
without what it needs to be rendered fails here, not at publish time."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime

import pytest

from shared.adapters.sns import build_entry
from shared.domain.events import Event
from shared.domain.item import SCHEDULED_START, Attachment, DepartmentRef, Person
from shared.domain.kinds import Kind
from shared.domain.notification import Changes, Notification, NotificationItem
from shared.render.email import SMS_LIMIT, SUBJECT_LIMIT, email_text, sms_text, subject
from shared.render.registry import GENERIC, RENDERERS, renderer_for

DEPARTMENT = DepartmentRef(slug="department-for-education", name="Department for Education")
URL = "https://example.org/item/1"
STARTS = datetime(2024, 4, 29, 13, 30, tzinfo=UTC)


def notification(kind: Kind, event: Event) -> Notification:
    first = event is Event.NEW
    return Notification(
        event=event,
        changes=None
        if first
        else Changes(
            fields=("state", "title", f"details.{SCHEDULED_START}"),
            previous={"state": "tabled", f"details.{SCHEDULED_START}": "2024-04-22T14:30:00+01:00"},
        ),
        item=NotificationItem(
            id=f"{kind.value}s:1",
            source=f"{kind.value}s",
            kind=kind,
            category="Statistics",
            department=DEPARTMENT,
            title="Schools: Funding",
            url=URL,
            published_at=STARTS,
            updated_at=STARTS,
            version=1 if first else 2,
            house="commons",
            summary="What was asked.",
            body="What was said.",
            people=(Person(role="asked-by", name="A Member", party="Labour"),),
            attachments=(Attachment(title="Annex.pdf", url="https://example.org/annex.pdf", file_type="PDF"),),
            departments=(DEPARTMENT,),
            state="cancelled" if event is Event.CANCELLED else event.value,
            details={
                SCHEDULED_START: STARTS.isoformat(),
                "ends_at": "2024-04-29T15:30:00+01:00",
                "cancelled_on": "2024-04-24",
                "uin": "7926",
                "date_tabled": "2024-04-22",
            },
        ),
    )


def test_every_kind_has_its_own_renderer():
    assert set(RENDERERS) == set(Kind)
    assert all(renderer_for(kind) is not GENERIC for kind in Kind)


@pytest.mark.parametrize(("kind", "event"), list(itertools.product(Kind, Event)))
def test_every_kind_and_event_renders_everywhere_with_the_event_s_label(kind, event):
    # GIVEN a notification of this kind and event
    note = notification(kind, event)

    # WHEN it is rendered as subject, SMS, email and SNS entry
    line, sms, text = subject(note), sms_text(note), email_text(note)
    entry = build_entry("m0", note)

    # THEN the subject and SMS are one line within their limits, naming the event and (subject) the kind
    assert line.startswith(f"{event.label} {kind.label.lower()}: Schools: Funding")
    assert len(line) <= SUBJECT_LIMIT and "\n" not in line
    assert sms == f"{event.label}: Schools: Funding {URL}" and len(sms) <= SMS_LIMIT
    # AND the email opens with the kind, names the department, says what changed for a later version, links the page
    assert text.startswith(kind.label)
    assert "Department: Department for Education\n" in text
    assert ("What changed:" in text) is (event is not Event.NEW)
    if event is not Event.NEW:
        assert f"What changed: {event.label.lower()} (version 2)" in text
    assert "- Annex.pdf: https://example.org/annex.pdf" in text
    assert text.endswith(f"Source page: {URL}\n\n—\ndeptwatch notification for Department for Education.")
    # AND the SNS entry carries all three, the contract's values and the filterable attributes
    message = json.loads(entry["Message"])
    assert (message["email"], message["sms"], entry["Subject"]) == (text, sms, line)
    contract = json.loads(message["default"])
    assert (contract["event"], contract["item"]["kind"]) == (event.value, kind.value)
    attributes = {name: value["StringValue"] for name, value in entry["MessageAttributes"].items()}
    assert (json.loads(attributes["event"]), attributes["kind"]) == ([event.value], kind.value)
    assert Notification.model_validate(contract) == note


def test_an_unknown_kind_still_renders_with_a_readable_label():
    # GIVEN a stored item of a kind this deptwatch does not know
    note = notification(Kind.PUBLICATION, Event.NEW)
    note = note.model_copy(update={"item": note.item.model_copy(update={"kind": "oral-answer"})})

    # WHEN it is rendered
    # THEN it reads with the generic layout and a label made from the kind
    assert email_text(note).startswith("Oral Answer\n")
    assert subject(note).startswith("New oral answer: ")
