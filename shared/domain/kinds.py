"""The kinds of item deptwatch publishes: one closed set, each kind with the label a reader sees and the names of its
texts."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

TEXT_NAMES: Mapping[str, str] = MappingProxyType({"title": "title", "summary": "summary", "body": "text"})
"""What an item's texts are to a reader, unless its kind names them otherwise."""


class Kind(StrEnum):
    """An item's kind: its value is what items, notifications and the `kind` message attribute carry.

    Adding one: a member here (value and label), the source that sets it, and its renderer in shared/render/registry.py
    (tests/unit/render/test_every_kind_and_event.py walks every member through every rendering).
    """

    label: str
    text_names: Mapping[str, str]
    """What its texts are to a reader: a question's summary is its question (the email, the what-changed lines)."""

    def __new__(cls, value: str, label: str, text_names: Mapping[str, str] | None = None) -> Kind:
        if not label:
            raise ValueError(f"item kind {value!r} has no label")
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.text_names = MappingProxyType({**TEXT_NAMES, **(text_names or {})})
        return member

    WRITTEN_QUESTION = "written-question", "Written Question", {"summary": "question", "body": "answer"}
    WRITTEN_STATEMENT = "written-statement", "Written Statement", {"body": "statement"}
    PUBLICATION = "publication", "Departmental Publication"
    DEPOSITED_PAPER = "deposited-paper", "Deposited Papers"
    SCHEDULED_EVENT = "scheduled-event", "Scheduled Event"
    # issue #15: committee publications and oral questions
    COMMITTEE_PUBLICATION = "committee-publication", "Committee Publication"
    ORAL_QUESTION = "oral-question", "Oral Question", {"summary": "question"}
    BILL = "bill", "Bill"
    STATUTORY_INSTRUMENT = "statutory-instrument", "Statutory Instrument"


TEXT_NAMES_BY_KIND = {member.value: member.text_names for member in Kind}


def text_name(kind: str, field: str) -> str:
    """What a reader calls an item's text `field` ("title", "summary", "body") for its kind; an unknown kind (from a
    newer or older deptwatch) gets the usual names."""
    return TEXT_NAMES_BY_KIND.get(kind, TEXT_NAMES).get(field, field)
