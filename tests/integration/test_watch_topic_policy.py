"""`deptwatch watch add` lets only the stack's publishers (the notifier's role, from the stack's outputs) publish to a
watch's topic, with the department topics' policy; a stack that names no publisher gets no watch."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.cli.watch_topics import watch_topic_policy
from infra.local.stack import STACK_NAME
from tests.integration.deployed import Deptwatch, deploy_outputs

TOPIC = "arn:aws:sns:eu-west-2:123456789012:deptwatch-local-watch-"


@pytest.fixture
def deptwatch(deptwatch: Deptwatch) -> Deptwatch:
    return lambda *arguments: deptwatch(*arguments, "--stack", STACK_NAME)


def topic_policy(stack, arn: str) -> dict[str, Any]:
    return json.loads(stack.sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])


def department_topic_policy(stack) -> dict[str, Any]:
    (policy,) = [r for r in stack.template["Resources"].values() if r["Type"] == "AWS::SNS::TopicPolicy"]
    return policy["Properties"]["PolicyDocument"]


def test_only_the_notifier_may_publish_to_a_watch_topic(stack, deptwatch) -> None:
    # GIVEN a deployed stack whose outputs name the notifier's role
    deploy_outputs(stack, ["StateTableName", "NotifierRoleArn"])
    notifier_role = stack.output("NotifierRoleArn")
    # WHEN a watch is added (and added again: the policy is set, not appended to)
    for _ in range(2):
        code, _, err = deptwatch("watch", "add", "raac", "--query", "RAAC")
        assert code == 0, err
    # THEN its topic denies Publish to every principal but the notifier, and without TLS
    policy = topic_policy(stack, TOPIC + "raac")
    publishers = [s for s in policy["Statement"] if s["Effect"] == "Deny" and "ArnNotEquals" in s.get("Condition", {})]
    assert [s["Condition"]["ArnNotEquals"]["aws:PrincipalArn"] for s in publishers] == [[notifier_role]]
    assert all(s["Resource"] == TOPIC + "raac" for s in policy["Statement"])
    # AND it is the department topics' policy, statement by statement (effects, actions, condition operators)
    template = department_topic_policy(stack)

    def shape(document: dict[str, Any]) -> list[tuple[Any, ...]]:
        actions = [[s["Action"]] if isinstance(s["Action"], str) else s["Action"] for s in document["Statement"]]
        return [
            (s["Effect"], sorted(action), {k: sorted(v) for k, v in s.get("Condition", {}).items()})
            for s, action in zip(document["Statement"], actions, strict=True)
        ]

    assert shape(policy) == shape(template)
    assert policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}


def test_a_stack_naming_no_publisher_gets_no_watch(stack, deptwatch) -> None:
    # GIVEN a stack deployed before the notifier's role was an output
    deploy_outputs(stack, ["StateTableName"])
    # WHEN a watch is added / THEN it is refused, and neither its topic nor the watch exists
    code, out, err = deptwatch("watch", "add", "raac", "--query", "RAAC")
    assert (code, out) == (2, "")
    assert "NotifierRoleArn" in err and err.count("\n") == 1
    assert not [t for t in stack.sns.list_topics()["Topics"] if "-watch-" in t["TopicArn"]]
    assert deptwatch("watch", "list")[1] == ""


def test_every_publisher_named_is_allowed() -> None:
    roles = ["arn:aws:iam::1:role/s-NotifierRole", "arn:aws:iam::1:role/s-DigesterRole"]
    policy = watch_topic_policy("arn:aws:sns:eu-west-2:1:s-watch-w", roles)
    (only,) = [s for s in policy["Statement"] if "ArnNotEquals" in s.get("Condition", {})]
    assert only["Condition"]["ArnNotEquals"]["aws:PrincipalArn"] == roles
    assert policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::1:root"}
