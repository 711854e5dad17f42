"""Subscriptions to a stack's topics (its departments' and its watches'): made without silently changing one that
exists, listed with their filter policies and state, and removed by ARN or by endpoint.

SNS itself refuses, on AWS, a second Subscribe of an endpoint with other attributes ("already exists with different
attributes"), while moto replaces the filter policy without a word: either way the user learns too little. So the
endpoint's current subscription is looked up first, and its policy changed only with `replace`, saying what it was.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from infra.cli.operations import CONFIRMED_BY_ENDPOINT, PROTOCOLS, OperationError, department_topics
from shared.watching.watch import watch_topic_name

PENDING = "PendingConfirmation"
"""What ListSubscriptionsByTopic gives for the ARN of a subscription its endpoint has not confirmed yet."""

Policy = dict[str, list[str]]


@dataclass(frozen=True)
class StackSubscription:
    topic: str
    """What the topic is for: a department slug, or `watch:<name>`."""
    topic_arn: str
    arn: str
    protocol: str
    endpoint: str
    policy: Policy | None
    """None: no filter (everything the topic publishes). Unknown while confirmation is pending."""
    pending_confirmation: bool

    def summary(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "protocol": self.protocol,
            "endpoint": self.endpoint,
            "filter_policy": self.policy,
            "pending_confirmation": self.pending_confirmation,
            "subscription_arn": None if self.pending_confirmation else self.arn,
            "topic_arn": self.topic_arn,
        }


def describe_policy(policy: Policy | None) -> str:
    return json.dumps(policy, sort_keys=True) if policy else "none (everything)"


def stack_topics(sns: Any, stack_name: str) -> dict[str, str]:
    """What each topic of the stack is for → its ARN: department slugs and `watch:<name>`."""
    topics = dict(department_topics(sns, stack_name))
    prefix = watch_topic_name(stack_name, "")
    for page in sns.get_paginator("list_topics").paginate():
        for topic in page["Topics"]:
            name = topic["TopicArn"].rsplit(":", 1)[-1]
            if name.startswith(prefix) and len(name) > len(prefix):
                topics[f"watch:{name.removeprefix(prefix)}"] = topic["TopicArn"]
    return topics


def watch_topic(sns: Any, stack_name: str, watch: str) -> tuple[str, str]:
    topics = stack_topics(sns, stack_name)
    key = f"watch:{watch}"
    if key not in topics:
        raise OperationError(
            f"stack {stack_name!r} has no watch {watch!r} (no topic {watch_topic_name(stack_name, watch)}; "
            "see `deptwatch watch list`)"
        )
    return key, topics[key]


def _read(sns: Any, topic: str, listed: dict[str, str]) -> StackSubscription:
    arn = listed["SubscriptionArn"]
    pending = arn == PENDING
    policy: Policy | None = None
    if not pending:
        attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
        pending = attributes.get("PendingConfirmation") == "true"
        policy = json.loads(attributes["FilterPolicy"]) if attributes.get("FilterPolicy") else None
    return StackSubscription(
        topic, listed["TopicArn"], arn, listed["Protocol"], listed["Endpoint"], policy or None, pending
    )


def subscriptions_of(sns: Any, topic: str, topic_arn: str) -> Iterator[StackSubscription]:
    for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn):
        for listed in page["Subscriptions"]:
            yield _read(sns, topic, listed)


def list_subscriptions(sns: Any, stack_name: str, topic: str | None = None) -> list[StackSubscription]:
    """Every subscription to the stack's topics (or to one: a department slug or `watch:<name>`)."""
    topics = stack_topics(sns, stack_name)
    if topic is not None and topic not in topics:
        raise OperationError(f"stack {stack_name!r} has no topic for {topic!r}")
    chosen = {topic: topics[topic]} if topic is not None else topics
    return [one for name, arn in sorted(chosen.items()) for one in subscriptions_of(sns, name, arn)]


@dataclass(frozen=True)
class Subscribed:
    subscription: StackSubscription
    previous_policy: Policy | None
    outcome: str
    """"subscribed", "unchanged" (the same subscription existed) or "replaced" (its filter policy was changed)."""


