"""What subscribers receive: the SNS entries and batches (shared/adapters/sns.py), checked against AWS's limits that
moto does not enforce. How the texts read is in tests/unit/render/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from shared.adapters.sns import (
    PUBLISH_ATTEMPTS,
    SHORTENED_MARKER,
    SNS_BATCH_ENTRIES,
    SNS_MESSAGE_BYTES,
    Outgoing,
    SnsPublisher,
    build_entry,
    message_attributes,
)
from shared.domain.events import Event
from shared.domain.item import DepartmentRef
from shared.domain.notification import NOTIFICATION_SCHEMA, Notification
from shared.render.email import email_text, subject
from tests.unit.aws_calls import REGION, record_calls, stubbed
from tests.unit.real_question import PAGE, notify

TOPIC = "arn:aws:sns:eu-west-2:123456789012:deptwatch-local-department-for-education"


def sns_size(entry: dict[str, Any]) -> int:
    """What SNS counts against its 256 KiB: message, subject and message attributes (names, types, values)."""
    attributes = sum(
        len(name.encode()) + len(value["DataType"].encode()) + len(value["StringValue"].encode())
        for name, value in entry["MessageAttributes"].items()
    )
    return len(entry["Message"].encode()) + len(entry.get("Subject", "").encode()) + attributes


# --- Message attributes ---


def test_message_attributes_are_lower_case_strings(notification):
    # GIVEN the real notification
    # WHEN its attributes are built
    attributes = message_attributes(notification)

    # THEN subscribers can filter on department, source, kind, event and house, all lower-case strings, the event a
    # String.Array of every event the version stands for (SNS matches each element)
    assert {name: value["StringValue"] for name, value in attributes.items()} == {
        "department": "department-for-education",
        "source": "written-questions",
        "kind": "written-question",
        "event": '["new"]',
        "house": "commons",
    }
    assert {name: value["DataType"] for name, value in attributes.items() if value["DataType"] != "String"} == {
        "event": "String.Array"
    }
    assert len(attributes) <= 10


def test_message_attributes_omit_what_does_not_apply_and_lower_the_category(item):
    # GIVEN an item of no house, and one with a capitalised category
    no_house = message_attributes(notify(item, house=None))
    with_category = message_attributes(notify(item, kind="publication", category="Policy Paper"))

    # WHEN the attributes are built
    # THEN house is absent (never empty or "None") and the category is lower-case
    assert "house" not in no_house
    assert "category" not in no_house
    assert with_category["category"]["StringValue"] == "policy paper"
    for attributes in (no_house, with_category):
        for value in attributes.values():
            assert value["StringValue"] == value["StringValue"].lower()
            assert value["StringValue"] not in ("", "None")


# --- One entry ---


def test_entry_carries_the_json_contract_and_the_renderings(notification):
    # GIVEN the real notification
    # WHEN its PublishBatch entry is built
    entry = build_entry("m0", notification)

    # THEN it is a MessageStructure=json message whose default is the versioned contract
    assert entry["Id"] == "m0"
    assert entry["MessageStructure"] == "json"
    message = json.loads(entry["Message"])
    assert set(message) == {"default", "email", "sms"}
    contract = json.loads(message["default"])
    assert contract["schema"] == NOTIFICATION_SCHEMA
    assert contract["event"] == "new"
    assert contract["changes"] is None
    assert contract["item"]["id"] == "written-questions:1679416"
    assert contract["item"]["department"] == {"slug": "department-for-education", "name": "Department for Education"}
    assert contract["item"]["published_at"] == "2024-01-05T00:00:00+00:00"
    assert Notification.model_validate(contract) == notification
    assert message["email"] == email_text(notification)
    assert entry["Subject"] == subject(notification)
    assert entry["MessageAttributes"] == message_attributes(notification)


_ANSWER_PARAGRAPH = "The department is supporting sectors with short-term project-based work. " * 12


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("é" * 150_000, id="300-KB-of-two-byte-characters"),
        pytest.param(
            "x" * 300_000,
            id="300-KB-of-ascii",
        ),
        pytest.param(
            (_ANSWER_PARAGRAPH + "\n\n") * 330,
            id="real-looking-paragraphs",
        ),
    ],
)
def test_an_oversized_body_is_shortened_not_dropped(item, body):
    # GIVEN an answer so long that the message would be over SNS's 256 KiB
    notification = notify(item, body=body)

    # WHEN its entry is built
    entry = build_entry("m0", notification)

    # THEN the message fits, says it was shortened, still has the start of the text and links the full page
    assert sns_size(entry) <= SNS_MESSAGE_BYTES
    message = json.loads(entry["Message"])
    assert SHORTENED_MARKER.strip() in message["email"]
    assert body[:1000] in message["email"]
    assert PAGE in message["email"]
    assert PAGE in message["sms"]
    contract = json.loads(message["default"])
    assert contract["item"]["url"] == PAGE
    assert contract["item"]["body"].endswith(SHORTENED_MARKER)
    # AND the question itself was not cut for the answer's sake
    assert contract["item"]["summary"] == item.summary


def test_a_body_just_within_the_limit_is_left_whole(item):
    # GIVEN a body that fits
    notification = notify(item, body="short answer " * 1000)

    # WHEN its entry is built
    entry = build_entry("m0", notification)

    # THEN nothing is shortened
    assert SHORTENED_MARKER.strip() not in entry["Message"]
    assert json.loads(json.loads(entry["Message"])["default"])["item"]["body"] == notification.item.body


# --- PublishBatch on real boto3 clients: moto's SNS, or botocore's Stubber for failures moto cannot produce ---


def within_sns_limits(params: dict[str, Any]) -> None:
    """PublishBatch as AWS refuses it (moto does not): over 10 entries, over 256 KiB in all, ids repeated."""
    entries = params["PublishBatchRequestEntries"]
    assert 1 <= len(entries) <= SNS_BATCH_ENTRIES, "TooManyEntriesInBatchRequest"
    assert sum(sns_size(e) for e in entries) <= SNS_MESSAGE_BYTES, "BatchRequestTooLong"
    assert len({e["Id"] for e in entries}) == len(entries), "BatchEntryIdsNotDistinct"


OTHER_TOPIC = TOPIC.replace("department-for-education", "hm-treasury")


@dataclass
class MotoSns:
    client: Any
    calls: list[dict[str, Any]]
    """The parameters of each PublishBatch call, in order."""
    sqs: Any
    queues: dict[str, str]
    """Per topic ARN, the URL of a queue subscribed to it with raw delivery (it receives the JSON contract)."""

    def delivered_ids(self, topic: str) -> list[str]:
        """The item ids of the notifications the topic's subscriber received."""
        ids: list[str] = []
        receive = {"QueueUrl": self.queues[topic], "MaxNumberOfMessages": 10, "WaitTimeSeconds": 0}
        while batch := self.sqs.receive_message(**receive).get("Messages"):
            ids += [json.loads(message["Body"])["item"]["id"] for message in batch]
        return ids


