"""SNS publishing: one topic per department, PublishBatch within AWS's limits, per-entry failures handled."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from shared.adapters.retry import Backoff, Sleep, retry_pending
from shared.domain.item import PUBLISHING_ORGANISATION
from shared.domain.notification import Notification
from shared.render.email import email_text, sms_text, subject

SNS_BATCH_ENTRIES = 10
SNS_MESSAGE_BYTES = 262_144
"""SNS's limit for one message, attributes included, and for the sum of one PublishBatch (256 KiB)."""
SHORTENED_MARKER = "\n\n[… shortened: the full text is at the link below]"
PUBLISH_ATTEMPTS = 4
PUBLISH_BACKOFF = Backoff(first=0.1, cap=2.0)


def topic_arn(prefix: str, department_slug: str) -> str:
    return f"{prefix}{department_slug}"


def message_attributes(notification: Notification, watch: str | None = None) -> dict[str, dict[str, str]]:
    """What subscribers filter on (SNS filter policies): lower-case strings; absent when they do not apply. `watch`:
    the watch a message to a watch topic is for (its name).

    `event` is a String.Array of every event the version stands for (`Notification.events`): SNS matches a policy
    value against each element, so `{"event": ["answered"]}` selects a question first seen already answered too.
    """
    item = notification.item
    organisation = item.details.get(PUBLISHING_ORGANISATION)
    values = {
        "department": ("String", item.department.slug),
        "source": ("String", item.source),
        "kind": ("String", item.kind),
        "event": ("String.Array", json.dumps([event.value for event in notification.events])),
        "house": ("String", item.house),
        "category": ("String", item.category.lower() if item.category else None),
        "organisation": ("String", organisation.lower() if isinstance(organisation, str) else None),
        "watch": ("String", watch),
    }
    return {name: {"DataType": type_, "StringValue": value} for name, (type_, value) in values.items() if value}


def entry_size(entry: dict[str, Any]) -> int:
    attributes = sum(
        len(name.encode()) + len(value["DataType"].encode()) + len(value["StringValue"].encode())
        for name, value in entry["MessageAttributes"].items()
    )
    return len(entry["Message"].encode()) + len(entry["Subject"].encode()) + attributes


def build_entry(entry_id: str, notification: Notification, watch: str | None = None) -> dict[str, Any]:
    """One PublishBatch entry (MessageStructure=json: default JSON, email and sms texts), within 256 KiB.

    An oversized message is shortened (body, then summary, cut with a marker; the link kept), never dropped. The
    longest text that fits is found by bisection: a text appears in both the JSON and the email, and JSON escaping
    changes its size, so the cut cannot be computed in one step.
    """
    entry = _render(entry_id, notification, watch)
    for field in ("body", "summary"):
        text = getattr(notification.item, field) or ""
        if entry_size(entry) <= SNS_MESSAGE_BYTES or not text:
            continue
        fitting = _with_text(notification, field, SHORTENED_MARKER.strip())
        low, high = 1, len(text)
        while low <= high:
            middle = (low + high) // 2
            candidate = _with_text(notification, field, text[:middle].rstrip() + SHORTENED_MARKER)
            if entry_size(_render(entry_id, candidate, watch)) <= SNS_MESSAGE_BYTES:
                fitting, low = candidate, middle + 1
            else:
                high = middle - 1
        notification = fitting
        entry = _render(entry_id, notification, watch)
    if entry_size(entry) > SNS_MESSAGE_BYTES:
        raise ValueError(f"notification {notification.item.id} does not fit in an SNS message")
    return entry


def _with_text(notification: Notification, field: str, text: str) -> Notification:
    return notification.model_copy(update={"item": notification.item.model_copy(update={field: text})})


def _render(entry_id: str, notification: Notification, watch: str | None = None) -> dict[str, Any]:
    message = {"default": notification.to_json(), "email": email_text(notification), "sms": sms_text(notification)}
    return {
        "Id": entry_id,
        "Message": json.dumps(message, ensure_ascii=False),
        "MessageStructure": "json",
        "Subject": subject(notification),
        "MessageAttributes": message_attributes(notification, watch),
    }


@dataclass(frozen=True)
class Outgoing:
    key: str
    """Unique per message; also its ledger key."""
    topic_arn: str
    entry: dict[str, Any]
    """The PublishBatch entry, rendered (its Id is set again per batch)."""


class SnsPublisher:
    def __init__(self, client: Any, sleep: Sleep = time.sleep) -> None:
        self._client = client
        self._sleep = sleep
        self.published = 0

    def publish(self, messages: Sequence[Outgoing]) -> dict[str, str]:
        """Publish all; return the key and reason of each message that could not be published."""
        failures: dict[str, str] = {}
        by_topic: dict[str, list[tuple[Outgoing, dict[str, Any]]]] = {}
        for position, message in enumerate(messages):
            entry = {**message.entry, "Id": f"m{position}"}
            by_topic.setdefault(message.topic_arn, []).append((message, entry))
        for arn, entries in by_topic.items():
            for batch in _batches(entries):
                failures.update(self._publish_batch(arn, batch))
        return failures

    def _publish_batch(self, arn: str, batch: list[tuple[Outgoing, dict[str, Any]]]) -> dict[str, str]:
        failures: dict[str, str] = {}
        last_reason: dict[str, str] = {}

        def publish(pending: dict[str, tuple[Outgoing, dict[str, Any]]]) -> dict[str, tuple[Outgoing, dict[str, Any]]]:
            """One PublishBatch; the entries worth sending again (those SNS failed on its side)."""
            try:
                response = self._client.publish_batch(
                    TopicArn=arn, PublishBatchRequestEntries=[entry for _, entry in pending.values()]
                )
            except ClientError as error:  # the whole call failed (throttled, 5xx past botocore's own retries)
                code = error.response.get("Error", {}).get("Code", "ClientError")
                response = {"Failed": [{"Id": i, "Code": code, "Message": str(error)} for i in pending]}
            self.published += len(response.get("Successful") or [])
            retry: dict[str, tuple[Outgoing, dict[str, Any]]] = {}
            for failed in response.get("Failed") or []:
                message, entry = pending[failed["Id"]]
                reason = f"{failed.get('Code')}: {failed.get('Message')}"
                if failed.get("SenderFault"):
                    failures[message.key] = reason
                else:
                    retry[failed["Id"]] = (message, entry)
                    last_reason[message.key] = reason
            return retry

        entries = {entry["Id"]: (message, entry) for message, entry in batch}
        unpublished = retry_pending(
            publish, entries, attempts=PUBLISH_ATTEMPTS, backoff=PUBLISH_BACKOFF, sleep=self._sleep
        )
        for message, _ in unpublished.values():
            failures[message.key] = f"{last_reason[message.key]} (after {PUBLISH_ATTEMPTS} attempts)"
        return failures


def _batches(entries: list[tuple[Outgoing, dict[str, Any]]]) -> list[list[tuple[Outgoing, dict[str, Any]]]]:
    batches: list[list[tuple[Outgoing, dict[str, Any]]]] = []
    size = SNS_MESSAGE_BYTES + 1
    for pair in entries:
        length = entry_size(pair[1])
        if not batches or len(batches[-1]) == SNS_BATCH_ENTRIES or size + length > SNS_MESSAGE_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(pair)
        size += length
    return batches
