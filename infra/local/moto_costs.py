"""Narrow fixes to costs of moto's emulation that grow with the data, which AWS does not have.

moto's TransactWriteItems takes a deep copy of a table (to roll the transaction back) once for EACH item of the
transaction that names the table: 100 copies of the whole state table per claim transaction of the publish ledger, so
`deptwatch ingest` of n records cost O(n²) (measured: 500 records spent 16 of 74 s copying the ledger). Here each table
is copied once per transaction, which is all the rollback needs (it restores the one copy of each table). Behaviour
is unchanged: the same copy, taken before any item is written, as moto's first one was.

moto's SQS ReceiveMessage checks each message it hands out against the queue's retention period by computing every
attribute of the queue, ApproximateNumberOfMessages* included, which walks the whole queue: receiving a queue of n
messages cost O(n²) (a `run --since` backfill queues everything at once). Here the retention period is read directly.
"""

from __future__ import annotations

import copy
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.core.utils import unix_time
from moto.dynamodb.models.table import Table
from moto.sqs.models import Message, SQSBackend

_transact_write_items = dynamodb_models.DynamoDBBackend.transact_write_items


class _EachTableCopiedOnce:
    """The `copy` module as moto's DynamoDB backend sees it during one transaction: a table is deep-copied once."""

    def __init__(self) -> None:
        self._tables: dict[int, Table] = {}

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        if not isinstance(value, Table):
            return copy.deepcopy(value, memo)
        if id(value) not in self._tables:
            self._tables[id(value)] = copy.deepcopy(value, memo)
        return self._tables[id(value)]

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _transact_write_items_copying_each_table_once(self: Any, transact_items: list[dict[str, Any]]) -> None:
    dynamodb_models.copy = _EachTableCopiedOnce()  # type: ignore[assignment]
    try:
        _transact_write_items(self, transact_items)
    finally:
        dynamodb_models.copy = copy


def _within_retention_period(self: SQSBackend, queue_name: str, message: Message) -> bool:
    """moto's own test, reading the one attribute it needs instead of all of them."""
    retention_period = int(self.get_queue(queue_name).message_retention_period)  # type: ignore[attr-defined]
    return retention_period + message.sent_timestamp / 1000 > unix_time()  # type: ignore[operator]


def apply() -> None:
    """Idempotent: applied when the local stack's module is imported."""
    dynamodb_models.DynamoDBBackend.transact_write_items = _transact_write_items_copying_each_table_once  # type: ignore[method-assign]
    SQSBackend.is_message_valid_based_on_retention_period = _within_retention_period  # type: ignore[method-assign]
