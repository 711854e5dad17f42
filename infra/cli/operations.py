"""Operating a deployed stack: its topics, subscriptions with filter policies, and the dead-letter queues.

Everything here uses plain SNS, SQS and CloudFormation calls, so it works on AWS and on moto alike. Redriving a whole
dead-letter queue is SQS's own StartMessageMoveTask; moto lacks it, and it cannot pick messages, so redriving named
messages (and the whole queue on moto) is receive → send → delete, which sends the body only (the dead-letter reason
stays behind: a record that fails again gets a fresh one).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.watching.watch import Watch, watch_topic_name

FILTER_ATTRIBUTES = ("kind", "event", "house", "category", "source")
PROTOCOLS = ("email", "email-json", "sqs", "lambda", "https", "http", "sms")
DEAD_LETTER_QUEUES = {"records": "DeadLetterQueueUrl", "notifier": "NotifierFailureQueueUrl"}
"""Which dead-letter queue, by the stack output naming it: poison records, or stream batches the notifier gave up."""


class OperationError(RuntimeError):
    """A clear, user-facing reason why an operation cannot be done."""


def filter_policy(**values: Sequence[str] | None) -> dict[str, list[str]]:
    """An SNS filter policy on our message attributes: each flag's values are alternatives, flags combine with AND.

    Values are lower-cased, as the notifier publishes them (SNS matching is case-sensitive).
    """
    unknown = set(values) - set(FILTER_ATTRIBUTES)
    if unknown:
        raise OperationError(f"cannot filter on {', '.join(sorted(unknown))}")
    return {
        name: sorted({value.strip().lower() for value in chosen if value.strip()})
        for name, chosen in values.items()
        if chosen
    }


def department_topics(sns: Any, stack_name: str) -> dict[str, str]:
    """Department slug → topic ARN, for the topics the stack created (named `<stack>-<department-slug>`).

    Only registry slugs count: another stack whose name starts with this one's (`deptwatch-local`) is not listed.
    """
    from shared.domain.departments import DEPARTMENTS

    slugs = {department.slug for department in DEPARTMENTS}
    prefix = f"{stack_name}-"
    topics = {}
    for page in sns.get_paginator("list_topics").paginate():
        for topic in page["Topics"]:
            name = topic["TopicArn"].rsplit(":", 1)[-1]
            if name.startswith(prefix) and name.removeprefix(prefix) in slugs:
                topics[name.removeprefix(prefix)] = topic["TopicArn"]
    if not topics:
        raise OperationError(f"no deptwatch topics found for stack {stack_name!r} (is it deployed in this region?)")
    return topics


CONFIRMED_BY_ENDPOINT = frozenset({"email", "email-json", "http", "https"})
"""Protocols whose endpoint must confirm the subscription (SNS sends it a confirmation request)."""


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    from botocore.exceptions import ClientError

    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:  # the stack does not exist (no region or credentials: the command's one line)
        raise OperationError(f"cannot read stack {stack_name!r}: {error}") from error
    return {output["OutputKey"]: output["OutputValue"] for output in stacks[0].get("Outputs", [])}


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    receipt_handle: str
    body: str
    reason: str | None
    source: str | None
    receive_count: int

    def summary(self) -> dict[str, Any]:
        try:
            parsed = json.loads(self.body)
        except ValueError:
            parsed = None
        parsed = parsed if isinstance(parsed, dict) else {}
        summary = {
            "message_id": self.message_id,
            "source": self.source,
            "reason": self.reason,
            "origin": parsed.get("origin"),
            "receive_count": self.receive_count,
        }
        if "DDBStreamBatchInfo" in parsed:  # a notifier failure: which stream records it gave up on, and why
            summary["stream_batch"] = parsed["DDBStreamBatchInfo"]
            summary["condition"] = parsed.get("requestContext", {}).get("condition")
        return summary


def queue_depth(sqs: Any, queue_url: str) -> int:
    """How many messages the queue holds (visible or being received): read without touching any message."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes.get("ApproximateNumberOfMessages", 0)) + int(
        attributes.get("ApproximateNumberOfMessagesNotVisible", 0)
    )


