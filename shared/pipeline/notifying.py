"""The notifier's logic: each new item version in the table's stream → one message per department topic, once."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from pydantic import ValidationError

from shared.adapters.items_store import delivery_of, item_from_image
from shared.adapters.publish_ledger import PublishLedger, ledger_key, watch_target
from shared.adapters.sns import Outgoing, SnsPublisher, build_entry, topic_arn
from shared.adapters.sqs import DeadLetterQueue
from shared.domain.events import Event
from shared.domain.item import Item
from shared.domain.lifecycle import classify, describe_changes, events_of, transfer_between
from shared.domain.notification import Changes, Notification
from shared.domain.raw_record import Delivery
from shared.domain.shortened import SHORTENED_BY_LIST, shortened_by_list, shortened_fields
from shared.observability import logger
from shared.pipeline.digesting import DigestRecorder, StoredVersion
from shared.pipeline.publishing import publish_once
from shared.watching.index import WatchIndex
from shared.watching.query import SearchText

PUBLISH_RESERVE_SECONDS = 10.0
"""What an invocation keeps of its time for rendering, publishing and completing after it has waited for claims held
by others (a batch of 1000 records is ~100 PublishBatch calls, a few seconds)."""

READ_ERRORS = (ValidationError, KeyError, TypeError, ValueError)
"""What reading a stored item back can raise: a row the model no longer accepts, or not an item at all."""


@dataclass(frozen=True)
class VersionChange:
    """One stream record: the stored item before and after a write."""

    record_id: str
    """The stream record's sequence number: what a partial batch failure reports."""
    new: tuple[Item, int] | None
    old: tuple[Item, int] | None
    error: str | None = None
    """Why the record can never be notified (its new image cannot be read): it goes to the failure queue."""
    item_id: str | None = None
    """The item's key, readable even when its image is not: what a failure report names."""
    stored_at: datetime | None = None
    """When DynamoDB stored the new image (the stream record's ApproximateCreationDateTime): a digest's clock."""
    delivery: Delivery = Delivery.NOTIFY
    """How the new version is to be delivered: only `notify` is published here (quiet and digest are withheld)."""

    @cached_property
    def notifications(self) -> list[Notification]:
        """`notifications_for(self)`, worked out once however many readers of the change ask (rendering, the digest
        matches, the read index): its what-changed summary diffs the whole body word by word."""
        return notifications_for(self)

    @cached_property
    def departures(self) -> list[Notification]:
        """`departures_for(self)`: the messages to the departments a transferred question left. Only published:
        the read index and the digests list the item under the departments it is in now."""
        return departures_for(self, self.notifications)

    @cached_property
    def search_text(self) -> SearchText | None:
        """The version's searched words, read once for the immediate watches, the digest watches and the read index
        (None: no notification, not a new version)."""
        notifications = self.notifications
        return SearchText.of(notifications[0].item) if notifications else None

    def is_new_version(self) -> bool:
        return self.new is not None and (self.old is None or self.new[1] > self.old[1])

    def is_withheld(self) -> bool:
        """A new version whose delivery says not to publish it one by one (quiet, digest)."""
        return self.delivery is not Delivery.NOTIFY and self.is_new_version()


def change_from_stream_record(record: DynamoDBRecord) -> VersionChange:
    stream = record.dynamodb
    sequence_number = (stream.sequence_number if stream else None) or ""
    item_id = str((stream.keys or {}).get("item_id") or "") or None if stream else None
    try:
        new = item_from_image(stream.new_image if stream else None)
    except READ_ERRORS as error:
        return VersionChange(sequence_number, None, None, error=f"unreadable stored item: {error}", item_id=item_id)
    old_image = stream.old_image if stream else None
    try:
        old = item_from_image(old_image)
    except READ_ERRORS as error:
        # An old version that cannot be read must not block every version after it: the new one is classified as if
        # first seen ("new", no changes). It is still notified once: ledger keys are per version.
        logger.warning(
            "previous version unreadable: classified against nothing",
            extra={"item_id": item_id, "record_id": sequence_number, "error": str(error)},
        )
        if new is not None and _version(old_image) >= new[1]:
            return VersionChange(sequence_number, None, None, item_id=item_id)  # not a new version: nothing to say
        old = None
    created = stream.approximate_creation_date_time if stream else None
    stored_at = datetime.fromtimestamp(created, UTC) if created is not None else None
    return VersionChange(
        sequence_number,
        new,
        old,
        item_id=item_id,
        stored_at=stored_at,
        delivery=delivery_of(stream.new_image if stream else None),
    )


