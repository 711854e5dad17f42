"""A source polled less often than the schedule (Source.poll_every): which poll messages poll it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.poll_message import PollMessage
from shared.domain.raw_record import Delivery
from shared.pipeline.polls import poll_due
from shared.sources import get_source
from shared.sources.incremental import PollCheckpoint, SourceState

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
HOURLY = timedelta(hours=1)
SCHEDULED = PollMessage(source="bills", poll_id="p")


@pytest.mark.parametrize(
    ("last_poll", "due"),
    [
        (None, True),  # never polled
        (NOW - timedelta(minutes=5), False),
        (NOW - timedelta(minutes=55), False),  # the 11th schedule after it
        (NOW - timedelta(minutes=59, seconds=40), True),  # the 12th, started a little early
        (NOW - timedelta(hours=5), True),  # an outage: catch up at once
    ],
)
def test_a_scheduled_poll_of_an_hourly_source_runs_once_an_hour(last_poll: datetime | None, due: bool) -> None:
    assert poll_due(HOURLY, SCHEDULED, SourceState(last_poll), NOW) is due


def test_backfills_continuations_and_unfinished_polls_are_always_due() -> None:
    recent = NOW - timedelta(minutes=5)
    unfinished = PollCheckpoint(poll_id="p", step=1, since=recent, until=recent, delivery=Delivery.NOTIFY)
    assert poll_due(HOURLY, SCHEDULED.model_copy(update={"since": recent}), SourceState(recent), NOW)
    assert poll_due(HOURLY, SCHEDULED.model_copy(update={"step": 1}), SourceState(recent), NOW)
    assert poll_due(HOURLY, SCHEDULED, SourceState(recent, checkpoint=unfinished), NOW)
    assert poll_due(timedelta(0), SCHEDULED, SourceState(recent), NOW)  # every schedule: the usual source


@pytest.mark.parametrize("name", ["bills", "statutory-instruments"])
def test_the_sources_whose_idle_poll_is_dear_poll_hourly(name: str) -> None:
    assert get_source(name).poll_every == HOURLY
