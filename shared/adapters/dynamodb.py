"""What every DynamoDB store shares: AWS's limits, and reading a batch of keys."""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import ClientError

from shared.adapters.retry import Backoff, Sleep, retry_pending

DYNAMODB_ITEM_LIMIT = 409_600
"""DynamoDB's item size limit in bytes, attribute names included (moto enforces 405,000, AWS 409,600)."""
ITEM_JSON_BUDGET = DYNAMODB_ITEM_LIMIT - 9_600
"""Bytes left for the item's JSON once the key and bookkeeping attributes are stored."""
BATCH_GET_LIMIT = 100
TRANSACTION_LIMIT = 100
TRANSACTION_ATTEMPTS = 5
BATCH_ATTEMPTS = 5
BATCH_BACKOFF = Backoff(first=0.05, cap=1.0)


def conditional_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def batch_get(
    client: Any, table: str, request: dict[str, Any], sleep: Sleep = time.sleep
) -> tuple[list[dict[str, Any]], bool]:
    """One BatchGetItem of at most 100 keys, its unprocessed keys retried with backoff: the rows found, and whether
    every key was read."""
    rows: list[dict[str, Any]] = []

    def read(pending: dict[str, Any]) -> dict[str, Any]:
        response = client.batch_get_item(RequestItems=pending)
        rows.extend(response.get("Responses", {}).get(table, []))
        return response.get("UnprocessedKeys") or {}

    unread = retry_pending(read, {table: request}, attempts=BATCH_ATTEMPTS, backoff=BATCH_BACKOFF, sleep=sleep)
    return rows, not unread


BATCH_WRITE_LIMIT = 25
