"""Texts an item holds only as a list endpoint cut them: said so on the item, and told apart from an edit when the
full text arrives.

Parliament's written questions and statements lists cut their texts (at 255 characters, answers with "..." and their
paragraphs run together); the fetcher completes them from the detail endpoint. When that has no record (404) the
item is stored as listed, with `details.shortened_by_list` naming its cut texts, so that no subscriber takes the cut
for the whole. A later version with the full text is a completion, not an edit (`completed_texts`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from shared.domain.item import Item

SHORTENED_BY_LIST = "shortened_by_list"
"""The `details` key of the item's texts that are the list endpoint's shortened form ("summary", "body", or both as
"summary, body"); absent when the item's texts are whole (so an item that was never cut stores what it always did)."""
TextField = Literal["summary", "body"]
LIST_ELLIPSES = ("...", "…")
TEXT_FIELDS: tuple[TextField, ...] = ("summary", "body")
_SHOWN_LINK = re.compile(r" \(https?://\S+?\)")
"""What `html_to_text` adds after a link's label that is not its URL, and the list endpoint (tags stripped) lacks."""


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
    return tuple(
        name
        for name in shortened_fields(old.details)
        if name not in now_shortened and _begins(getattr(old, name), getattr(new, name))
    )


def respaced_texts(old: Item, new: Item) -> tuple[TextField, ...]:
    """The texts the list did not cut that differ only in whitespace from an old version that was listed: the list
    runs an uncut text's paragraphs together too ("held.We"), the detail gives them apart. Unchanged, not edits."""
    if not shortened_fields(old.details):
        return ()
    cut = shortened_fields(old.details)
    return tuple(
        name
        for name in TEXT_FIELDS
        if name not in cut and getattr(old, name) != getattr(new, name) and _squeezed(old, name) == _squeezed(new, name)
    )


def unedited_texts(old: Item, new: Item) -> tuple[TextField, ...]:
    """The texts of the new version that differ from the old one's only as the list's form differs from the full
    text (`completed_texts`, `respaced_texts`): no edit, no correction."""
    return completed_texts(old, new) + respaced_texts(old, new)


def cut_of_stored(stored: Item, new: Item) -> bool:
    """Whether the new version is only the list's form of the stored one, shortened or not: its cut texts begin the
    stored full ones, its other texts are the stored ones in the list's form (`list_comparable`: a short text the list
    did not cut still lost its paragraphs and link URLs), and everything else is the stored item's. Not news, and not
    to be stored over the full texts (a detail missing on a recheck, a backfill). A stored item that is itself the
    list's form has nothing fuller to keep: its hash decides as for any record."""
    cut = shortened_fields(new.details)
    if shortened_fields(stored.details):
        return False
    if not all(
        _begins(getattr(new, name), getattr(stored, name))
        if name in cut
        else _squeezed(new, name) == _squeezed(stored, name)
        for name in TEXT_FIELDS
    ):
        return False
    details = {key: value for key, value in new.details.items() if key != SHORTENED_BY_LIST}
    whole = new.model_copy(update={name: getattr(stored, name) for name in TEXT_FIELDS} | {"details": details})
    return whole.content_hash() == stored.content_hash()


def list_comparable(text: str | None) -> str:
    """A text as the list's form and the detail's form of it agree: without what `html_to_text` adds to the detail's
    HTML and the list (tags stripped alone) lacks, a link's URL after its label, and without any whitespace."""
    return "".join(_SHOWN_LINK.sub("", text or "").split())


def _begins(cut: str | None, full: str | None) -> bool:
    """Whether the list's cut text (its ellipsis off) begins the full one, compared as `list_comparable`."""
    if not full:
        return False
    cut = cut or ""
    for ellipsis in LIST_ELLIPSES:
        cut = cut.rstrip().removesuffix(ellipsis)
    return list_comparable(full).startswith(list_comparable(cut))


def _squeezed(item: Item, name: TextField) -> str:
    return list_comparable(getattr(item, name))
