"""What the read API may do: read the read table, and of the state table only the saved watches, one at a time."""

from __future__ import annotations

from typing import Any

from shared.adapters.watch_store import WATCH_KEY_PREFIX, watch_key


def api_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    role = template["Resources"]["ApiRole"]["Properties"]
    return [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def test_the_read_api_reads_only_watch_rows_of_the_state_table(template: dict[str, Any]) -> None:
    on_state = [s for s in api_statements(template) if s["Resource"] == {"Fn::GetAtt": ["StateTable", "Arn"]}]
    # THEN one statement: GetItem (the watch page reads one watch), only on keys "watch#…": not the publish ledger
    [statement] = on_state
    assert actions(statement) == ["dynamodb:GetItem"]
    assert statement["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{WATCH_KEY_PREFIX}*"]}}
    assert watch_key("x").startswith(WATCH_KEY_PREFIX)


def test_the_read_api_writes_nothing(template: dict[str, Any]) -> None:
    for statement in api_statements(template):
        for action in actions(statement):
            assert action.startswith("logs:") or action in {
                "dynamodb:Query",
                "dynamodb:BatchGetItem",
                "dynamodb:GetItem",
            }, action
