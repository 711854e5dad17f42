"""One name per text of a kind: the what-changed lines and the shortened note call a kind's texts by the same names
(a written question's summary is its question, its body its answer), so one email never says "Summary: …" beside
"Question shortened by …"."""

from __future__ import annotations

import pytest

from shared.domain.events import Event
from shared.domain.kinds import Kind, text_name
from shared.domain.lifecycle import describe_changes
from shared.domain.notification import Notification
from shared.render.email import email_text
from tests.unit.question_items import question_item

CUT_QUESTION, FULL_QUESTION = "To ask the Secretary of State ...", "To ask the Secretary of State for Education."
CUT_ANSWER, FULL_ANSWER = "The Department ...", "The Department funds school meals through the grant."


def completed(kind: Kind):
    old = question_item(kind, summary=CUT_QUESTION, body=CUT_ANSWER, details={"shortened_by_list": "summary, body"})
    new = question_item(kind, summary=FULL_QUESTION, body=FULL_ANSWER)
    return old, new


def test_a_written_questions_changes_name_its_question_and_its_answer():
    old = question_item(summary="What steps?", body="The answer is 44.")
    new = question_item(summary="What steps now?", body="The answer is 45.")

    summary = describe_changes(old, new).summary

    assert [line.split(":")[0] for line in summary] == ["Question", "Answer"]


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kinds_changes_and_shortened_note_use_the_same_names(kind):
    old, new = completed(kind)
    changes = describe_changes(old, new)
    was_cut = Notification.for_department(old, 1, Event.NEW, old.departments[0])

    note = email_text(was_cut)

    assert [line.split(":")[0] for line in changes.summary] == [
        text_name(kind, "summary").capitalize(),
        text_name(kind, "body").capitalize(),
    ]
    assert f"the full {text_name(kind, 'summary')} and {text_name(kind, 'body')} are on the source page" in note


def test_an_unknown_kind_reads_with_the_default_names():
    assert (text_name("a-kind-from-a-newer-deptwatch", "body"), text_name("bill", "title")) == ("text", "title")
