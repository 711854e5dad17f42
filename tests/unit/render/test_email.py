"""The frame every kind shares: the subject line and the SMS line, within the limits of SNS and SMS."""

from __future__ import annotations

from shared.domain.notification import Notification
from shared.render.email import SMS_LIMIT, SUBJECT_LIMIT, sms_text, subject
from tests.unit.real_question import PAGE, notify


def test_subject_of_the_real_record_is_one_short_line(item):
    line = subject(Notification.for_department(item, 2, "answered", item.departments[0]))

    assert line == "Answered written question: Apprentices: Employment Agencies"
    assert len(line) <= SUBJECT_LIMIT


def test_subject_of_a_long_multiline_title_is_cut_to_one_line_within_100_characters(item):
    # GIVEN a title of several lines and hundreds of characters, with control characters
    title = "Schools:\nFunding\r\n" + "very long heading " * 30 + "\x07end"

    # WHEN the subject is rendered
    line = subject(notify(item, title=title))

    # THEN it is one line of at most 100 characters, without control characters
    assert len(line) <= 100
    assert "\n" not in line and "\r" not in line and "\x07" not in line
    assert line.startswith("New written question: Schools: Funding very long heading")
    assert line.endswith("…")


def test_sms_fits_and_keeps_the_link(item):
    # GIVEN a notification with a long title
    # WHEN its SMS text is rendered
    text = sms_text(notify(item, title="A heading " * 40))

    # THEN it fits one SMS and ends with the page link
    assert len(text) <= SMS_LIMIT
    assert text.endswith(f" {PAGE}")
