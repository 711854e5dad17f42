"""The local stack's costs grow with the work, not with what is stored: ingest of n records was O(n²) (issue #12,
1,000 records 116 s, 2,000 358 s). Counted here in copies and queue lengths, not timed (figures: `python -m bench
ingest`)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from moto.dynamodb.models.table import Table

import infra.local.commands as commands
from infra.local.replay import RECORDED
from shared.adapters.sqs import RawRecordQueue
from tests.integration.deployed import Deptwatch

QUESTIONS = RECORDED / "written-questions" / "list_2024-01-05.json"


def test_a_transaction_copies_its_table_once_whatever_its_size(stack, monkeypatch) -> None:
    # GIVEN the state table holding 50 rows, and a count of the table copies moto takes
    table = stack.output("StateTableName")
    for number in range(50):
        stack.dynamodb.put_item(TableName=table, Item={"id": {"S": f"row-{number}"}})
    copies: list[int] = []
    deepcopy = copy.deepcopy

    def counting(value, memo=None):
        if isinstance(value, Table):
            copies.append(len(value.items))
        return deepcopy(value, memo)

    monkeypatch.setattr(copy, "deepcopy", counting)
    # WHEN one transaction puts 20 rows (as the publish ledger claims a batch)
    stack.dynamodb.transact_write_items(
        TransactItems=[{"Put": {"TableName": table, "Item": {"id": {"S": f"claim-{n}"}}}} for n in range(20)]
    )
    # THEN the table was copied once (moto copied it once per item: 20 times the table), and the rows are written
    assert len(copies) == 1
    assert len(stack.dynamodb.scan(TableName=table)["Items"]) == 70


def test_a_cancelled_transaction_still_rolls_back(stack) -> None:
    table = stack.output("StateTableName")
    stack.dynamodb.put_item(TableName=table, Item={"id": {"S": "held"}})
    with pytest.raises(stack.dynamodb.exceptions.TransactionCanceledException):
        stack.dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"id": {"S": "new"}}}},
                {
                    "Put": {
                        "TableName": table,
                        "Item": {"id": {"S": "held"}},
                        "ConditionExpression": "attribute_not_exists(id)",
                    }
                },
            ]
        )
    assert [i["id"]["S"] for i in stack.dynamodb.scan(TableName=table)["Items"]] == ["held"]


def test_ingest_queues_a_large_file_a_chunk_at_a_time(deptwatch: Deptwatch, monkeypatch, tmp_path: Path) -> None:
    # GIVEN a file of 20 records, and chunks of 6
    monkeypatch.setattr(commands, "INGEST_CHUNK", 6)
    sent: list[int] = []
    send = RawRecordQueue.send

    def recording(self, messages):
        sent.append(len(messages))
        return send(self, messages)

    monkeypatch.setattr(RawRecordQueue, "send", recording)
    # WHEN it is ingested
    code, out, err = deptwatch("ingest", "--json", "--source", "written-questions", str(QUESTIONS))
    # THEN it went on the queue 6 at a time (so moto's queue never held the whole file), and every record was notified
    assert code == 0, err
    assert sent == [6, 6, 6, 2]
    count = len(json.loads(QUESTIONS.read_text(encoding="utf-8"))["results"])
    assert len([line for line in out.splitlines() if '"topic_arn"' in line]) == count


def test_receiving_does_not_walk_the_queue_for_each_message(stack, monkeypatch) -> None:
    # GIVEN a queue of 30 messages, and a count of moto's whole-queue attribute computations
    from moto.sqs.models import Queue

    url = stack.output("RawRecordsQueueUrl")
    for start in range(0, 30, 10):
        stack.sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": f"m{start + n}"} for n in range(10)]
        )
    walks: list[int] = []
    attributes = Queue.attributes

    def counting(queue):
        walks.append(len(queue._messages))
        return attributes.fget(queue)

    monkeypatch.setattr(Queue, "attributes", property(counting))
    # WHEN 10 are received / THEN none of them cost a walk of the queue (moto walked it once per message received)
    received = stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)["Messages"]
    assert len(received) == 10
    assert walks == []


def test_a_message_past_its_retention_is_not_received(stack, monkeypatch) -> None:
    url = stack.sqs.create_queue(QueueName="short", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    stack.sqs.send_message(QueueUrl=url, MessageBody="old")
    import infra.local.moto_costs as moto_costs

    monkeypatch.setattr(moto_costs, "unix_time", lambda: 10**11)  # far beyond the 60 s retention
    assert stack.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", []) == []
