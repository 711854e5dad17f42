"""The record memory and a detail gone on a recheck (shared/sources/incremental.py): a record listed as when it was
last queued, its detail now 404, is not queued as the list's cut form (that would replace the stored full texts and
be told as news); a changed listing is, and so is everything in an explicit backfill."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.sources.incremental import FetchedRecord, RecordMemory, SourceState

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
LISTED = {"id": 1_700_001, "answerText": "The figures are held centrally.We publish them every March but..."}
FULL = {**LISTED, "answerText": "<p>The figures are held centrally.</p><p>We publish them every March but not all.</p>"}


class Identity:
    def record_key(self, record: dict[str, Any]) -> str:
        return str(record["id"])

    def digest(self, record: dict[str, Any]) -> str:
        return json.dumps(record, sort_keys=True)


def after_full_queued() -> SourceState:
    """The state after a poll that read the record's detail and queued it in full."""
    memory = RecordMemory(Identity(), SourceState(), T0, HOUR, requeue_all=False)
    assert memory.remember(FetchedRecord(record=FULL, listed=LISTED))
    state = memory.next_state(T0 - HOUR)
    assert state is not None
    return state


def recheck(state: SourceState, listed: dict[str, Any], requeue_all: bool = False) -> tuple[bool, RecordMemory]:
    """A later poll whose recheck of the record finds its detail gone: whether it queues the list's form."""
    memory = RecordMemory(Identity(), state, T0 + 2 * HOUR, HOUR, requeue_all=requeue_all)
    assert memory.detail_check() is None or not memory.known(listed), "its recheck is due: the detail is asked"
    return memory.remember(FetchedRecord(record=listed, listed=listed, detail_missing=True)), memory


def test_a_detail_gone_on_recheck_queues_nothing_and_is_not_asked_again_at_once() -> None:
    state = after_full_queued()
    queued, memory = recheck(state, LISTED)
    assert not queued and memory.unchanged == 1
    saved = memory.next_state(T0)
    assert saved is not None
    # what was queued (the full record) is still what the memory compares with; the recheck counts as done
    assert saved.seen[str(LISTED["id"])].content == Identity().digest(FULL)
    later = RecordMemory(Identity(), saved, T0 + 2 * HOUR + timedelta(minutes=5), HOUR, requeue_all=False)
    assert later.known(LISTED)


@pytest.mark.parametrize(
    ("listed", "requeue_all"),
    [({**LISTED, "dateAnswerCorrected": "2026-03-02"}, False), (LISTED, True)],
    ids=["listing-changed", "backfill"],
)
def test_a_changed_listing_or_a_backfill_still_queues_the_cut_form(listed: dict[str, Any], requeue_all: bool) -> None:
    queued, _ = recheck(after_full_queued(), listed, requeue_all)
    assert queued
