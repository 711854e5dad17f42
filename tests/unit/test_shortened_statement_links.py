"""A written statement whose text begins with a link whose label is not its URL: the detail's text shows the URL
after the label (html_to_text), the list strips the tags alone. The list's cut form is still told apart from an edit
(`completed_texts`) and from news over the stored full text (`cut_of_stored`)."""

from __future__ import annotations

from typing import Any

from infra.local.replay.written_statements import RecordedStatements
from shared.domain.item import Item
from shared.domain.shortened import completed_texts, cut_of_stored
from shared.sources import get_source

LINKED_START = '<p>The <a href="https://www.gov.uk/guidance/pharmacy-first">Pharmacy First guidance</a> applies.</p>'


def parsed(raw_message: Any, record: dict[str, Any], detail_missing: bool) -> Item:
    message = raw_message(record, source="written-statements").model_copy(update={"detail_missing": detail_missing})
    return get_source("written-statements").parse(message)


def test_a_statement_beginning_with_a_link_is_completed_not_edited(raw_message, recorded) -> None:
    statement = recorded("written-statements/detail_1701205.json")["value"]
    statement["text"] = LINKED_START + statement["text"]
    listed = RecordedStatements.as_listed(statement)
    assert listed["text"].startswith("The Pharmacy First guidance applies.On 26 March")

    cut, full = parsed(raw_message, listed, True), parsed(raw_message, statement, False)

    assert cut.details["shortened_by_list"] == "body"
    assert "Pharmacy First guidance (https://www.gov.uk/guidance/pharmacy-first) applies." in (full.body or "")
    assert completed_texts(cut, full) == ("body",)
    assert cut_of_stored(full, cut)
