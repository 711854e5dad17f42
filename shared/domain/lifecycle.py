"""What happened between two versions of an item: the `event` of a notification, and what changed."""

from __future__ import annotations

import difflib
import re
from typing import Any

from shared.domain.events import Event, moved_department
from shared.domain.item import Item
from shared.domain.kinds import text_name
from shared.domain.notification import Changes, Transfer
from shared.domain.shortened import completed_texts, respaced_texts

BY_PRECEDENCE = tuple(sorted(Event, key=lambda event: event.rule.precedence))
TEXT_FIELDS = ("title", "summary", "body")
"""Compared word by word; their old values are too long to repeat in a notification."""
WORDS_SHOWN = 12
COMPLETED = "now in full (the earlier version had only the shortened form from Parliament's list)"
"""What changed in a text that the list had cut and the detail now gives whole (shared.domain.shortened)."""


def classify(old: Item | None, new: Item) -> Event:
    """The event whose rule applies, the rules asked by precedence (see Event): `new` for a first version (even one
    that arrives already answered); else what the state change says; a scheduled item whose start moved is
    `rescheduled`; any other material change is `updated`.
    """
    return next(event for event in BY_PRECEDENCE if event.rule.applies(old, new))


def events_of(old: Item | None, new: Item) -> tuple[Event, ...]:
    """Every event a new version stands for, in the schema's order: the one `classify` names, and each state this
    version reached for the first time. A question first seen answered is `new` and `answered`; one that went from
    tabled to corrected between two polls is `answered` and `corrected`. So a subscriber filtering on a state's
    event hears of every item that reaches the state, whether deptwatch saw it come or not.
    """
    event = classify(old, new)
    return tuple(other for other in Event if other is event or other.rule.reached_by(old, new))


def transfer_between(old: Item | None, new: Item) -> Transfer | None:
    """The move of a question to other departments between two versions, if it moved."""
    if old is None or not moved_department(old, new):
        return None
    return Transfer(from_departments=old.departments, to_departments=new.departments)


def describe_changes(old: Item, new: Item) -> Changes:
    """The fields that changed, the previous values of the short ones, and a short word-level summary of the texts."""
    before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
    fields: list[str] = []
    previous: dict[str, Any] = {}
    respaced = respaced_texts(old, new)  # whitespace the list had run together: not a change
    for name in after:
        if name == "details":
            for key in sorted(set(before["details"]) | set(after["details"])):
                if before["details"].get(key) != after["details"].get(key):
                    fields.append(f"details.{key}")
                    previous[f"details.{key}"] = before["details"].get(key)
        elif before.get(name) != after[name] and name not in respaced:
            fields.append(name)
            if name not in TEXT_FIELDS and name not in ("people", "attachments"):
                previous[name] = before.get(name)
    completed = completed_texts(old, new)
    lines = [
        line
        for name in TEXT_FIELDS
        if name in fields
        and (
            line := f"{text_name(new.kind, name).capitalize()}: {COMPLETED}"
            if name in completed
            else word_diff_summary(text_name(new.kind, name).capitalize(), before.get(name), after[name])
        )
    ]
    return Changes(fields=tuple(fields), previous=previous, summary=tuple(lines))


def word_diff_summary(label: str, old: str | None, new: str | None) -> str:
    """ "Text: 12 words added, 3 removed; "old words" became "new words" """
    old_words, new_words = _words(old), _words(new)
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    added = removed = 0
    first: str | None = None
    for tag, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if tag == "equal":
            continue
        removed += a_end - a_start
        added += b_end - b_start
        if first is None:
            gone, came = _excerpt(old_words[a_start:a_end]), _excerpt(new_words[b_start:b_end])
            if tag == "replace":
                first = f'"{gone}" became "{came}"'
            elif tag == "delete":
                first = f'removed "{gone}"'
            else:
                first = f'added "{came}"'
    if not added and not removed:
        return ""
    counts = f"{added} word{'s' if added != 1 else ''} added, {removed} removed"
    return f"{label}: {counts}; {first}" if first else f"{label}: {counts}"


def _words(text: str | None) -> list[str]:
    return re.findall(r"\S+", text or "")


def _excerpt(words: list[str]) -> str:
    shown = " ".join(words[:WORDS_SHOWN])
    return shown + " …" if len(words) > WORDS_SHOWN else shown
