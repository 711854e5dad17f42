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


def test_a_short_statement_the_list_did_not_cut_is_not_news_over_its_full_text(raw_message, recorded) -> None:
    # GIVEN a short statement (not cut by the list) with a link and two paragraphs, stored in full
    statement = recorded("written-statements/detail_1701205.json")["value"]
    statement["text"] = LINKED_START + "<p>We publish the figures every March.</p>"
    listed = RecordedStatements.as_listed(statement)
    assert listed["text"] == "The Pharmacy First guidance applies.We publish the figures every March."

    # WHEN its list form comes with the detail missing (a backfill after the detail was withdrawn)
    listed_form, full = parsed(raw_message, listed, True), parsed(raw_message, statement, False)

    # THEN nothing is cut, and it is only the stored item in the list's form: not stored over it, not news
    assert "shortened_by_list" not in listed_form.details
    assert cut_of_stored(full, listed_form)
    # AND a real edit in the list's form is still news
    edited = listed_form.model_copy(update={"body": (listed_form.body or "").replace("March", "April")})
    assert not cut_of_stored(full, edited)