def _version(image: dict[str, Any] | None) -> int:
    try:
        return int((image or {}).get("version", 0))
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class NotifyResult:
    failed: dict[str, str]
    """Stream record id → why its notifications failed (the stream retries it)."""
    published: int
    skipped: int
    """Messages not published again because the ledger says they were."""
    poisoned: dict[str, str] = field(default_factory=dict)
    """Stream record id → why it can never be notified (sent to the failure queue, not retried)."""
    withheld: int = 0
    """New versions stored with a quiet or digest delivery: deliberately published to no topic (logged)."""
    published_keys: list[str] = field(default_factory=list)
    skipped_keys: list[str] = field(default_factory=list)
    """The ledger keys published now, and those not published again because the ledger says they were."""


def notifications_for(change: VersionChange) -> list[Notification]:
    """One notification per department of a new version; none for a record that is not a new version."""
    if not change.is_new_version() or change.new is None:
        return []
    item, version = change.new
    old = change.old[0] if change.old else None
    event, events = classify(old, item), events_of(old, item)
    changes = describe_changes(old, item) if old else None
    transfer = transfer_between(old, item)
    return [Notification.for_department(item, version, event, d, changes, events, transfer) for d in item.departments]


def departures_for(change: VersionChange, notifications: Sequence[Notification]) -> list[Notification]:
    """One `transferred` message per department a question left with this version (`notifications`: the version's
    own), on the left department's topic: its subscribers were told of the question and must hear it is no longer
    theirs. Only `transferred`: what else the version stands for (an answer) is the new department's news, so its
    changes name only the departments and its item is the question without its answer (`question_only`)."""
    transfer = notifications[0].transfer if notifications else None
    if transfer is None or change.new is None:
        return []
    item, version = change.new
    moved = Changes(
        fields=("departments",),
        previous={"departments": [d.model_dump(mode="json") for d in transfer.from_departments]},
    )
    question = question_only(item)
    return [
        Notification.for_department(question, version, Event.TRANSFERRED, d, moved, (Event.TRANSFERRED,), transfer)
        for d in transfer.from_departments
        if transfer.left(d)
    ]


ASKING_ROLES = frozenset({"asked-by"})
ANSWER_STATES = frozenset({"holding-answer", "answered", "corrected"})
"""States a question reaches by an answer: without it, the question is as tabled."""
ANSWER_DETAILS = frozenset({SHORTENED_BY_LIST, "date_answered", "date_holding_answer", "date_answer_corrected"})


def question_only(item: Item) -> Item:
    """The question as its asker put it (identity, title, link, question text, asker, its own dates and state): no
    answer text, attachments (they come with the answer) or answering or correcting minister, no answer dates or
    answered state (its time is the question's own), and no note that the answer was shortened."""
    cut = shortened_fields(item.details)
    details = {key: value for key, value in item.details.items() if key not in ANSWER_DETAILS}
    details |= shortened_by_list(summary="summary" in cut)
    people = tuple(person for person in item.people if person.role in ASKING_ROLES)
    state = "tabled" if item.state in ANSWER_STATES else item.state
    update = {"body": None, "people": people, "details": details, "state": state, "attachments": ()}
    return item.model_copy(update=update | {"updated_at": item.published_at})


def no_watches() -> WatchIndex:
    return WatchIndex(())


