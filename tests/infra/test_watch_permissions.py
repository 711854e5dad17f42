"""What the notifier may do for watches: publish to the stack's watch topics, and batch-read only watch items."""

from __future__ import annotations

from typing import Any

from shared.adapters.watch_store import WATCH_INDEX_KEY, WATCH_KEY_PREFIX


def notifier_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    role = template["Resources"]["NotifierRole"]["Properties"]
    return [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def test_the_notifier_publishes_to_the_watch_topics_of_its_own_stack(template: dict[str, Any]) -> None:
    [publish] = [s for s in notifier_statements(template) if "sns:Publish" in actions(s)]
    # THEN its resource is "<stack>-*": the department topics and "<stack>-watch-<name>", nothing of other stacks
    assert publish["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${AWS::StackName}-*"
    }


def test_the_notifier_batch_reads_only_watch_items(template: dict[str, Any]) -> None:
    [batch] = [s for s in notifier_statements(template) if "dynamodb:BatchGetItem" in actions(s)]
    assert actions(batch) == ["dynamodb:BatchGetItem"]
    assert batch["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{WATCH_KEY_PREFIX}*"]}}
    # the index of names is read with GetItem, which the ledger's statement already allows on the table
    assert not WATCH_INDEX_KEY.startswith(WATCH_KEY_PREFIX)
    assert any("dynamodb:GetItem" in actions(s) for s in notifier_statements(template))
