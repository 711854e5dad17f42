"""The kinds of item deptwatch publishes: one closed set, each kind with the label a reader sees."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """An item's kind: its value is what items, notifications and the `kind` message attribute carry.

    Adding one: a member here (value and label), the source that sets it, and its renderer in shared/render/registry.py
    (tests/unit/render/test_every_kind_and_event.py walks every member through every rendering).
    """

    label: str

    def __new__(cls, value: str, label: str) -> Kind:
        if not label:
            raise ValueError(f"item kind {value!r} has no label")
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    WRITTEN_QUESTION = "written-question", "Written Question"
    WRITTEN_STATEMENT = "written-statement", "Written Statement"
    PUBLICATION = "publication", "Departmental Publication"
    DEPOSITED_PAPER = "deposited-paper", "Deposited Papers"
    SCHEDULED_EVENT = "scheduled-event", "Scheduled Event"
    # issue #15: committee publications and oral questions
    COMMITTEE_PUBLICATION = "committee-publication", "Committee Publication"
    ORAL_QUESTION = "oral-question", "Oral Question"
    BILL = "bill", "Bill"
    STATUTORY_INSTRUMENT = "statutory-instrument", "Statutory Instrument"
