"""What subscribers receive: the SNS entries and batches (shared/adapters/sns.py), checked against AWS's limits that
moto does not enforce. How the texts read is in tests/unit/render/."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

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
from shared.domain.item import DepartmentRef
from shared.domain.notification import NOTIFICATION_SCHEMA, Notification
from shared.render.email import email_text, subject
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


# --- PublishBatch: batching within AWS's limits, per-entry failures ---


class FakeSns:
    """PublishBatch with AWS's limits (which moto does not enforce) and scripted per-entry failures."""

    def __init__(self, fail: Callable[[int, dict[str, Any]], dict[str, Any] | None] | None = None) -> None:
        self.calls: list[tuple[str, list[dict[str, Any]]]] = []
        self._fail = fail or (lambda attempt, entry: None)

    def publish_batch(self, TopicArn: str, PublishBatchRequestEntries: list[dict[str, Any]]) -> dict[str, Any]:
        entries = PublishBatchRequestEntries
        assert 1 <= len(entries) <= SNS_BATCH_ENTRIES, "TooManyEntriesInBatchRequest"
        assert sum(sns_size(e) for e in entries) <= SNS_MESSAGE_BYTES, "BatchRequestTooLong"
        assert len({e["Id"] for e in entries}) == len(entries), "BatchEntryIdsNotDistinct"
        self.calls.append((TopicArn, entries))
        successful, failed = [], []
        for entry in entries:
            failure = self._fail(len(self.calls), entry)
            if failure:
                failed.append({"Id": entry["Id"], **failure})
            else:
                successful.append({"Id": entry["Id"], "MessageId": f"msg-{len(self.calls)}-{entry['Id']}"})
        return {"Successful": successful, "Failed": failed}


def outgoing(item, count: int, topic: str = TOPIC, body: str | None = None) -> list[Outgoing]:
    messages = []
    for n in range(count):
        changed = item.model_copy(update={"id": f"written-questions:{n}", "body": body or item.body})
        notification = Notification.for_department(changed, 1, "new", changed.departments[0])
        messages.append(Outgoing(key=f"k{n}", topic_arn=topic, notification=notification))
    return messages


def published_ids(sns: FakeSns) -> list[str]:
    return [json.loads(json.loads(e["Message"])["default"])["item"]["id"] for _, entries in sns.calls for e in entries]


def test_publish_sends_at_most_ten_entries_a_batch(item):
    # GIVEN 25 small notifications for one topic
    sns = FakeSns()
    publisher = SnsPublisher(sns, sleep=lambda _: None)

    # WHEN they are published
    failures = publisher.publish(outgoing(item, 25))

    # THEN they go in batches of 10, 10 and 5, all of them, in order
    assert failures == {}
    assert [len(entries) for _, entries in sns.calls] == [10, 10, 5]
    assert published_ids(sns) == [f"written-questions:{n}" for n in range(25)]
    assert publisher.published == 25


def test_publish_keeps_each_batch_within_256_kib(item):
    # GIVEN 7 notifications of about 100 KiB each (the answer appears in the JSON and in the email)
    sns = FakeSns()
    messages = outgoing(item, 7, body="b" * 50_000)

    # WHEN they are published
    failures = SnsPublisher(sns, sleep=lambda _: None).publish(messages)

    # THEN no batch is over 256 KiB (the fake refuses that, as AWS does) and all are sent
    assert failures == {}
    assert len(sns.calls) > 3
    assert all(sum(sns_size(e) for e in entries) <= SNS_MESSAGE_BYTES for _, entries in sns.calls)
    assert sorted(published_ids(sns)) == sorted(f"written-questions:{n}" for n in range(7))


def test_publish_batches_per_topic(item):
    # GIVEN notifications for two topics
    sns = FakeSns()
    other = TOPIC.replace("department-for-education", "hm-treasury")
    messages = outgoing(item, 3) + outgoing(item, 2, topic=other)

    # WHEN they are published
    SnsPublisher(sns, sleep=lambda _: None).publish(messages)

    # THEN each PublishBatch goes to one topic, with that topic's messages
    assert sorted((arn, len(entries)) for arn, entries in sns.calls) == [(TOPIC, 3), (other, 2)]


def test_a_rejected_entry_is_reported_and_not_retried(item):
    # GIVEN SNS refusing one entry as the sender's fault
    def fail(attempt: int, entry: dict[str, Any]) -> dict[str, Any] | None:
        return {"Code": "InvalidParameter", "Message": "bad", "SenderFault": True} if entry["Id"] == "m1" else None

    sns = FakeSns(fail)

    # WHEN three messages are published
    failures = SnsPublisher(sns, sleep=lambda _: None).publish(outgoing(item, 3))

    # THEN only that message failed, with SNS's reason, and it was not sent again
    assert failures == {"k1": "InvalidParameter: bad"}
    assert len(sns.calls) == 1


def test_a_throttled_entry_is_retried_until_published(item):
    # GIVEN SNS throttling one entry on the first attempt only
    def fail(attempt: int, entry: dict[str, Any]) -> dict[str, Any] | None:
        if attempt == 1 and entry["Id"] == "m2":
            return {"Code": "Throttled", "Message": "slow down", "SenderFault": False}
        return None

    sns = FakeSns(fail)
    sleeps: list[float] = []
    publisher = SnsPublisher(sns, sleep=sleeps.append)

    # WHEN three messages are published
    failures = publisher.publish(outgoing(item, 3))

    # THEN only the throttled entry is sent again, and everything is published once
    assert failures == {}
    assert [[e["Id"] for e in entries] for _, entries in sns.calls] == [["m0", "m1", "m2"], ["m2"]]
    assert publisher.published == 3
    assert len(sleeps) == 1


def test_an_entry_that_keeps_failing_is_reported_after_the_last_attempt(item):
    # GIVEN SNS failing one entry every time with a server-side error
    def fail(attempt: int, entry: dict[str, Any]) -> dict[str, Any] | None:
        return {"Code": "InternalError", "Message": "oops", "SenderFault": False} if entry["Id"] == "m0" else None

    sns = FakeSns(fail)

    # WHEN it is published
    failures = SnsPublisher(sns, sleep=lambda _: None).publish(outgoing(item, 2))

    # THEN it is reported as failed after PUBLISH_ATTEMPTS tries; the other was published once
    assert set(failures) == {"k0"}
    assert "InternalError" in failures["k0"]
    assert len(sns.calls) == PUBLISH_ATTEMPTS
    assert published_ids(sns).count("written-questions:1") == 1


def test_department_ref_of_the_topic_is_the_one_published(item):
    # GIVEN an item of two departments (a joint answer)
    joint = item.model_copy(
        update={"departments": (*item.departments, DepartmentRef(slug="hm-treasury", name="HM Treasury"))}
    )

    # WHEN it is rendered for each
    notifications = [Notification.for_department(joint, 1, "new", d) for d in joint.departments]

    # THEN each message names its own topic's department, and lists both
    assert [message_attributes(n)["department"]["StringValue"] for n in notifications] == [
        "department-for-education",
        "hm-treasury",
    ]
    assert all(len(n.item.departments) == 2 for n in notifications)
