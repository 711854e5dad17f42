"""One built item for the lifecycle tests: a Department for Education written question tabled at noon, with any field
given instead."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.domain.item import DepartmentRef, Item
from shared.domain.kinds import Kind

DFE = DepartmentRef(slug="department-for-education", name="Department for Education")
NOON = datetime(2024, 4, 29, 12, 0, tzinfo=UTC)


def question_item(kind: Kind = Kind.WRITTEN_QUESTION, **fields: Any) -> Item:
    values: dict[str, Any] = {
        "id": "written-questions:1",
        "source": "written-questions",
        "kind": kind,
        "departments": (DFE,),
        "title": "Schools: Funding",
        "url": "https://questions-statements.parliament.uk/written-questions/detail/2024-04-22/1",
        "published_at": NOON,
        "updated_at": NOON,
        "state": "tabled",
    }
    return Item(**{**values, **fields})