def start_redrive(sqs: Any, dead_letter_url: str, target_url: str) -> str | None:
    """Ask SQS to move every message of the dead-letter queue back to the target (StartMessageMoveTask, which runs on
    SQS's side, at its own pace, keeping each message's attributes); its task handle, or None where SQS does not
    offer it (moto), for the caller to move the messages itself."""

    def arn(url: str) -> str:
        return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])

    try:
        task = sqs.start_message_move_task(SourceArn=arn(dead_letter_url), DestinationArn=arn(target_url))
    except NotImplementedError:  # moto: "The start_message_move_task action has not been implemented"
        return None
    return str(task["TaskHandle"])


def peek_dead_letters(sqs: Any, queue_url: str, limit: int = 100) -> list[DeadLetter]:
    """Up to `limit` messages, left on the queue: each is made visible again right away. SQS has no peek: reading a
    message is a receive, which adds one to its receive count (harmless on a dead-letter queue, which has no redrive
    policy of its own; its retention still counts from when the record was first queued)."""
    seen: dict[str, DeadLetter] = {}
    while len(seen) < limit:
        messages = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            VisibilityTimeout=30,
            AttributeNames=["ApproximateReceiveCount"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        fresh = [m for m in messages if m["MessageId"] not in seen]
        if not fresh:
            break
        for message in fresh:
            attributes = message.get("MessageAttributes", {})
            seen[message["MessageId"]] = DeadLetter(
                message_id=message["MessageId"],
                receipt_handle=message["ReceiptHandle"],
                body=message["Body"],
                reason=attributes.get("reason", {}).get("StringValue"),
                source=attributes.get("source", {}).get("StringValue"),
                receive_count=int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1")),
            )
    for letter in seen.values():
        sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=letter.receipt_handle, VisibilityTimeout=0)
    return list(seen.values())[:limit]


def redrive(sqs: Any, dead_letter_url: str, target_url: str, message_ids: Iterable[str] | None = None) -> list[str]:
    """Send dead letters back to the queue they came from (all, or those named); returns the ids moved.

    The copy is sent before the original is deleted: a crash in between leaves a duplicate, which the processor's
    conditional write makes harmless, never a loss.
    """
    wanted = set(message_ids) if message_ids is not None else None
    letters = peek_dead_letters(sqs, dead_letter_url, limit=10_000)
    if wanted is not None and (missing := wanted - {letter.message_id for letter in letters}):
        raise OperationError(f"not on the dead-letter queue (nothing was moved): {', '.join(sorted(missing))}")
    moved: list[str] = []
    for letter in letters:
        if wanted is not None and letter.message_id not in wanted:
            continue
        sqs.send_message(QueueUrl=target_url, MessageBody=letter.body)
        sqs.delete_message(QueueUrl=dead_letter_url, ReceiptHandle=letter.receipt_handle)
        moved.append(letter.message_id)
    return moved


# --- watches -------------------------------------------------------------------------------------------------------

SNS_TOPIC_NAME_LENGTH = 256


@dataclass(frozen=True)
class SavedWatch:
    watch: Watch
    topic_arn: str | None

    def summary(self) -> dict[str, Any]:
        return {**self.watch.stored(), "topic_arn": self.topic_arn}


def _watch_store(cloudformation: Any, dynamodb: Any, stack_name: str) -> Any:
    from shared.adapters.watch_store import WatchStore

    return WatchStore(dynamodb, stack_outputs(cloudformation, stack_name)["StateTableName"])


def _topic_arns(sns: Any) -> dict[str, str]:
    """Topic name → ARN, for every topic of the account in the region."""
    return {
        topic["TopicArn"].rsplit(":", 1)[-1]: topic["TopicArn"]
        for page in sns.get_paginator("list_topics").paginate()
        for topic in page["Topics"]
    }


