"""Texts an item holds only as a list endpoint cut them: said so on the item, and told apart from an edit when the
full text arrives.

Parliament's written questions and statements lists cut their texts (at 255 characters, answers with "..." and their
paragraphs run together); the fetcher completes them from the detail endpoint. When that has no record (404) the
item is stored as listed, with `details.shortened_by_list` naming its cut texts, so that no subscriber takes the cut
for the whole. A later version with the full text is a completion, not an edit (`completed_texts`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from shared.domain.item import Item

SHORTENED_BY_LIST = "shortened_by_list"
"""The `details` key of the item's texts that are the list endpoint's shortened form ("summary", "body", or both as
"summary, body"); absent when the item's texts are whole (so an item that was never cut stores what it always did)."""
TextField = Literal["summary", "body"]
LIST_ELLIPSES = ("...", "…")


def shortened_by_list(summary: bool = False, body: bool = False) -> dict[str, str]:
    """The `details` entry naming the cut texts: empty when none is cut."""
    fields = [name for name, cut in (("summary", summary), ("body", body)) if cut]
    return {SHORTENED_BY_LIST: ", ".join(fields)} if fields else {}


def shortened_fields(details: Mapping[str, object]) -> tuple[TextField, ...]:
    """The item's texts that are shortened, from its `details`, in the item's order."""
    named = str(details.get(SHORTENED_BY_LIST) or "").replace(" ", "").split(",")
    return tuple(name for name in ("summary", "body") if name in named)


def completed_texts(old: Item, new: Item) -> tuple[TextField, ...]:
    """The texts the new version has in full where the old one had the list's shortened form, nothing else changed
    in them: the cut text (its ellipsis off) begins the full one, whitespace aside (the list runs paragraphs
    together). Such a text is not an edit: its version must not read as an answer changed or corrected again."""
    now_shortened = shortened_fields(new.details)
    completed: list[TextField] = []
    for name in shortened_fields(old.details):
        cut, full = getattr(old, name) or "", getattr(new, name) or ""
        if name in now_shortened or not full:
            continue
        for ellipsis in LIST_ELLIPSES:
            cut = cut.rstrip().removesuffix(ellipsis)
        if "".join(full.split()).startswith("".join(cut.split())):
            completed.append(name)
    return tuple(completed)
