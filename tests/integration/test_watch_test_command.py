"""`deptwatch watch test NAME|--query Q [filters]`: the stored items of a deployed stack (moto) a watch would match."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.local.stack import STACK_NAME
from shared.domain.departments import by_answering_body
from tests.integration.deployed import Deptwatch, deploy_outputs


@pytest.fixture
def deptwatch(deptwatch: Deptwatch) -> Deptwatch:
    return lambda *arguments: deptwatch(*arguments, "--stack", STACK_NAME)


@pytest.fixture
def stored(stack, enqueue, list_records: list[dict[str, Any]], detail_record: dict[str, Any]) -> list[dict[str, Any]]:
    """A deployed stack holding the real list page's 20 questions and the detailed one."""
    deploy_outputs(stack, ["StateTableName", "ItemsTableName", "NotifierRoleArn"])
    records = [*list_records, detail_record]
    enqueue(records, fetched_at=datetime(2024, 1, 10, 9, 0, tzinfo=UTC))
    stack.drain()
    return records


def found(out: str) -> list[str]:
    return sorted(json.loads(line)["item_id"] for line in out.splitlines())


def ids(records: list[dict[str, Any]]) -> list[str]:
    return sorted(f"written-questions:{record['id']}" for record in records)


def test_a_query_finds_the_stored_items_it_matches(stored, deptwatch) -> None:
    # WHEN a query is tested / THEN exactly the questions whose heading has the phrase are listed, and the Scan's cost
    code, out, err = deptwatch("watch", "test", "--query", '"river tame"')
    assert code == 0, err
    assert found(out) == ids([r for r in stored if "River Tame" in r["heading"]]) and found(out)
    assert err.startswith(f"deptwatch: scanned {len(stored)} stored items in 1 page(s), ") and "read units" in err
    first = json.loads(out.splitlines()[0])
    assert set(first) == {"item_id", "version", "kind", "title", "departments", "updated_at", "url"}


def test_filters_apply_too(stored, deptwatch) -> None:
    defra = by_answering_body(13)
    assert defra is not None
    code, out, _ = deptwatch("watch", "test", "--department", defra.slug)
    assert found(out) == ids([r for r in stored if r["answeringBodyId"] == 13])
    code, out, _ = deptwatch("watch", "test", "--query", "pollution", "--department", "hm-treasury")
    assert (code, out) == (0, "")


def test_a_saved_watch_is_tested_by_name(stored, deptwatch) -> None:
    assert deptwatch("watch", "add", "housing", "--query", "housing -affordable")[0] == 0
    code, out, err = deptwatch("watch", "test", "housing")
    assert code == 0, err
    wanted = [r for r in stored if "Housing" in r["heading"] and "Affordable" not in r["heading"]]
    assert found(out) == ids(wanted) and wanted


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (("--query", "tame AND"), "deptwatch: watch test: query: query 'tame AND': at character 9"),
        (("housing", "--query", "tame"), "deptwatch: watch test takes NAME (a saved watch) or --query and filters"),
        ((), "deptwatch: watch test takes NAME"),
        (("--event", "exploded"), "deptwatch watch test: argument --event: unknown event 'exploded'"),
        (
            ("--event", "answerd"),
            "deptwatch watch test: argument --event: unknown event 'answerd' (did you mean 'answered'",
        ),
        (("nosuch",), f"deptwatch: stack {STACK_NAME!r} has no watch 'nosuch'"),
    ],
)
def test_what_cannot_be_tested_is_refused(stored, deptwatch, arguments: tuple[str, ...], complaint: str) -> None:
    code, out, err = deptwatch("watch", "test", *arguments)
    assert (code, out) == (2, "")
    assert err.startswith(complaint) and err.count("\n") == 1
