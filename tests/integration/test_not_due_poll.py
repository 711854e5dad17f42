"""A poll message that is not due (Source.poll_every) reads only what decides it: the source's watermark item, not the
16 parts of its record memory. Through the fetcher as deployed (dispatch, then the poll queue), on moto."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from bench.requests import poll, simulated_polls, stack_with_upstream
from infra.local.replay import replay_transport
from shared.adapters.aws import aws_client
from shared.adapters.http import UpstreamClient
from shared.adapters.source_state import WatermarkStore
from shared.domain.raw_record import Delivery
from shared.sources.incremental import PollCheckpoint, SeenRecord, SourceState

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


@contextmanager
def dynamodb_requests(client: Any = None) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Each DynamoDB request `client` (the functions' own by default) makes: operation name and parameters."""
    made: list[tuple[str, dict[str, Any]]] = []

    def count(model: Any, params: dict[str, Any], **_: Any) -> None:
        made.append((model.name, params))

    client = client or aws_client("dynamodb")
    client.meta.events.register("before-parameter-build.dynamodb", count)
    try:
        yield made
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb", count)


def keys_read(request: tuple[str, dict[str, Any]]) -> list[str]:
    name, params = request
    if name == "GetItem":
        return [params["Key"]["id"]["S"]]
    return [key["id"]["S"] for table in params.get("RequestItems", {}).values() for key in table.get("Keys", [])]


def test_a_poll_that_is_not_due_reads_only_the_watermark_item() -> None:
    # GIVEN bills (polled hourly) backfilled, its record memory written
    http = UpstreamClient(transport=replay_transport(), sleep=lambda _: None)
    with stack_with_upstream(http, "bills") as stack, simulated_polls() as at_poll:
        at_poll(0)
        assert poll(stack, since="2020-01-01")["sources"][0]["queued"] > 0
        stack.drain()
        # WHEN the next schedule's poll message (five minutes on: not due) runs
        at_poll(1)
        with dynamodb_requests() as made:
            report = poll(stack)["sources"][0]
        # THEN it made one request, for the watermark item alone, and polled nothing
        assert [name for name, _ in made] == ["GetItem"]
        assert keys_read(made[0]) == ["watermark#bills"]
        assert report["queued"] == 0 and report["error"] is None and report["last_success"] is None

        # AND the poll that is due (the 12th schedule) reads the watermark item once, then the memory's parts
        at_poll(12)
        with dynamodb_requests() as made:
            report = poll(stack)["sources"][0]
        read = [key for request in made for key in keys_read(request)]
        assert read.count("watermark#bills") == 1
        assert sum(key.startswith("seen#bills#") for key in read) == 16
        assert report["error"] is None and report["last_success"] is not None


def test_the_head_then_the_memory_is_the_whole_state_and_unchanged_parts_are_not_written_again(stack) -> None:
    # GIVEN a source's state with a memory over several parts and an unfinished poll
    store = WatermarkStore(stack.dynamodb, stack.output("StateTableName"))
    checkpoint = PollCheckpoint(poll_id="p", step=2, since=NOW, until=NOW, delivery=Delivery.NOTIFY)
    seen = {f"record-{n}": SeenRecord(f"l{n}", f"c{n}", "2026-11-29", 1_764_400_000 + n) for n in range(200)}
    store.put("bills", SourceState(NOW, seen, checkpoint, completed_poll="q", swept="2026-11-29"))
    whole = WatermarkStore(stack.dynamodb, stack.output("StateTableName")).get("bills")
    # WHEN it is read as a poll that may not be due reads it: the head, then the memory
    store = WatermarkStore(stack.dynamodb, stack.output("StateTableName"))
    head = store.head("bills")
    state = store.get("bills", head)
    # THEN the head has everything but the memory, and both reads together are the whole state
    assert (head.watermark, head.checkpoint, head.completed_poll, head.swept, head.seen) == (
        NOW,
        checkpoint,
        "q",
        "2026-11-29",
        {},
    )
    assert state == whole and len(state.seen) == 200
    # AND writing it back unchanged rewrites no part of the memory (only the watermark item)
    with dynamodb_requests(stack.dynamodb) as made:
        store.put("bills", state)
    assert [name for name, _ in made] == ["PutItem"]
