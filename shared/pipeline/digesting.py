"""Digests: what each daily or weekly watch matched, recorded as the notifier goes, then published once per period.

Recording (in the notifier): each new version is matched once against every digest watch (`Watch.matches`, the
item's words read once for all of them) and each match is added to the watch's day row (shared.adapters.digest_store)
at the moment the version was stored (the stream record's ApproximateCreationDateTime: the same on every retry of the
record, so a retry adds nothing). A version stored `quiet` is never recorded; `digest` and `notify` versions are.

Publishing (the digester, on a schedule): the digest as at T covers the versions stored in (T - period - SETTLE,
T - SETTLE]. SETTLE leaves the notifier time to record what was stored just before the period's end before the digest
reads it. A match recorded more than SETTLE after its version was stored (the stream was stuck: the notifier's
iterator-age alarm fires at 15 minutes) is also recorded at the moment it is recorded, so that it goes in the next
digest rather than being lost if its own period's digest has gone already (then it is in both: the one duplicate
accepted, and only after an alarm). One message per watch and period, claimed in the publish ledger under
`published-digest#<watch>#<daily|weekly>#<period end>`: a retried or repeated run publishes nothing more; nothing
matched, nothing published.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from shared.adapters.digest_store import DigestMatch, DigestMatchStore
from shared.adapters.items_store import ItemStore
from shared.adapters.publish_ledger import PublishLedger, digest_ledger_key
from shared.adapters.sns import SNS_MESSAGE_BYTES, Outgoing, SnsPublisher, entry_size
from shared.domain.digest import Digest, DigestPeriod
from shared.domain.events import Event
from shared.domain.item import Item
from shared.domain.notification import Notification, NotificationItem
from shared.observability import logger
from shared.pipeline.publishing import publish_once
from shared.render.digest import digest_email, digest_sms, digest_subject, sections
from shared.watching.index import WatchIndex
from shared.watching.query import SearchText
from shared.watching.watch import Frequency, Watch

SETTLE = timedelta(minutes=15)
PERIODS = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(days=7)}
QUIET = "quiet"
"""shared.domain.raw_record.Delivery.QUIET: a version stored to be published nowhere, digests included."""
TEXT_LIMIT = 10_000
"""A digest is a summary with links: an item's body or summary longer than this is cut (marked) in its JSON."""
CUT_MARKER = " [… shortened in this digest: the full text is at the link]"
DigestKind = Literal["daily", "weekly"]


# -- recording, in the notifier ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredVersion:
    """A new version as the notifier sees it: its notifications (one per department), when it was stored, the
    delivery its poll asked for (None: the usual, notify), and its searched words if already read."""

    notifications: Sequence[Notification]
    stored_at: datetime | None
    delivery: str | None = None
    text: SearchText | None = None


