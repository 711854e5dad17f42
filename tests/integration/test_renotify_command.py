"""`deptwatch notify (--since | --item) [--force]` on a stack known to CloudFormation (moto), as on a deployed one:
stored versions the notifier never delivered are published through the notifier's path, once per topic."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.local.stack import STACK_NAME
from shared.domain.raw_record import Delivery, RawRecordMessage
from shared.watching.watch import Watch
from tests.helpers import queue_raw
from tests.integration.deployed import Deptwatch, deploy_outputs

DHSC = "department-of-health-and-social-care"
OUTPUTS = ["ItemsTableName", "StateTableName", "TopicArnPrefix", "NotifierFailureQueueUrl"]


@pytest.fixture
def notify(deptwatch: Deptwatch, stack) -> Any:
    """`notify(...)`: `deptwatch notify ... --stack <local>`; its exit status, one dict per stdout line, stderr."""
    deploy_outputs(stack, OUTPUTS)

    def run(*arguments: str) -> tuple[int, list[dict[str, Any]], str]:
        code, out, err = deptwatch("notify", *arguments, "--stack", STACK_NAME)
        # The functions' Logger was bound to this test process's stdout before the command ran (a real `deptwatch`
        # creates it on stderr): its lines are left out.
        lines = [json.loads(line) for line in out.splitlines()]
        return code, [line for line in lines if "level" not in line], err

    return run


def store_quietly(stack, records: list[dict[str, Any]]) -> None:
    fetched = datetime.now(UTC)
    queue_raw(
        stack,
        [
            RawRecordMessage(source="written-questions", record=r, fetched_at=fetched, delivery=Delivery.QUIET)
            for r in records
        ],
    )
    stack.drain()
    assert stack.collect_deliveries() == []


def delivered(stack) -> list[tuple[str, str]]:
    """(topic or watch, item id) of each message delivered since the last look."""
    return sorted((d.watch or d.department, d.message["item"]["id"]) for d in stack.collect_deliveries())


def test_quiet_versions_are_published_once_then_skipped_then_forced(stack, notify, list_records) -> None:
    # GIVEN a quiet backfill of the recorded questions, and a watch on DHSC
    stack.add_watches([Watch(name="dhsc", departments=[DHSC])])
    store_quietly(stack, list_records)
    ids = sorted(f"written-questions:{r['id']}" for r in list_records)

    # WHEN everything stored since an hour ago is re-notified
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    code, lines, err = notify("--since", since)

    # THEN each version reached its department's topic once, and the watch got DHSC's
    assert code == 0, err
    first = delivered(stack)
    assert sorted(item for topic, item in first if topic != "dhsc") == ids
    dfe = sorted(item for topic, item in first if topic == DHSC)
    assert dfe and sorted(item for topic, item in first if topic == "dhsc") == dfe
    assert {line["outcome"] for line in lines} == {"published"} and sorted(line["item_id"] for line in lines) == ids
    assert f"deptwatch: {len(ids)} stored version(s): {len(ids)} published" in err

    # WHEN it is run again / THEN nothing is published twice: each version is reported already published
    code, lines, err = notify("--since", since)
    assert code == 0, err
    assert delivered(stack) == []
    assert {line["outcome"] for line in lines} == {"already published"}
    assert all(line["published"] == 0 and line["skipped"] >= 1 for line in lines)

    # WHEN forced, for one item / THEN that item's messages go out again, and only that item's
    code, lines, err = notify("--item", dfe[0], "--force")
    assert code == 0, err
    assert {item for _, item in delivered(stack)} == {dfe[0]}
    assert [(line["item_id"], line["outcome"]) for line in lines] == [(dfe[0], "published")]


def test_only_items_stored_since_are_read(stack, notify, list_records) -> None:
    store_quietly(stack, list_records[:3])
    code, lines, err = notify("--since", (datetime.now(UTC) + timedelta(minutes=1)).isoformat())
    assert (code, lines) == (0, [])
    assert delivered(stack) == []
    assert "0 stored version(s): none" in err


def test_a_version_the_notifier_published_is_not_published_again(stack, notify, list_records) -> None:
    # GIVEN records notified as usual
    queue_raw(
        stack, [RawRecordMessage(source="written-questions", record=list_records[0], fetched_at=datetime.now(UTC))]
    )
    stack.drain()
    assert len(delivered(stack)) == 1
    # WHEN re-notified / THEN skipped
    item_id = f"written-questions:{list_records[0]['id']}"
    code, lines, err = notify("--item", item_id, "--item", "written-questions:404")
    assert code == 0, err
    assert delivered(stack) == []
    assert [(line["item_id"], line["outcome"]) for line in lines] == [
        (item_id, "already published"),
        ("written-questions:404", "not found"),
    ]


def test_a_version_stored_before_the_ledgers_memory_needs_force(stack, notify, list_records) -> None:
    store_quietly(stack, list_records[:1])
    item_id = f"written-questions:{list_records[0]['id']}"
    long_ago = (datetime.now(UTC) - timedelta(days=8)).isoformat(timespec="microseconds")
    stack.dynamodb.update_item(
        TableName=stack.output("ItemsTableName"),
        Key={"item_id": {"S": item_id}},
        UpdateExpression="SET stored_at = :long_ago",
        ExpressionAttributeValues={":long_ago": {"S": long_ago}},
    )
    stack.drain()  # the stream's MODIFY of the same version: nothing to publish
    assert delivered(stack) == []
    code, lines, err = notify("--item", item_id)
    assert code == 0 and lines[0]["outcome"] == "not published" and "--force" in lines[0]["reason"]
    assert delivered(stack) == []
    code, lines, err = notify("--item", item_id, "--force")
    assert code == 0, err
    assert lines[0]["outcome"] == "published" and len(delivered(stack)) == 1


@pytest.mark.parametrize("arguments", [(), ("--since", "yesterday"), ("--since", "2026-01-01", "--item", "x")])
def test_bad_arguments_are_one_line_and_exit_2(deptwatch: Deptwatch, arguments) -> None:
    code, out, err = deptwatch("notify", *arguments, "--stack", "nowhere")
    assert code == 2 and out == ""
    assert err.count("\n") <= 3 and "Traceback" not in err
