"""A narrow fix to a cost of moto's emulation that grows with the data, which AWS does not have.

moto's TransactWriteItems takes a deep copy of a table (to roll the transaction back) once for EACH item of the
transaction that names the table: 100 copies of the whole state table per claim transaction of the publish ledger, so
`deptwatch ingest` of n records cost O(n²) (measured: 500 records spent 16 of 74 s copying the ledger). Here each table
is copied once per transaction, which is all the rollback needs (it restores the one copy of each table). Behaviour
is unchanged: the same copy, taken before any item is written, as moto's first one was.
"""

from __future__ import annotations

import copy
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models.table import Table

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


def apply() -> None:
    """Idempotent: the local stack applies it whenever it deploys."""
    dynamodb_models.DynamoDBBackend.transact_write_items = _transact_write_items_copying_each_table_once  # type: ignore[method-assign]