class DigestRecorder:
    def __init__(
        self,
        store: DigestMatchStore,
        watches: Callable[[], WatchIndex],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self.watches = watches
        """The digest watches (daily and weekly)."""
        self._clock = clock

    def matches(self, versions: Sequence[StoredVersion], watches: WatchIndex) -> list[DigestMatch]:
        now = datetime.fromtimestamp(self._clock(), UTC)
        found: list[DigestMatch] = []
        for version in versions:
            if not version.notifications or version.delivery == QUIET:
                continue
            stored_at = version.stored_at or now
            moments = [stored_at]
            if now - stored_at > SETTLE:  # perhaps after its period's digest: the next one has it too
                moments.append(now)
                logger.warning(
                    "digest match recorded late: recorded now too",
                    extra={"item_id": version.notifications[0].item.id, "stored_at": stored_at.isoformat()},
                )
            text = version.text or SearchText.of(version.notifications[0].item)
            item_id = version.notifications[0].item.id
            for watch in watches.matching(version.notifications[0], text):
                found += [DigestMatch(watch.name, moment, item_id) for moment in moments]
        return found

    def record(self, versions: Sequence[StoredVersion], watches: WatchIndex) -> int:
        """Match and record; how many matches."""
        found = self.matches(versions, watches)
        if found:
            self._store.record(found)
        return len(found)


# -- publishing, in the digester ---------------------------------------------------------------------------------------


def period_covered(frequency: Frequency, at: datetime) -> DigestPeriod:
    end = at.astimezone(UTC) - SETTLE
    return DigestPeriod(start=end - PERIODS[frequency], end=end)


def digest_item(item: Item, version: int, watch: Watch) -> NotificationItem:
    """The item as a notification carries it (for the first of its departments the watch asks for), its long texts
    cut to TEXT_LIMIT."""
    departments = [d for d in item.departments if d.slug in watch.departments] or list(item.departments)
    cut = {
        name: text[:TEXT_LIMIT].rstrip() + CUT_MARKER
        for name in ("summary", "body")
        if (text := getattr(item, name)) and len(text) > TEXT_LIMIT
    }
    notification = Notification.for_department(item.model_copy(update=cut), version, Event.NEW, departments[0])
    return notification.item


def digest_entry(digest: Digest) -> dict[str, Any]:
    """The Publish entry (MessageStructure=json: default JSON, email and sms)."""
    message = {"default": digest.to_json(), "email": digest_email(digest), "sms": digest_sms(digest)}
    return {
        "Id": "m0",
        "Message": json.dumps(message, ensure_ascii=False),
        "MessageStructure": "json",
        "Subject": digest_subject(digest),
        "MessageAttributes": {
            "watch": {"DataType": "String", "StringValue": digest.watch},
            "digest": {"DataType": "String", "StringValue": digest.digest},
        },
    }


def fitted_digest(
    watch: str, frequency: Frequency, period: DigestPeriod, items: Sequence[NotificationItem], limit: int
) -> tuple[Digest, dict[str, Any]]:
    """The digest of `items` (in reading order) and its entry, within `limit` bytes: the most items that fit, the
    rest counted as "and N more" (found by bisection: each probe renders the whole message once)."""
    ordered = [item for _, listed in sections(items, period.end) for item in listed]

    def build(kept: int) -> tuple[Digest, dict[str, Any]]:
        digest = Digest(
            watch=watch,
            digest="daily" if frequency is Frequency.DAILY else "weekly",
            period=period,
            total=len(ordered),
            items=tuple(ordered[:kept]),
            omitted=len(ordered) - kept,
        )
        return digest, digest_entry(digest)

    best = build(len(ordered))
    if entry_size(best[1]) <= limit:
        return best
    low, high = 0, len(ordered) - 1
    best = build(0)
    while low <= high:
        middle = (low + high) // 2
        candidate = build(middle)
        if entry_size(candidate[1]) <= limit:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    if entry_size(best[1]) > limit:
        raise ValueError(f"the digest of watch {watch!r} does not fit in an SNS message even without its items")
    return best


@dataclass
class DigestRun:
    digest: DigestKind
    period: DigestPeriod
    published: list[str] = field(default_factory=list)
    """The watches whose digest this run published."""
    skipped: list[str] = field(default_factory=list)
    """The watches whose digest of this period was published before (a retried or repeated run)."""
    empty: list[str] = field(default_factory=list)
    """The watches that matched nothing in the period: no message."""
    failed: dict[str, str] = field(default_factory=dict)
    """Watch → why its digest could not be published (the run fails, and its retry publishes only these)."""


class Digester:
    def __init__(
        self,
        watches: Callable[[], Sequence[Watch]],
        matches: DigestMatchStore,
        items: ItemStore,
        ledger: PublishLedger,
        publisher: SnsPublisher,
        topic_arn_prefix: str,
        message_limit: int = SNS_MESSAGE_BYTES,
    ) -> None:
        self._watches = watches
        self._matches = matches
        self._items = items
        self._ledger = ledger
        self._publisher = publisher
        self._prefix = topic_arn_prefix
        self._limit = message_limit

    def run(self, frequency: Frequency, at: datetime, remaining_seconds: float) -> DigestRun:
        """Publish the digest of every watch of this frequency for the period before `at`, once."""
        period = period_covered(frequency, at)
        run = DigestRun(digest="daily" if frequency is Frequency.DAILY else "weekly", period=period)
        outgoing: dict[str, Outgoing] = {}
        watch_of: dict[str, str] = {}
        watches = [w for w in self._watches() if w.frequency is frequency]
        matched = {watch.name: self._matches.read(watch.name, period.start, period.end) for watch in watches}
        # Read once for every watch: watches often match the same items, and each read is one BatchGetItem per 100.
        wanted = list(dict.fromkeys(item_id for item_ids in matched.values() for item_id in item_ids))
        latest = self._items.latest(wanted) if wanted else {}
        for watch in watches:
            items = [digest_item(*latest[i], watch) for i in matched[watch.name] if i in latest]
            if not items:
                run.empty.append(watch.name)
                continue
            try:
                _, entry = fitted_digest(watch.name, frequency, period, items, self._limit)
            except ValueError as error:
                run.failed[watch.name] = str(error)
                continue
            key = digest_ledger_key(watch.name, frequency.value, period.end)
            outgoing[key] = Outgoing(key=key, topic_arn=watch.topic_arn(self._prefix), entry=entry)
            watch_of[key] = watch.name
        sent = publish_once(self._ledger, self._publisher, list(outgoing.values()), held_for=remaining_seconds)
        run.skipped += [watch_of[key] for key in sent.done]
        run.published += [watch_of[key] for key in sent.published]
        for key in sent.busy:
            run.failed[watch_of[key]] = "claimed by another run whose lease had not ended"
        for key, reason in sent.failed.items():
            run.failed[watch_of[key]] = reason
        return run
