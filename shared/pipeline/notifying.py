"""The notifier's logic: each new item version in the table's stream → one message per department topic, once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from pydantic import ValidationError

from shared.adapters.items_store import item_from_image
from shared.adapters.publish_ledger import ClaimOutcome, PublishLedger
from shared.adapters.sns import Outgoing, SnsPublisher, topic_arn
from shared.domain.item import Item
from shared.domain.lifecycle import classify, describe_changes, events_of
from shared.domain.notification import Notification
from shared.observability import logger


@dataclass(frozen=True)
class VersionChange:
    """One stream record: the stored item before and after a write."""

    record_id: str
    """The stream record's sequence number: what a partial batch failure reports."""
    new: tuple[Item, int] | None
    old: tuple[Item, int] | None
    error: str | None = None
    """Why the record could not be read (it fails, and the stream retries it)."""

    def is_new_version(self) -> bool:
        return self.new is not None and (self.old is None or self.new[1] > self.old[1])


def change_from_stream_record(record: DynamoDBRecord) -> VersionChange:
    stream = record.dynamodb
    sequence_number = (stream.sequence_number if stream else None) or ""
    try:
        return VersionChange(
            sequence_number,
            new=item_from_image(stream.new_image if stream else None),
            old=item_from_image(stream.old_image if stream else None),
        )
    except (ValidationError, KeyError, TypeError, ValueError) as error:
        return VersionChange(sequence_number, None, None, error=f"unreadable stream record: {error}")


@dataclass(frozen=True)
class NotifyResult:
    failed: dict[str, str]
    """Stream record id → why its notifications failed."""
    published: int
    skipped: int
    """Messages not published again because the ledger says they were."""


def notifications_for(change: VersionChange) -> list[Notification]:
    """One notification per department of a new version; none for a record that is not a new version."""
    if not change.is_new_version() or change.new is None:
        return []
    item, version = change.new
    old = change.old[0] if change.old else None
    event, events = classify(old, item), events_of(old, item)
    changes = describe_changes(old, item) if old else None
    return [Notification.for_department(item, version, event, d, changes, events) for d in item.departments]


class Notifier:
    def __init__(self, ledger: PublishLedger, publisher: SnsPublisher, topic_arn_prefix: str) -> None:
        self._ledger = ledger
        self._publisher = publisher
        self._prefix = topic_arn_prefix

    def notify(self, changes: Sequence[VersionChange]) -> NotifyResult:
        """Publish every new version once; report the record ids that failed, with why (they are retried)."""
        failed: dict[str, str] = {}
        # Ledger key → (stream record id, notification): a key met twice in one batch is published once.
        candidates: dict[str, tuple[str, Notification]] = {}
        for change in changes:
            if change.error:
                failed[change.record_id] = change.error
                logger.error("stream record unreadable", extra={"record_id": change.record_id, "error": change.error})
                continue
            for notification in notifications_for(change):
                item = notification.item
                key = f"published#{item.id}#v{item.version}#{item.department.slug}"
                candidates.setdefault(key, (change.record_id, notification))
        claims = self._ledger.claim(list(candidates))
        outgoing: list[tuple[str, Outgoing]] = []
        skipped = 0
        for key, (record_id, notification) in candidates.items():
            if claims[key] is ClaimOutcome.DONE:
                skipped += 1
                logger.info("already published, skipped", extra={"key": key})
            elif claims[key] is ClaimOutcome.BUSY:
                failed[record_id] = f"{key} is being published by another invocation"
            else:
                arn = topic_arn(self._prefix, notification.item.department.slug)
                outgoing.append((record_id, Outgoing(key=key, topic_arn=arn, notification=notification)))
        claimed = [message.key for _, message in outgoing]
        try:
            failures = self._publisher.publish([message for _, message in outgoing])
        except Exception:
            self._ledger.release(claimed)  # nothing known to be published: let the retry publish it all
            raise
        self._ledger.complete([key for key in claimed if key not in failures])
        self._ledger.release(failures)
        for record_id, message in outgoing:
            if message.key in failures:
                failed.setdefault(record_id, failures[message.key])
                logger.error("publish failed", extra={"key": message.key, "reason": failures[message.key]})
        return NotifyResult(failed=failed, published=len(outgoing) - len(failures), skipped=skipped)
