"""What every DynamoDB store shares: AWS's limits, and reading a batch of keys."""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import ClientError

DYNAMODB_ITEM_LIMIT = 409_600
"""DynamoDB's item size limit in bytes, attribute names included (moto enforces 405,000, AWS 409,600)."""
ITEM_JSON_BUDGET = DYNAMODB_ITEM_LIMIT - 9_600
"""Bytes left for the item's JSON once the key and bookkeeping attributes are stored."""
BATCH_GET_LIMIT = 100
TRANSACTION_LIMIT = 100
TRANSACTION_ATTEMPTS = 5
BATCH_ATTEMPTS = 5


def conditional_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def batch_get(client: Any, table: str, request: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """One BatchGetItem of at most 100 keys, its unprocessed keys retried with backoff: the rows found, and whether
    every key was read."""
    rows: list[dict[str, Any]] = []
    pending: dict[str, Any] = {table: request}
    for attempt in range(BATCH_ATTEMPTS):
        response = client.batch_get_item(RequestItems=pending)
        rows += response.get("Responses", {}).get(table, [])
        pending = response.get("UnprocessedKeys") or {}
        if not pending:
            return rows, True
        time.sleep(min(0.05 * 2**attempt, 1.0))
    return rows, False


BATCH_WRITE_LIMIT = 25
