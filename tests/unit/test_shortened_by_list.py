"""Issue #16, unit level: which texts a record kept in its list form has cut, the note every surface shows, and a
completion told apart from an edit."""

from __future__ import annotations

from typing import Any

import pytest

from shared.domain.events import Event
from shared.domain.item import Item
from shared.domain.lifecycle import classify, describe_changes
from shared.domain.notification import Notification
from shared.domain.raw_record import RawRecordMessage
from shared.render.email import email_text
from shared.sources import get_source


def parsed(raw_message: Any, record: dict[str, Any], detail_missing: bool, source: str = "written-questions") -> Item:
    message = raw_message(record, source=source).model_copy(update={"detail_missing": detail_missing})
    return get_source(source).parse(message)


def test_a_whole_record_stores_no_shortened_key_whatever_the_message_says(raw_message, detail_record) -> None:
    # An item that was never cut keeps the content hash it always had: no new key, so no "updated" for every item.
    assert "shortened_by_list" not in parsed(raw_message, detail_record, detail_missing=True).details
    assert "shortened_by_list" not in parsed(raw_message, detail_record, detail_missing=False).details


def test_only_a_record_whose_detail_was_missing_says_its_texts_are_cut(raw_message, list_records) -> None:
    # GIVEN listed questions: some cut in the question (255 characters), some in the answer ("..."), some both
    seen = {parsed(raw_message, r, detail_missing=True).details.get("shortened_by_list") for r in list_records}
    assert {"summary", "body", "summary, body"} <= seen
    # A record completed from its detail says nothing (its texts are the detail's, whatever their length)
    assert all("shortened_by_list" not in parsed(raw_message, r, False).details for r in list_records)


def test_a_cut_statement_says_its_statement_is_shortened(raw_message, recorded) -> None:
    listed = [entry["value"] for entry in recorded("written-statements/list_2024-04-18.json")["results"]]
    items = [parsed(raw_message, record, True, "written-statements") for record in listed]
    cut = [item for item in items if item.details.get("shortened_by_list")]
    assert cut and all(item.details["shortened_by_list"] == "body" for item in cut)
    email = email_text(Notification.for_department(cut[0], 1, Event.NEW, cut[0].departments[0]))
    assert f"Statement shortened by Parliament's list; the full statement is on the source page: {cut[0].url}" in email


def test_the_raw_body_carries_the_flag_only_when_set(raw_message, detail_record) -> None:
    usual = raw_message(detail_record)
    assert "detail_missing" not in usual.to_body()
    flagged = usual.model_copy(update={"detail_missing": True})
    assert RawRecordMessage.model_validate_json(flagged.to_body()).detail_missing is True


@pytest.mark.parametrize(
    ("full_answer", "completed"),
    [
        ("<p>Yes, 44 of them.</p><p>More in the register.</p>", True),
        ("<p>Yes, 45 of them.</p><p>More in the register.</p>", False),  # the visible part changed: an edit
    ],
)
def test_a_full_text_after_a_cut_one_is_a_completion_only_if_it_begins_with_the_cut(
    raw_message, detail_record, full_answer: str, completed: bool
) -> None:
    corrected = {"answerIsCorrection": True, "dateAnswerCorrected": "2024-01-17T00:00:00"}
    cut_record = {**detail_record, **corrected, "answerText": "Yes, 44 of them.More in the reg..."}
    old = parsed(raw_message, cut_record, detail_missing=True)
    new = parsed(raw_message, {**detail_record, **corrected, "answerText": full_answer}, detail_missing=False)
    assert old.details["shortened_by_list"] == "body" and old.state == new.state == "corrected"

    summary = describe_changes(old, new).summary
    assert classify(old, new) is (Event.UPDATED if completed else Event.CORRECTED)
    assert any("now in full" in line for line in summary) is completed
