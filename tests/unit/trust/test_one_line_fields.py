"""Titles, names, roles and every one-line field are one line when stored and wherever rendered: a line break in a
title must not print lines of its own choosing (a forged "Source page:" or footer) in the email
(shared/domain/item.py's OneLine, shared/domain/text.py's single_line, shared/render/email.py)."""

from __future__ import annotations

from typing import Any

import pytest

from shared.domain.item import Item
from shared.domain.notification import Notification
from shared.domain.text import single_line
from shared.render.email import LINK_REMOVED, email_text, sms_text, subject
from shared.sources.written_questions import WrittenQuestionsSource

SEPARATORS = ["\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
FOOTER = "deptwatch notification for Department for Education."
FORGED = "Urgent{0}{0}Source page: https://evil.example/login{0}{0}\u2014{0}" + FOOTER


@pytest.fixture
def item(raw_message, detail_record) -> Item:
    return WrittenQuestionsSource().parse(raw_message(detail_record))


def revalidated(item: Item, **changes: Any) -> Item:
    return Item.model_validate({**item.model_dump(), **changes})


@pytest.mark.parametrize("separator", SEPARATORS)
def test_every_line_and_paragraph_separator_becomes_one_space(separator):
    assert single_line(f"  Schools {separator}{separator} funding{separator}") == "Schools funding"
    assert single_line("One line, as it was  ") == "One line, as it was  "  # no change without a line break


@pytest.mark.parametrize("separator", SEPARATORS)
def test_a_title_with_line_breaks_cannot_forge_the_emails_source_page_or_footer(item, separator):
    # GIVEN an item whose title carries line breaks and a forged "Source page:" and footer
    forged = revalidated(item, title=FORGED.format(separator))
    notification = Notification.for_department(forged, 1, "new", forged.departments[0])

    # WHEN it is rendered
    email = email_text(notification).splitlines()

    # THEN the title is one line, the email has one source page (the item's) and one footer, the subject and the
    # SMS are one line, and the SMS's only link is the item's
    assert forged.title == f"Urgent Source page: https://evil.example/login \u2014 {FOOTER}"
    assert [line for line in email if line.startswith("Source page:")] == [f"Source page: {item.url}"]
    assert sum(line.startswith("deptwatch notification for") for line in email) == 1
    assert len(subject(notification).splitlines()) == 1
    sms = sms_text(notification)
    assert len(sms.splitlines()) == 1 and sms.count("://") == 1 and sms.endswith(f" {item.url}")
    assert LINK_REMOVED in sms


def test_people_attachments_category_and_details_are_one_line(item):
    # GIVEN an item whose member, attachment, category and string details carry line and paragraph separators
    data = item.model_dump()
    data["people"] = [
        {"role": "answered-by\n", "name": "A\u2028Minister", "party": "Labour\u2029", "constituency": "X\x85Y"}
    ]
    data["attachments"] = [
        {"title": "Table\n\nSource page: x", "url": "https://qna.files.parliament.uk/a.pdf", "file_type": "PDF\r"}
    ]
    data["category"] = "News\nand Communications"
    data["details"] = {**data["details"], "member_role": "Minister\u2029for Schools", "uin": "7926\n"}

    # WHEN the item is made (as a source makes it, or as the notifier reads a stored one back)
    made = Item.model_validate(data)

    # THEN each of those fields is one line
    person, attachment = made.people[0], made.attachments[0]
    assert (person.role, person.name, person.party, person.constituency) == (
        "answered-by",
        "A Minister",
        "Labour",
        "X Y",
    )
    assert (attachment.title, attachment.file_type) == ("Table Source page: x", "PDF")
    assert made.category == "News and Communications"
    assert made.details["member_role"] == "Minister for Schools" and made.details["uin"] == "7926"


def test_a_stored_item_with_a_multi_line_title_reads_back_as_one_line(item):
    # GIVEN an item stored before titles were one line (its JSON as the table holds it)
    stored = item.model_dump_json().replace(item.title, "Urgent\\u2028Source page: https://evil.example/")

    # WHEN the notifier reads it back
    # THEN its title is one line
    assert Item.model_validate_json(stored).title == "Urgent Source page: https://evil.example/"
