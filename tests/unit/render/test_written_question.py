"""How a written question reads in an email: the real answered question 1679416, parsed by its source."""

from __future__ import annotations

from shared.domain.lifecycle import classify, describe_changes
from shared.domain.notification import Notification
from shared.render.email import email_text
from tests.unit.real_question import PAGE, TAG, notify


def test_email_of_the_real_answer_reads_like_the_department_page(notification, detail_record):
    # GIVEN the notification of the real answered question 1679416 for the Department for Education
    # WHEN its email is rendered
    text = email_text(notification)

    # THEN it has no HTML, names the department, quotes the question and the answer's paragraphs, and links the page
    assert not TAG.search(text)
    assert "&nbsp;" not in text and "&amp;" not in text
    assert "Question to the Department for Education:" in text
    assert detail_record["questionText"] in text
    assert "\n\nThe department is supporting sectors with short-term project-based work" in text
    assert "\n\nIn July 2021, the government created a £7 million fund" in text
    assert "achievements by FJAAs in due course." in text
    assert (
        "https://www.gov.uk/government/publications/flexi-job-apprenticeships/flexi-job-apprenticeship-agencies" in text
    )
    assert f"Source page: {PAGE}" in text
    assert text.splitlines()[:5] == [
        "Written Question",
        "Apprentices: Employment Agencies",
        "Department: Department for Education",
        "Wednesday 10th January 2024",
        "",
    ]
    assert "What changed" not in text


def test_email_of_an_unanswered_question_says_so(item):
    # GIVEN a question with no answer yet
    # WHEN its email is rendered
    text = email_text(notify(item, body=None, state="tabled"))

    # THEN it says it is not answered
    assert "Not answered yet." in text
    assert "Answer\n" not in text


def test_email_of_a_holding_answer_is_labelled_as_one(item):
    holding = item.model_copy(update={"state": "holding-answer", "body": "I will reply as soon as possible."})

    text = email_text(Notification.for_department(holding, 2, "holding-answer", holding.departments[0]))

    assert "\nHolding answer\n\nI will reply as soon as possible.\n" in text


def test_email_of_a_changed_answer_says_what_changed(item):
    # GIVEN version 2 of the real answer, with one figure edited
    edited = item.model_copy(update={"body": item.body.replace("There are now 44 FJAAs", "There are now 45 FJAAs")})
    notification = Notification.for_department(
        edited, 2, classify(item, edited), edited.departments[0], describe_changes(item, edited)
    )

    # WHEN its email is rendered
    text = email_text(notification)

    # THEN under the header it says it is an update, which version, and the words that changed
    assert text.splitlines()[4:6] == [
        "What changed: updated (version 2)",
        '- Answer: 1 word added, 1 removed; "44" became "45"',
    ]
    assert "There are now 45 FJAAs" in text


def test_the_email_of_a_question_gives_its_uin_and_dates(notification):
    # GIVEN the notification of the real question 1679416 (tabled 5 January, answered 10 January 2024)
    # WHEN its email is rendered
    text = email_text(notification)

    # THEN one line gives its UIN and the dates a department page shows
    assert (
        "UIN 7926, tabled Friday 5th January 2024, due for answer Wednesday 10th January 2024, "
        "answered Wednesday 10th January 2024"
    ) in text