class Notifier:
    def __init__(
        self,
        ledger: PublishLedger,
        publisher: SnsPublisher,
        topic_arn_prefix: str,
        failures: DeadLetterQueue,
        immediate_watches: Callable[[], WatchIndex] = no_watches,
        digests: DigestRecorder | None = None,
    ) -> None:
        self._ledger = ledger
        self._publisher = publisher
        self._prefix = topic_arn_prefix
        self._failures = failures
        self._immediate_watches = immediate_watches
        self._digests = digests

    def notify(self, changes: Sequence[VersionChange], remaining_seconds: float) -> NotifyResult:
        """Publish every new version once to each of its departments' topics and to the topic of each immediate
        watch it matches; report the record ids that failed, with why (they are retried).

        `remaining_seconds` is the time the invocation has left: its claims are held that long (and a little more),
        and claims another invocation left behind are waited for while PUBLISH_RESERVE_SECONDS would still be left.
        A record that can never be notified (its stored item unreadable, its notification unrenderable) fails alone:
        it goes to the failure queue with its reason at once, and the rest of the batch is published.
        """
        failed: dict[str, str] = {}
        poisoned: dict[str, str] = {}
        withheld = [change for change in changes if change.is_withheld()]
        for change in withheld:
            _log_withheld(change)
        to_publish = [change for change in changes if not change.is_withheld()]
        watches = self._immediate_watches() if to_publish else WatchIndex(())
        # Ledger key → (stream record id, outgoing message): a key met twice in one batch is published once.
        candidates: dict[str, tuple[str, Outgoing]] = {}
        for change in to_publish:
            poison, rendered = change.error, []
            if poison is None:
                try:
                    rendered = self._rendered(change, watches)
                except PoisonChangeError as error:
                    poison = str(error)
            if poison is not None:
                self._set_aside(change, poison, failed, poisoned)
                continue
            for message in rendered:
                candidates.setdefault(message.key, (change.record_id, message))
        # Withheld versions too: a digest delivery is summed up in the digests (the recorder skips quiet ones).
        self._record_digest_matches([c for c in changes if c.error is None and c.record_id not in failed | poisoned])
        sent = publish_once(
            self._ledger,
            self._publisher,
            [message for _, message in candidates.values()],
            held_for=remaining_seconds,
            wait_for=remaining_seconds - PUBLISH_RESERVE_SECONDS,
        )
        for key in sent.done:
            logger.info("already published, skipped", extra={"key": key})
        for key in sent.busy:
            failed[candidates[key][0]] = f"{key} is claimed by another invocation, whose lease had not ended"
        for key, (record_id, _) in candidates.items():
            if key in sent.failed:
                failed.setdefault(record_id, sent.failed[key])
                logger.error("publish failed", extra={"key": key, "reason": sent.failed[key]})
        return NotifyResult(
            failed=failed,
            published=len(sent.published),
            skipped=len(sent.done),
            poisoned=poisoned,
            withheld=len(withheld),
            published_keys=sent.published,
            skipped_keys=sent.done,
        )

    def _record_digest_matches(self, changes: Sequence[VersionChange]) -> None:
        """Each new version's matches with the digest watches, recorded before anything is published: a failure
        fails the batch, and its retry records the same entries again, which changes nothing."""
        watches = self._digests.watches() if self._digests is not None and changes else ()
        if not watches or self._digests is None:
            return
        versions = [StoredVersion(c.notifications, c.stored_at, c.delivery, c.search_text) for c in changes]
        self._digests.record(versions, watches)

    def _rendered(self, change: VersionChange, watches: WatchIndex) -> list[Outgoing]:
        """The change's messages, rendered now: one that cannot be rendered makes the whole record poison."""
        try:
            messages = []
            notifications = change.notifications
            departures = change.departures
            for notification in [*notifications, *departures]:
                item = notification.item
                messages.append(
                    Outgoing(
                        key=ledger_key(item.id, item.version, item.department.slug),
                        topic_arn=topic_arn(self._prefix, item.department.slug),
                        entry=build_entry("m0", notification),
                    )
                )
            messages += self._for_watches(notifications, change.search_text, watches, departures)
            return messages
        except Exception as error:  # any rendering bug in one item must fail that item alone
            raise PoisonChangeError(f"cannot render the notification: {type(error).__name__}: {error}") from None

    def _for_watches(
        self,
        notifications: Sequence[Notification],
        text: SearchText | None,
        watches: WatchIndex,
        departures: Sequence[Notification] = (),
    ) -> list[Outgoing]:
        """One message per watch the version matches, to the watch's topic. The item's words are read once for all
        watches, and only the watches the index finds on them are asked. The message is the one for the first of the
        item's departments the watch asks for (or its first); a watch that matches only as a department the question
        left (`departures`) gets that department's `transferred` message."""
        if not notifications or not watches or text is None:
            return []
        matched = {watch.name: (watch, notifications) for watch in watches.matching(notifications[0], text)}
        for departure in departures:
            for watch in watches.matching(departure, text):
                matched.setdefault(watch.name, (watch, [departure]))
        messages = []
        for watch, candidates in matched.values():
            wanted = [n for n in candidates if n.item.department.slug in watch.departments] or candidates
            notification = wanted[0]
            item = notification.item
            messages.append(
                Outgoing(
                    key=ledger_key(item.id, item.version, watch_target(watch.name)),
                    topic_arn=watch.topic_arn(self._prefix),
                    entry=build_entry("m0", notification, watch=watch.name),
                )
            )
        return messages

    def _set_aside(self, change: VersionChange, reason: str, failed: dict[str, str], poisoned: dict[str, str]) -> None:
        """A poison record to the failure queue with its reason; if even that fails, the stream retries it."""
        new = change.new
        body = {
            "item_id": change.item_id,
            "version": new[1] if new else None,
            "sequence_number": change.record_id,
            "reason": reason,
        }
        source = new[0].source if new else (change.item_id or "").partition(":")[0] or None
        logger.error("poison stream record sent to the failure queue", extra=body)
        try:
            self._failures.send(json.dumps(body), reason=reason, error_type="PoisonStreamRecord", source=source)
        except Exception as error:  # the record is retried instead of being lost
            failed[change.record_id] = f"{reason} (and the failure queue refused it: {error})"
            return
        poisoned[change.record_id] = reason


def _log_withheld(change: VersionChange) -> None:
    """A version stored quiet (a backfill or catch-up) or for a digest: published nowhere now, on purpose and visibly.
    `deptwatch notify` can still publish it (the ledger has no claim for it); the digests read it from the table."""
    item, version = change.new or (None, None)
    logger.info(
        "version not published: its delivery withholds it",
        extra={
            "item_id": change.item_id or (item.id if item else None),
            "version": version,
            "delivery": change.delivery.value,
        },
    )


class PoisonChangeError(Exception):
    """A stream record that no retry can notify."""
