"""Re-notify from the items table: publish stored versions the notifier never delivered (a quiet backfill, a record
on the notifier's failure queue, a stream older than its 24 hours), through the notifier's own path: the same
rendering, watches, publish ledger and PublishBatch. Each version is published once per topic: a message the ledger
shows published is skipped, unless forced.

The table keeps the latest version of each item only, without the one before it: a re-notified version is announced
as first seen (`new`, with every event it reaches), not as the change from its predecessor.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from shared.adapters.items_store import item_from_image
from shared.adapters.publish_ledger import ClaimOutcome, PublishLedger, parse_ledger_key
from shared.pipeline.notifying import READ_ERRORS, Notifier, VersionChange

RENOTIFY_BATCH = 100
"""Versions published together: as many as a notifier invocation's stream batch."""
CLAIM_SECONDS = 120.0
"""How long this command holds its claims on a batch (it has no Lambda deadline): ample for 100 versions."""
LEDGER_MEMORY = timedelta(seconds=PublishLedger.RETENTION_SECONDS)
"""The ledger forgets a published message after this (TTL): a version stored longer ago may have been published
without the ledger still saying so, so it is republished only when forced."""


_DESERIALIZER = TypeDeserializer()


class ForcedLedger(PublishLedger):
    """`--force`: every message is claimed whatever the ledger says (published again); it is still marked completed,
    so that a later run without `--force` skips it."""

    def claim(self, keys: Sequence[str], held_for: float, wait_for: float = 0.0) -> dict[str, ClaimOutcome]:
        return dict.fromkeys(keys, ClaimOutcome.CLAIMED)


@dataclass(frozen=True)
class VersionReport:
    item_id: str
    version: int | None
    outcome: str
    """published, already published, not published (beyond the ledger's memory), failed, unreadable, not found."""
    published: int = 0
    skipped: int = 0
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if value is not None}


@dataclass
class RenotifyResult:
    versions: list[VersionReport] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(report.outcome == outcome for report in self.versions)


def renotify(
    notifier: Notifier,
    rows: Iterable[dict[str, Any]],
    now: datetime,
    force: bool = False,
    wanted: Sequence[str] = (),
    report: Callable[[VersionReport], None] | None = None,
) -> RenotifyResult:
    """Publish the stored versions in `rows` (DynamoDB-typed items table rows) through `notifier`, in batches;
    `wanted` item ids not among the rows are reported not found; `report(VersionReport)` is called as each is settled
    (to print as it goes)."""
    result = RenotifyResult()

    def settle(version: VersionReport) -> None:
        result.versions.append(version)
        if report is not None:
            report(version)

    seen: set[str] = set()
    batch: list[VersionChange] = []
    for row in rows:
        item_id = row.get("item_id", {}).get("S", "")
        seen.add(item_id)
        change, refusal = _change(row, now, force)
        if change is None:
            if refusal is not None:
                settle(refusal)
            continue
        batch.append(change)
        if len(batch) == RENOTIFY_BATCH:
            _publish(notifier, batch, settle)
            batch = []
    _publish(notifier, batch, settle)
    for item_id in wanted:
        if item_id not in seen:
            settle(VersionReport(item_id, None, "not found"))
    return result


def _change(row: dict[str, Any], now: datetime, force: bool) -> tuple[VersionChange, None] | tuple[None, VersionReport]:
    plain = {name: _DESERIALIZER.deserialize(value) for name, value in row.items()}
    item_id = str(plain.get("item_id", ""))
    try:
        stored = item_from_image(plain)
    except READ_ERRORS as error:
        return None, VersionReport(item_id, _int(plain.get("version")), "unreadable", reason=str(error))
    if stored is None:
        return None, VersionReport(item_id, None, "unreadable", reason="no stored item")
    stored_at = plain.get("stored_at")
    if not force and (not stored_at or datetime.fromisoformat(str(stored_at)) < now - LEDGER_MEMORY):
        reason = f"stored before the publish ledger's memory ({LEDGER_MEMORY.days} days): --force to publish it"
        return None, VersionReport(item_id, stored[1], "not published", reason=reason)
    return VersionChange(record_id=item_id, new=stored, old=None, item_id=item_id), None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _publish(notifier: Notifier, batch: list[VersionChange], settle: Callable[[VersionReport], None]) -> None:
    if not batch:
        return
    outcome = notifier.notify(batch, remaining_seconds=CLAIM_SECONDS)

    def per_version(keys: list[str]) -> Counter[tuple[str, int]]:
        """(item id, version) → how many of its messages the keys name."""
        return Counter((parsed.item_id, parsed.version) for parsed in map(parse_ledger_key, keys))

    published, skipped = per_version(outcome.published_keys), per_version(outcome.skipped_keys)
    for change in batch:
        version = change.new[1] if change.new else 0
        reason = outcome.failed.get(change.record_id) or outcome.poisoned.get(change.record_id)
        done, already = published[(change.record_id, version)], skipped[(change.record_id, version)]
        if reason is not None:
            label = "failed"
        elif done:
            label = "published"
        else:
            label = "already published" if already else "nothing to publish"
        settle(VersionReport(change.record_id, version, label, done, already, reason))
