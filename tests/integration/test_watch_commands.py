"""`deptwatch watch add|list|show|remove` on a stack known to CloudFormation (moto), as on a deployed one; and a
watch added so reaching the notifier."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from infra.local.stack import STACK_NAME
from shared.container import reset_container_caches
from tests.integration.deployed import Deptwatch, deploy_outputs

TOPIC = "arn:aws:sns:eu-west-2:123456789012:deptwatch-local-watch-"


@pytest.fixture
def deptwatch(deptwatch: Deptwatch) -> Deptwatch:
    """The `deptwatch` command on the stack named like the local one."""
    return lambda *arguments: deptwatch(*arguments, "--stack", STACK_NAME)


@pytest.fixture
def deployed(stack) -> str:
    """A CloudFormation stack named like the local one, whose Outputs name the local state table and the notifier's
    role (the watch topics' only publisher)."""
    return deploy_outputs(stack, ["StateTableName", "NotifierRoleArn"])


def topic_tags(stack, arn: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in stack.sns.list_tags_for_resource(ResourceArn=arn)["Tags"]}


def test_add_list_show_remove(stack, deployed, deptwatch) -> None:
    # WHEN a watch is added
    code, out, err = deptwatch(
        "watch", "add", "raac", "--query", '"RAAC" OR "reinforced autoclaved"', "--department",
        "department-for-education", "--kind", "written-question", "--event", "answered",
    )  # fmt: skip
    # THEN it is printed with its topic, which exists, tagged with the watch's name
    assert code == 0, err
    added = json.loads(out)
    assert added["name"] == "raac" and added["topic_arn"] == TOPIC + "raac"
    assert added["departments"] == ["department-for-education"] and added["frequency"] == "immediate"
    assert topic_tags(stack, TOPIC + "raac") == {"watch": "raac"}

    deptwatch("watch", "add", "weekly-dhsc", "--department", "department-of-health-and-social-care", "--frequency",
              "weekly")  # fmt: skip
    code, out, _ = deptwatch("watch", "list")
    assert [json.loads(line)["name"] for line in out.splitlines()] == ["raac", "weekly-dhsc"]
    code, out, _ = deptwatch("watch", "show", "raac")
    assert json.loads(out) == added

    # WHEN one is removed / THEN its item and its topic are gone
    code, out, err = deptwatch("watch", "remove", "raac")
    assert code == 0, err
    topics = [t["TopicArn"] for t in stack.sns.list_topics()["Topics"]]
    assert TOPIC + "raac" not in topics and TOPIC + "weekly-dhsc" in topics
    code, out, _ = deptwatch("watch", "list")
    assert [json.loads(line)["name"] for line in out.splitlines()] == ["weekly-dhsc"]
    code, out, err = deptwatch("watch", "show", "raac")
    assert (code, out, err) == (2, "", f"deptwatch: stack {STACK_NAME!r} has no watch 'raac'\n")


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (("--query", "RAAC AND"), "watch 'bad': query: query 'RAAC AND': at character 9: expected a word"),
        (("--department", "department-of-magic"), "watch add: argument --department: unknown department"),
        (("--event", "exploded"), "watch add: argument --event: unknown event 'exploded'"),
    ],
)
def test_a_bad_watch_is_refused_and_nothing_is_created(stack, deployed, deptwatch, arguments, complaint) -> None:
    code, out, err = deptwatch("watch", "add", "bad", *arguments)
    assert (code, out) == (2, "")
    assert err.startswith((f"deptwatch: {complaint}", f"deptwatch {complaint}")) and err.count("\n") == 1
    assert not [t for t in stack.sns.list_topics()["Topics"] if "-watch-" in t["TopicArn"]]


def test_a_watch_added_by_the_command_reaches_the_notifier(stack, deployed, deptwatch, enqueue, detail_record):
    # GIVEN a watch added with the command, and an inbox on its topic
    assert deptwatch("watch", "add", "answers", "--query", "apprentice* -academies")[0] == 0
    stack._subscribe_inbox("inbox-answers", TOPIC + "answers")
    reset_container_caches()
    # WHEN a matching question flows through the pipeline
    enqueue([detail_record], fetched_at=datetime(2024, 1, 10, 9, 0, tzinfo=UTC))
    stack.drain()
    # THEN the watch's topic delivered it
    assert [d.message["item"]["id"] for d in stack.collect_deliveries() if d.watch == "answers"] == [
        "written-questions:1679416"
    ]
