"""Small helpers for reading CloudFormation templates in tests."""

from __future__ import annotations

import re
from typing import Any


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in template.get("Resources", {}).items()
        if resource.get("Type") == resource_type
    }


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements of a policy document (a single statement may be written without the list)."""
    return as_list(document.get("Statement", []))


def get_att_target(value: Any) -> tuple[str, str] | None:
    """("Queue", "Arn") for {"Fn::GetAtt": ["Queue", "Arn"]}, else None."""
    if isinstance(value, dict) and isinstance(value.get("Fn::GetAtt"), list) and len(value["Fn::GetAtt"]) == 2:
        resource, attribute = value["Fn::GetAtt"]
        return resource, attribute
    return None


def references(value: Any) -> set[str]:
    """Every logical id (or parameter) that a value reaches through Ref, Fn::GetAtt or a ${Name} in Fn::Sub."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        if isinstance(value.get("Ref"), str):
            found.add(value["Ref"])
        if (target := get_att_target(value)) is not None:
            found.add(target[0])
        if "Fn::Sub" in value:
            sub = value["Fn::Sub"]
            text = sub if isinstance(sub, str) else sub[0]
            found |= {name.split(".")[0] for name in re.findall(r"\$\{([^}!][^}]*)\}", text)}
        for item in value.values():
            found |= references(item)
    return found
