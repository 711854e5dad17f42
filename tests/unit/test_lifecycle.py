"""What happened between two versions of an item (shared/lifecycle.py): the event subscribers filter on."""

from __future__ import annotations

import pytest

from shared.domain.lifecycle import classify, describe_changes, word_diff_summary
from shared.sources.written_questions import WrittenQuestionsSource


@pytest.fixture
def answered(raw_message, detail_record):
    return WrittenQuestionsSource().parse(raw_message(detail_record))


def version(item, **changes):
    return item.model_copy(update=changes)


def test_a_first_version_is_new_even_when_already_answered(answered):
    assert answered.state == "answered"
    assert classify(None, answered) == "new"


@pytest.mark.parametrize(
    ("old_state", "new_state", "event"),
    [
        ("tabled", "answered", "answered"),
        ("holding-answer", "answered", "answered"),
        ("tabled", "holding-answer", "holding-answer"),
        ("answered", "corrected", "corrected"),
        ("tabled", "withdrawn", "withdrawn"),
        ("answered", "withdrawn", "withdrawn"),
    ],
)
def test_a_change_of_state_names_the_event(answered, old_state, new_state, event):
    # GIVEN two versions of a question in different states
    old = version(answered, state=old_state, body=None if old_state == "tabled" else answered.body)
    new = version(answered, state=new_state)

    # WHEN the change is classified
    # THEN the event is the new state
    assert classify(old, new) == event


def test_a_corrected_answer_corrected_again_is_corrected(answered):
    # GIVEN a corrected answer whose text is corrected once more
    old = version(answered, state="corrected")
    new = version(answered, state="corrected", body=answered.body + " Correction: 45 FJAAs.")

    # THEN it is a correction again
    assert classify(old, new) == "corrected"


def test_a_corrected_answer_with_the_same_text_and_another_change_is_an_update(answered):
    old = version(answered, state="corrected")
    new = version(answered, state="corrected", title="Apprentices: Agencies")

    assert classify(old, new) == "updated"


@pytest.mark.parametrize(
    "changes",
    [
        {"body": "The answer, edited."},
        {"title": "Apprentices: Employment Agencies (revised)"},
        {"summary": "A reworded question."},
    ],
)
def test_a_change_within_the_same_state_is_an_update(answered, changes):
    # GIVEN an answered question whose text or heading changed, still answered
    # WHEN the change is classified
    # THEN it is an update
    assert classify(answered, version(answered, **changes)) == "updated"


def test_going_back_to_a_state_without_its_own_event_is_an_update(answered):
    # GIVEN an answer that was withdrawn upstream back to tabled (a state with no event of its own)
    # THEN subscribers hear of an update, not of a new question
    assert classify(answered, version(answered, state="tabled", body=None)) == "updated"


# --- What changed, for the notification's `changes` ---


def test_changes_of_an_edited_answer_summarise_the_words_not_repeat_the_text(answered):
    # GIVEN the real answer with one figure edited
    edited = version(answered, body=answered.body.replace("There are now 44 FJAAs", "There are now 45 FJAAs"))

    # WHEN the changes are described
    changes = describe_changes(answered, edited)

    # THEN only the body changed, its old text is not repeated, and the summary shows the words
    assert changes.fields == ("body",)
    assert changes.previous == {}
    assert changes.summary == ('Answer: 1 word added, 1 removed; "44" became "45"',)


def test_changes_of_a_state_change_keep_the_previous_short_values(answered):
    # GIVEN the answer corrected on 20 January
    corrected = version(
        answered,
        state="corrected",
        details={**answered.details, "date_answer_corrected": "2024-01-20"},
    )

    # WHEN the changes are described
    changes = describe_changes(answered, corrected)

    # THEN the state and the detail are named, with their previous values
    assert set(changes.fields) == {"state", "details.date_answer_corrected"}
    assert changes.previous == {"state": "answered", "details.date_answer_corrected": None}
    assert changes.summary == ()


def test_changes_of_a_new_title_summarise_it(answered):
    changes = describe_changes(answered, version(answered, title="Apprentices: Flexi-job Agencies"))

    assert changes.fields == ("title",)
    assert changes.summary == ('Title: 1 word added, 1 removed; "Employment" became "Flexi-job"',)


def test_a_long_changed_passage_is_shown_cut():
    # GIVEN a text in which 20 words were replaced
    old = "start " + " ".join(f"old{n}" for n in range(20)) + " end"
    new = "start " + " ".join(f"new{n}" for n in range(20)) + " end"

    # WHEN it is summarised
    line = word_diff_summary("Text", old, new)

    # THEN the counts are right and each side shows at most 12 words then an ellipsis
    assert line.startswith("Text: 20 words added, 20 removed; ")
    assert '"old0 old1 old2 old3 old4 old5 old6 old7 old8 old9 old10 old11 …"' in line
    assert "old12" not in line


def test_a_text_that_only_changed_whitespace_has_no_summary():
    assert word_diff_summary("Text", "a  b\n\nc", "a b c") == ""
