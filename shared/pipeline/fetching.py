"""The fetcher's logic: poll each source incrementally, queue its raw records, then advance its watermark."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.adapters.http import UpstreamClient, UpstreamError, UpstreamUnreachableError
from shared.adapters.source_state import SeenRecord, SourceState, WatermarkStore
from shared.adapters.sqs import RawRecordQueue
from shared.domain.departments import Department
from shared.domain.raw_record import RawRecordMessage
from shared.observability import logger
from shared.sources.base import Source

SEND_CHUNK = 100
"""Records are queued as they are fetched, in chunks, rather than all held until the end."""
WATERMARK_REFRESH = timedelta(hours=1)
DETAIL_RECHECK = timedelta(hours=1)
"""An idle poll leaves the stored watermark alone until it is this old (the window start moves at least hourly)."""


class PollRequest(BaseModel):
    """The fetcher's event: EventBridge's "Scheduled Event", or a manual invoke asking for a backfill."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    since: datetime | None = None
    """Read from this time (naive: London) instead of the watermark, e.g. {"since": "2026-01-01"}."""


@dataclass(frozen=True)
class SourceReport:
    source: str
    since: datetime
    queued: int = 0
    unchanged: int = 0
    """Records fetched again exactly as they were last queued: not queued again."""
    error: str | None = None
    unreachable_host: str | None = None
    last_success: datetime | None = None
    """The source's watermark after this poll: when it last completed a poll."""

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "since": self.since.isoformat(),
            "queued": self.queued,
            "unchanged": self.unchanged,
            "error": self.error,
            "unreachable_host": self.unreachable_host,
            "last_success": self.last_success.isoformat() if self.last_success else None,
        }


def oldest_success_age(reports: Sequence[SourceReport], now: datetime) -> float | None:
    """Seconds since the source that has gone longest without a complete poll last completed one (staleness)."""
    ages = [(now - r.last_success).total_seconds() for r in reports if r.last_success]
    return max(ages, default=None)


@dataclass(frozen=True)
class PollWindow:
    overlap: timedelta
    backfill: timedelta
    since: datetime | None = None
    """Read from here instead of the watermark (a backfill asked for by the operator)."""

    def start(self, watermark: datetime | None, now: datetime) -> datetime:
        if self.since is not None:
            return self.since
        return watermark - self.overlap if watermark else now - self.backfill


class Poller:
    """Polls sources; queues only the records that are new or changed since they were last queued.

    Each source's state keeps, per record seen within the poll window, the digest of what was last queued, so the
    overlap that every poll re-reads (for the APIs' lag) costs nothing downstream: an idle poll queues nothing and,
    most of the time, writes nothing. A record the list endpoint cuts is completed from its detail endpoint when its
    listed form changed, and at least every `detail_recheck` otherwise (an edit beyond the cut changes no listed field).
    A backfill asked for explicitly (`since`) re-queues everything; the processor still writes only changes.
    """

    def __init__(
        self,
        http: UpstreamClient,
        queue: RawRecordQueue,
        watermarks: WatermarkStore,
        detail_recheck: timedelta = DETAIL_RECHECK,
    ) -> None:
        self._http = http
        self._queue = queue
        self._watermarks = watermarks
        self._detail_recheck = detail_recheck

    def poll(
        self, sources: Sequence[Source], departments: Sequence[Department], window: PollWindow, now: datetime
    ) -> list[SourceReport]:
        """Every source in turn; one that fails is reported and keeps its watermark, and the others go on."""
        return [self._poll_source(source, departments, window, now) for source in sources]

    def _poll_source(
        self, source: Source, departments: Sequence[Department], window: PollWindow, now: datetime
    ) -> SourceReport:
        state = self._watermarks.get(source.name)
        since = window.start(state.watermark, now)
        today, stamp = now.date().isoformat(), int(now.timestamp())
        seen_now: dict[str, SeenRecord] = {}
        queued = skipped = 0

        def detail_known(listed: dict[str, Any]) -> bool:
            """Listed as when last queued, and its detail read recently: no need to read the detail again."""
            entry = state.seen.get(source.record_key(listed))
            return (
                entry is not None
                and entry.listed == source.digest(listed)
                and stamp - entry.checked < self._detail_recheck.total_seconds()
            )

        try:
            chunk: list[RawRecordMessage] = []
            # A backfill asked for explicitly re-queues everything; otherwise a record is queued only when its
            # content differs from what was last queued for it (by the source's record key).
            explicit = window.since is not None
            for fetched in source.fetch(self._http, departments, since, now, None if explicit else detail_known):
                listed = fetched.listed or fetched.record
                key = source.record_key(listed)
                last = state.seen.get(key)
                if fetched.known and last is not None:
                    seen_now[key] = replace(last, day=today)
                    skipped += 1
                    continue
                content = source.digest(fetched.record)
                checked = stamp if fetched.listed is not None else (last.checked if last else stamp)
                seen_now[key] = SeenRecord(source.digest(listed), content, today, checked)
                if last is not None and last.content == content and not explicit:
                    skipped += 1
                    continue
                chunk.append(
                    RawRecordMessage(
                        source=source.name,
                        record=fetched.record,
                        department=fetched.department,
                        fetched_at=now,
                        origin=fetched.origin,
                    )
                )
                if len(chunk) >= SEND_CHUNK:
                    queued += self._queue.send(chunk)
                    chunk = []
            queued += self._queue.send(chunk)
            self._save_state(source.name, state, seen_now, since, now)
        except UpstreamUnreachableError as error:
            logger.error("source unreachable", extra={"source": source.name, "host": error.host, "error": str(error)})
            return SourceReport(source.name, since, queued, skipped, str(error), error.host, state.watermark)
        except UpstreamError as error:
            logger.error("source failed", extra={"source": source.name, "url": error.url, "error": str(error)})
            return SourceReport(source.name, since, queued, skipped, str(error), last_success=state.watermark)
        except Exception as error:  # one broken source must never stop the others
            logger.exception("source failed unexpectedly", extra={"source": source.name})
            return SourceReport(
                source.name, since, queued, skipped, f"{error.__class__.__name__}: {error}", None, state.watermark
            )
        logger.info(
            "source polled",
            extra={"source": source.name, "queued": queued, "unchanged": skipped, "since": since.isoformat()},
        )
        return SourceReport(source.name, since, queued, skipped, last_success=now)

    def _save_state(
        self, source: str, state: SourceState, seen_now: dict[str, SeenRecord], since: datetime, now: datetime
    ) -> None:
        """Advance the watermark (every record is on the queue by now) and keep the records still in the window.

        Nothing is written when nothing seen changed and the stored watermark is recent: idle polls cost no write.
        """
        oldest_kept = since.date().isoformat()
        seen = {key: entry for key, entry in {**state.seen, **seen_now}.items() if entry.day >= oldest_kept}
        fresh = state.watermark is not None and now - state.watermark < WATERMARK_REFRESH
        if seen == state.seen and fresh:
            return
        self._watermarks.put(source, SourceState(watermark=now, seen=seen))
