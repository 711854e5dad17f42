"""Real boto3 clients for the adapters' batch tests: moto for what AWS does, botocore's Stubber for what moto cannot.

moto does not enforce the batch limits (entries, byte totals, distinct ids): `record_calls` hooks a client's own
event system (`provide-client-params`, run before parameter validation and before moto or a Stubber answers) to
check every call against AWS's limits and keep a copy of its parameters for the test to inspect.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.stub import Stubber

REGION = "eu-west-2"
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def record_calls(client: Any, operation: str, check: Callable[[dict[str, Any]], None]) -> list[dict[str, Any]]:
    """The parameters of each `operation` call the client makes, in order; `check` asserts AWS's limits on each
    (an AssertionError fails the call before it reaches moto or the Stubber)."""
    calls: list[dict[str, Any]] = []

    def hook(params: dict[str, Any], **_: Any) -> None:
        check(params)
        calls.append(copy.deepcopy(params))

    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(f"provide-client-params.{service}.{operation}", hook)
    return calls


@contextmanager
def stubbed(service: str) -> Iterator[tuple[Any, Stubber]]:
    """A real boto3 client (eu-west-2, dummy credentials) whose answers a test scripts; every scripted answer must
    have been used when the block ends, and a call beyond them fails."""
    client = boto3.client(service, region_name=REGION, **DUMMY_CREDENTIALS)  # type: ignore[call-overload]
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()