@pytest.fixture
def sns() -> Iterator[MotoSns]:
    """moto's SNS with the two department topics, each with a subscribed queue; the client's PublishBatch calls."""
    with mock_aws():
        client = boto3.client("sns", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        queues = {}
        for arn in (TOPIC, OTHER_TOPIC):
            assert client.create_topic(Name=arn.rsplit(":", 1)[1])["TopicArn"] == arn
            url = sqs.create_queue(QueueName=f"subscriber-{arn.rsplit('-', 1)[1]}")["QueueUrl"]
            queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            client.subscribe(
                TopicArn=arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"}
            )
            queues[arn] = url
        yield MotoSns(client, record_calls(client, "PublishBatch", within_sns_limits), sqs, queues)


@pytest.fixture
def stubbed_sns() -> Iterator[tuple[Any, Stubber, list[dict[str, Any]]]]:
    """A real SNS client whose answers the test scripts (per-entry failures, whole-call errors), with its calls."""
    with stubbed("sns") as (client, stubber):
        yield client, stubber, record_calls(client, "PublishBatch", within_sns_limits)


def expected_batch(ids: list[str]) -> dict[str, Any]:
    entry = {"Message": ANY, "MessageStructure": "json", "Subject": ANY, "MessageAttributes": ANY}
    return {"TopicArn": TOPIC, "PublishBatchRequestEntries": [{"Id": i, **entry} for i in ids]}


def sns_answer(stubber: Stubber, ids: list[str], failed: dict[str, tuple[str, str, bool]] | None = None) -> None:
    """Script one PublishBatch answer for entries `ids`: `failed` maps an id to its (Code, Message, SenderFault)."""
    failed = failed or {}
    stubber.add_response(
        "publish_batch",
        {
            "Successful": [{"Id": i, "MessageId": f"message-{i}"} for i in ids if i not in failed],
            "Failed": [
                {"Id": i, "Code": code, "Message": message, "SenderFault": sender}
                for i, (code, message, sender) in failed.items()
            ],
        },
        expected_batch(ids),
    )


def outgoing(item, count: int, topic: str = TOPIC, body: str | None = None) -> list[Outgoing]:
    messages = []
    for n in range(count):
        changed = item.model_copy(update={"id": f"written-questions:{n}", "body": body or item.body})
        notification = Notification.for_department(changed, 1, Event.NEW, changed.departments[0])
        messages.append(Outgoing(key=f"k{n}", topic_arn=topic, entry=build_entry("m0", notification)))
    return messages


def published_ids(calls: list[dict[str, Any]]) -> list[str]:
    return [
        json.loads(json.loads(e["Message"])["default"])["item"]["id"]
        for call in calls
        for e in call["PublishBatchRequestEntries"]
    ]


def test_publish_sends_at_most_ten_entries_a_batch(sns, item):
    # GIVEN 25 small notifications for one topic
    publisher = SnsPublisher(sns.client, sleep=lambda _: None)

    # WHEN they are published
    failures = publisher.publish(outgoing(item, 25))

    # THEN they go in batches of 10, 10 and 5, all of them, in order, and the subscriber receives them all
    assert failures == {}
    assert [len(call["PublishBatchRequestEntries"]) for call in sns.calls] == [10, 10, 5]
    assert published_ids(sns.calls) == [f"written-questions:{n}" for n in range(25)]
    assert publisher.published == 25
    assert sorted(sns.delivered_ids(TOPIC)) == sorted(f"written-questions:{n}" for n in range(25))


def test_publish_keeps_each_batch_within_256_kib(sns, item):
    # GIVEN 7 notifications of about 100 KiB each (the answer appears in the JSON and in the email)
    messages = outgoing(item, 7, body="b" * 50_000)

    # WHEN they are published
    failures = SnsPublisher(sns.client, sleep=lambda _: None).publish(messages)

    # THEN no batch is over 256 KiB (the client's check refuses that, as AWS does) and all are sent and delivered
    assert failures == {}
    assert len(sns.calls) > 3
    assert all(sum(sns_size(e) for e in call["PublishBatchRequestEntries"]) <= SNS_MESSAGE_BYTES for call in sns.calls)
    assert sorted(published_ids(sns.calls)) == sorted(f"written-questions:{n}" for n in range(7))
    assert sorted(sns.delivered_ids(TOPIC)) == sorted(f"written-questions:{n}" for n in range(7))


def test_publish_batches_per_topic(sns, item):
    # GIVEN notifications for two topics
    messages = outgoing(item, 3) + outgoing(item, 2, topic=OTHER_TOPIC)

    # WHEN they are published
    SnsPublisher(sns.client, sleep=lambda _: None).publish(messages)

    # THEN each PublishBatch goes to one topic, with that topic's messages
    assert sorted((call["TopicArn"], len(call["PublishBatchRequestEntries"])) for call in sns.calls) == [
        (TOPIC, 3),
        (OTHER_TOPIC, 2),
    ]
    assert sorted(sns.delivered_ids(TOPIC)) == [f"written-questions:{n}" for n in range(3)]
    assert sorted(sns.delivered_ids(OTHER_TOPIC)) == [f"written-questions:{n}" for n in range(2)]


def test_a_batch_over_the_limits_is_refused_by_the_tests_check(sns, item):
    # GIVEN a PublishBatch of 11 entries, made by hand (SnsPublisher never makes one)
    entries = [{**message.entry, "Id": f"m{n}"} for n, message in enumerate(outgoing(item, 11))]

    # WHEN it is sent
    # THEN the check of AWS's limits refuses it before moto (which would accept it) sees it
    with pytest.raises(AssertionError, match="TooManyEntriesInBatchRequest"):
        sns.client.publish_batch(TopicArn=TOPIC, PublishBatchRequestEntries=entries)
    assert sns.calls == []


def test_a_rejected_entry_is_reported_and_not_retried(stubbed_sns, item):
    # GIVEN SNS refusing one entry as the sender's fault
    client, stubber, calls = stubbed_sns
    sns_answer(stubber, ["m0", "m1", "m2"], failed={"m1": ("InvalidParameter", "bad", True)})

    # WHEN three messages are published
    failures = SnsPublisher(client, sleep=lambda _: None).publish(outgoing(item, 3))

    # THEN only that message failed, with SNS's reason, and it was not sent again
    assert failures == {"k1": "InvalidParameter: bad"}
    assert len(calls) == 1


def test_a_throttled_entry_is_retried_until_published(stubbed_sns, item):
    # GIVEN SNS throttling one entry on the first attempt only
    client, stubber, calls = stubbed_sns
    sns_answer(stubber, ["m0", "m1", "m2"], failed={"m2": ("Throttled", "slow down", False)})
    sns_answer(stubber, ["m2"])
    sleeps: list[float] = []
    publisher = SnsPublisher(client, sleep=sleeps.append)

    # WHEN three messages are published
    failures = publisher.publish(outgoing(item, 3))

    # THEN only the throttled entry is sent again, and everything is published once
    assert failures == {}
    assert [[e["Id"] for e in call["PublishBatchRequestEntries"]] for call in calls] == [["m0", "m1", "m2"], ["m2"]]
    assert calls[1]["PublishBatchRequestEntries"][0] == calls[0]["PublishBatchRequestEntries"][2]
    assert publisher.published == 3
    assert len(sleeps) == 1


def test_an_entry_that_keeps_failing_is_reported_after_the_last_attempt(stubbed_sns, item):
    # GIVEN SNS failing one entry every time with a server-side error
    client, stubber, calls = stubbed_sns
    sns_answer(stubber, ["m0", "m1"], failed={"m0": ("InternalError", "oops", False)})
    for _ in range(PUBLISH_ATTEMPTS - 1):
        sns_answer(stubber, ["m0"], failed={"m0": ("InternalError", "oops", False)})

    # WHEN it is published
    failures = SnsPublisher(client, sleep=lambda _: None).publish(outgoing(item, 2))

    # THEN it is reported as failed after PUBLISH_ATTEMPTS tries; the other was published once
    assert set(failures) == {"k0"}
    assert "InternalError" in failures["k0"]
    assert len(calls) == PUBLISH_ATTEMPTS
    assert published_ids(calls).count("written-questions:1") == 1


def test_a_failed_call_is_retried_for_all_its_entries(stubbed_sns, item):
    # GIVEN SNS failing the whole first call (throttled past botocore's own retries), then accepting it
    client, stubber, calls = stubbed_sns
    stubber.add_client_error(
        "publish_batch", "Throttling", "Rate exceeded", 400, expected_params=expected_batch(["m0", "m1"])
    )
    sns_answer(stubber, ["m0", "m1"])
    publisher = SnsPublisher(client, sleep=lambda _: None)

    # WHEN two messages are published
    failures = publisher.publish(outgoing(item, 2))

    # THEN both are sent again and published once
    assert failures == {}
    assert len(calls) == 2
    assert calls[1] == calls[0]
    assert publisher.published == 2


def test_a_call_that_keeps_failing_reports_every_entry_with_the_error(stubbed_sns, item):
    # GIVEN SNS failing every call as a whole
    client, stubber, calls = stubbed_sns
    for _ in range(PUBLISH_ATTEMPTS):
        stubber.add_client_error("publish_batch", "InternalError", "oops", 500)

    # WHEN two messages are published
    failures = SnsPublisher(client, sleep=lambda _: None).publish(outgoing(item, 2))

    # THEN both are reported with the error's code, after PUBLISH_ATTEMPTS calls
    assert set(failures) == {"k0", "k1"}
    assert all(reason.startswith("InternalError: ") and "attempts" in reason for reason in failures.values())
    assert len(calls) == PUBLISH_ATTEMPTS


def test_department_ref_of_the_topic_is_the_one_published(item):
    # GIVEN an item of two departments (a joint answer)
    joint = item.model_copy(
        update={"departments": (*item.departments, DepartmentRef(slug="hm-treasury", name="HM Treasury"))}
    )

    # WHEN it is rendered for each
    notifications = [Notification.for_department(joint, 1, Event.NEW, d) for d in joint.departments]

    # THEN each message names its own topic's department, and lists both
    assert [message_attributes(n)["department"]["StringValue"] for n in notifications] == [
        "department-for-education",
        "hm-treasury",
    ]
    assert all(len(n.item.departments) == 2 for n in notifications)