def add_watch(cloudformation: Any, dynamodb: Any, sns: Any, stack_name: str, watch: Watch) -> SavedWatch:
    """Create the watch's topic, only the stack's publishers allowed to publish to it, then save the watch (a saved
    watch always has its topic to be published to). Adding a watch of a name that exists replaces it."""
    from infra.cli.watch_topics import NoPublisherError, publisher_roles, restrict_publishing

    name = watch_topic_name(stack_name, watch.name)
    if len(name) > SNS_TOPIC_NAME_LENGTH:
        raise OperationError(f"topic name {name!r} is over SNS's {SNS_TOPIC_NAME_LENGTH} characters: a shorter name")
    try:
        publishers = publisher_roles(stack_outputs(cloudformation, stack_name))
    except NoPublisherError as error:
        raise OperationError(f"stack {stack_name!r}: {error}") from None
    store = _watch_store(cloudformation, dynamodb, stack_name)
    arn = sns.create_topic(Name=name, Tags=[{"Key": "watch", "Value": watch.name}])["TopicArn"]
    restrict_publishing(sns, arn, publishers)
    store.put(watch)
    return SavedWatch(watch, arn)


def list_watches(cloudformation: Any, dynamodb: Any, sns: Any, stack_name: str) -> list[SavedWatch]:
    topics = _topic_arns(sns)
    return [
        SavedWatch(watch, topics.get(watch_topic_name(stack_name, watch.name)))
        for watch in _watch_store(cloudformation, dynamodb, stack_name).list()
    ]


def show_watch(cloudformation: Any, dynamodb: Any, sns: Any, stack_name: str, name: str) -> SavedWatch:
    watch = _watch_store(cloudformation, dynamodb, stack_name).get(name)
    if watch is None:
        raise OperationError(f"stack {stack_name!r} has no watch {name!r}")
    return SavedWatch(watch, _topic_arns(sns).get(watch_topic_name(stack_name, name)))


def remove_watch(cloudformation: Any, dynamodb: Any, sns: Any, stack_name: str, name: str) -> SavedWatch:
    """Delete the watch, then its topic (and with it its subscriptions). A notifier that read the watch less than a
    minute ago may still try to publish to it: that batch fails and the stream retries it, without the watch."""
    store = _watch_store(cloudformation, dynamodb, stack_name)
    watch = store.get(name)
    arn = _topic_arns(sns).get(watch_topic_name(stack_name, name))
    if watch is None and arn is None:
        raise OperationError(f"stack {stack_name!r} has no watch {name!r}")
    store.delete(name)
    if arn is not None:
        sns.delete_topic(TopicArn=arn)
    return SavedWatch(watch or Watch(name=name), arn)


# --- re-notify -----------------------------------------------------------------------------------------------------


def renotify_versions(
    cloudformation: Any,
    dynamodb: Any,
    sns: Any,
    sqs: Any,
    stack_name: str,
    since: datetime | None,
    item_ids: Sequence[str],
    force: bool,
    report: Callable[[Any], None],
) -> Any:
    """Publish the stored versions of the items named, or of every item stored since `since`, through the notifier's
    own path (shared.pipeline.renotifying), with the deployed stack's table, ledger, watches and topics."""
    from shared.adapters.items_store import ItemStore
    from shared.adapters.publish_ledger import PublishLedger
    from shared.adapters.sns import SnsPublisher
    from shared.adapters.sqs import DeadLetterQueue
    from shared.adapters.watch_store import ImmediateWatches, WatchStore
    from shared.domain.timeutil import utc_now
    from shared.pipeline.notifying import Notifier
    from shared.pipeline.renotifying import ForcedLedger, renotify

    outputs = stack_outputs(cloudformation, stack_name)
    missing = {"ItemsTableName", "StateTableName", "TopicArnPrefix", "NotifierFailureQueueUrl"} - set(outputs)
    if missing:
        raise OperationError(f"stack {stack_name!r} has no output {', '.join(sorted(missing))}: deploy it again")
    state = outputs["StateTableName"]
    notifier = Notifier(
        ledger=(ForcedLedger if force else PublishLedger)(dynamodb, state),
        publisher=SnsPublisher(sns),
        topic_arn_prefix=outputs["TopicArnPrefix"],
        failures=DeadLetterQueue(sqs, outputs["NotifierFailureQueueUrl"]),
        immediate_watches=ImmediateWatches(WatchStore(dynamodb, state)),
    )
    store = ItemStore(dynamodb, outputs["ItemsTableName"])
    rows = store.rows(item_ids) if item_ids else store.rows_stored_since(since or utc_now())
    return renotify(notifier, rows, utc_now(), force=force, wanted=item_ids, report=report)
