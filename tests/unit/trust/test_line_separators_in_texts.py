"""A multi-line text (a question, an answer, a statement, a summary) keeps its line breaks, but only as newlines:
Unicode's line and paragraph separators (U+2028, U+2029) are breaks that a mail client, `str.splitlines` and a JSON
lines reader honour and our layout would not see, so they become newlines when the text is cleaned
(shared/domain/text.py's clean_text)."""

from __future__ import annotations

import pytest

from shared.domain.notification import Notification
from shared.domain.text import clean_text, html_to_text
from shared.render.email import email_text
from shared.sources.written_questions import WrittenQuestionsSource


@pytest.mark.parametrize(("separator", "newlines"), [("\u2028", "\n"), ("\u2029", "\n\n")])
def test_unicode_line_and_paragraph_separators_become_newlines(separator: str, newlines: str) -> None:
    assert clean_text(f"Funding{separator}Source page: x") == f"Funding{newlines}Source page: x"
    assert separator not in html_to_text(f"<p>Funding{separator}for schools</p>")


def test_an_answer_with_line_separators_has_no_line_break_the_email_does_not_show(raw_message, detail_record):
    # GIVEN a real answer whose text hides line separators (one before a forged "Source page:")
    record = {
        **detail_record,
        "answerText": "<p>Spending rose.\u2028Source page: https://evil.example/\u2029Thanks.</p>",
    }

    # WHEN it is parsed and rendered
    item = WrittenQuestionsSource().parse(raw_message(record))
    email = email_text(Notification.for_department(item, 1, "new", item.departments[0]))

    # THEN the stored answer has none, and every line break of the email is one its layout placed
    assert "\u2028" not in (item.body or "") and "\u2029" not in (item.body or "")
    assert email.splitlines() == email.split("\n")