def subscribe_to(
    sns: Any, topic: str, topic_arn: str, protocol: str, endpoint: str, policy: Policy, replace: bool = False
) -> Subscribed:
    """Subscribe the endpoint with this policy. An endpoint already subscribed keeps its policy unless `replace`."""
    existing = next(
        (s for s in subscriptions_of(sns, topic, topic_arn) if s.protocol == protocol and s.endpoint == endpoint),
        None,
    )
    wanted = policy or None
    if existing is not None:
        if existing.pending_confirmation:
            raise OperationError(
                f"{endpoint} already has a subscription to {topic} waiting for confirmation: confirm it (the link "
                "SNS sent) or let it expire (3 days), then subscribe again"
            )
        if existing.policy == wanted:
            return Subscribed(existing, existing.policy, "unchanged")
        if not replace:
            raise OperationError(
                f"{endpoint} is already subscribed to {topic} with filter policy {describe_policy(existing.policy)}; "
                f"to change it to {describe_policy(wanted)}, add --replace"
            )
        # "{}" is how SNS takes a filter policy away (the endpoint gets everything again).
        sns.set_subscription_attributes(
            SubscriptionArn=existing.arn, AttributeName="FilterPolicy", AttributeValue=json.dumps(policy or {})
        )
        changed = StackSubscription(
            topic, topic_arn, existing.arn, protocol, endpoint, wanted, existing.pending_confirmation
        )
        return Subscribed(changed, existing.policy, "replaced")
    attributes = {"FilterPolicyScope": "MessageAttributes", "FilterPolicy": json.dumps(policy)} if policy else {}
    arn = sns.subscribe(
        TopicArn=topic_arn, Protocol=protocol, Endpoint=endpoint, Attributes=attributes, ReturnSubscriptionArn=True
    )["SubscriptionArn"]
    pending = protocol in CONFIRMED_BY_ENDPOINT or arn == PENDING
    return Subscribed(StackSubscription(topic, topic_arn, arn, protocol, endpoint, wanted, pending), None, "subscribed")


def unsubscribe(
    sns: Any, stack_name: str, arn: str | None = None, endpoint: str | None = None, topic: str | None = None
) -> list[StackSubscription]:
    """Remove one subscription (by ARN) or every confirmed subscription of an endpoint to the stack's topics (or to
    one of them). Only the stack's own topics are touched: an ARN of another topic is refused."""
    found = list_subscriptions(sns, stack_name, topic)
    if arn is not None:
        chosen = [s for s in found if s.arn == arn]
        if not chosen:
            raise OperationError(f"{arn} is not a subscription to a topic of stack {stack_name!r}")
    else:
        chosen = [s for s in found if s.endpoint == endpoint]
        if not chosen:
            raise OperationError(f"{endpoint} has no subscription to {topic or f'the topics of stack {stack_name!r}'}")
    pending = [s for s in chosen if s.pending_confirmation]
    if pending and len(pending) == len(chosen):
        raise OperationError(
            f"{endpoint or arn}: waiting for confirmation on {', '.join(s.topic for s in pending)}; SNS cannot remove "
            "an unconfirmed subscription (it expires after 3 days unconfirmed)"
        )
    removed = [s for s in chosen if not s.pending_confirmation]
    for subscription in removed:
        sns.unsubscribe(SubscriptionArn=subscription.arn)
    return removed


def subscribe(
    sns: Any,
    stack_name: str,
    department: str,
    protocol: str,
    endpoint: str,
    policy: Policy,
    replace: bool = False,
) -> Subscribed:
    """Subscribe an endpoint to a department's topic (see `subscribe_to`)."""
    if protocol not in PROTOCOLS:
        raise OperationError(f"protocol must be one of {', '.join(PROTOCOLS)}")
    topics = department_topics(sns, stack_name)
    if department not in topics:
        raise OperationError(f"stack {stack_name!r} has no topic for department {department!r}")
    return subscribe_to(sns, department, topics[department], protocol, endpoint, policy, replace)
