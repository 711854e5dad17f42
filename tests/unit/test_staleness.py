"""The staleness the sources-stale alarm reads (OldestSuccessAgeSeconds), since it is the one alarm on failing
sources (issue #17 merged sources-failing into it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.pipeline.fetching import SourceReport, oldest_success_age

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_a_source_failing_since_its_first_poll_counts_from_its_window_start() -> None:
    # GIVEN one source polled fine a minute ago, and one that has never completed a poll and failed now
    reports = [
        SourceReport(
            source="written-questions", since=NOW - timedelta(days=3), last_success=NOW - timedelta(minutes=1)
        ),
        SourceReport(source="govuk-publications", since=NOW - timedelta(days=30), error="HTTP 500"),
    ]
    # WHEN the staleness is measured / THEN it is the failing source's, from the start of the window it could not read
    assert oldest_success_age(reports, NOW) == timedelta(days=30).total_seconds()


def test_a_first_poll_still_under_way_is_not_stale() -> None:
    # GIVEN a source whose first poll ran out of time without an error (it resumes from its checkpoint at once)
    reports = [SourceReport(source="bills", since=NOW - timedelta(days=30), complete=False)]
    # WHEN the staleness is measured / THEN there is none to report yet
    assert oldest_success_age(reports, NOW) is None


def test_a_failing_source_that_once_succeeded_counts_from_its_last_complete_poll() -> None:
    # GIVEN a source that last completed a poll 20 minutes ago and failed now
    reports = [
        SourceReport(
            source="bills", since=NOW - timedelta(days=3), error="HTTP 503", last_success=NOW - timedelta(minutes=20)
        )
    ]
    # WHEN the staleness is measured / THEN it is 20 minutes
    assert oldest_success_age(reports, NOW) == 20 * 60
