"""AWS requests and upstream calls per item: a backfill, an idle poll, and records seen again unchanged.

Requests are counted with botocore's event hooks on the functions' own clients, on the local (moto) stack. The
operations that Lambda's event-source mappings make (receive, delete, stream reads) are not the functions' and are
left out, as are the local stack's own set-up calls.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import infra.local.stack as local

local.use_local_environment()
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # logging each item would measure the logger, not us

import httpx  # noqa: E402
from moto import mock_aws  # noqa: E402

from bench import synthetic  # noqa: E402
from functions.fetcher import app as fetcher  # noqa: E402
from infra.local.replay import replay_transport  # noqa: E402
from shared.adapters.aws import aws_client  # noqa: E402
from shared.adapters.http import UpstreamClient  # noqa: E402
from shared.sources.incremental import MEMORY_SHARDS, recheck_due, shard_of  # noqa: E402

MAPPING_OPERATIONS = frozenset(
    {
        "ReceiveMessage",
        "DeleteMessage",
        "DeleteMessageBatch",
        "ChangeMessageVisibility",
        "GetQueueAttributes",
        "DescribeStream",
        "GetShardIterator",
        "GetRecords",
    }
)
WRITES = frozenset({"UpdateItem", "PutItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})


TALLIES = frozenset({"write units", "items read"})
"""What `counting` tallies beside the requests: not requests."""


def requests_made(counts: Counter[str]) -> int:
    """All requests counted, each once (the per-table entries repeat some)."""
    return sum(value for name, value in counts.items() if "@" not in name and name not in TALLIES)


@contextmanager
def counting() -> Iterator[Counter[str]]:
    counts: Counter[str] = Counter()

    def count(model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name not in MAPPING_OPERATIONS:
            counts[model.name] += 1
            # DynamoDB requests also by table ("UpdateItem@ItemsTable"): the processor's are on the items table only.
            for table in {params.get("TableName"), *params.get("RequestItems", {})} - {None}:
                counts[f"{model.name}@{str(table).rsplit('-', 1)[-1]}"] += 1
            # Write units: DynamoDB charges a put by the item's size, a unit per KB begun.
            puts = [params["Item"]] if model.name == "PutItem" else []
            if model.name == "BatchWriteItem":
                puts = [
                    w["PutRequest"]["Item"] for ws in params["RequestItems"].values() for w in ws if "PutRequest" in w
                ]
            counts["write units"] += sum(-(-len(json.dumps(item).encode()) // 1024) for item in puts)
            # Items read: what a read costs beyond its round trip (a state item may be up to 400 KB).
            if model.name == "GetItem":
                counts["items read"] += 1
            if model.name == "BatchGetItem":
                counts["items read"] += sum(len(t.get("Keys", [])) for t in params["RequestItems"].values())

    clients = [aws_client(name) for name in ("sqs", "dynamodb", "sns")]
    for client in clients:
        client.meta.events.register("before-parameter-build", count)
    try:
        yield counts
    finally:
        for client in clients:
            client.meta.events.unregister("before-parameter-build", count)


@contextmanager
def stack_with_upstream(
    http: UpstreamClient, sources: str, environment: dict[str, str] | None = None
) -> Iterator[local.LocalStack]:
    with mock_aws():
        stack = local.LocalStack({"Sources": sources}).deploy(
            {"POWERTOOLS_METRICS_DISABLED": "true"} if environment is None else environment
        )
        original = fetcher._http
        fetcher._http = functools.cache(lambda: http)  # the fetcher's client, pointed at the synthetic upstream
        try:
            yield stack
        finally:
            fetcher._http = original


def poll(stack: local.LocalStack, since: str | None = None) -> dict[str, Any]:
    """One scheduled poll as deployed: the dispatch, then the polls it queued (their reports under `sources`)."""
    return stack.run_own_queues("FetcherFunction", stack.invoke("FetcherFunction", {"since": since} if since else {}))


def backfill(count: int, step: int = 1_000) -> dict[str, float]:
    """End to end: fetch → queue → store → publish for `count` new written questions of ten departments.

    They appear upstream `step` at a time, one scheduled poll each (moto's SQS costs O(queue length) per call, so a
    queue of 10,000 would measure moto rather than us; the requests per item do not depend on it).
    """
    records = synthetic.written_questions(count, recent=True)
    transport, requested, visible = synthetic.transport(records)
    http = UpstreamClient(transport=transport, sleep=lambda _: None)
    with stack_with_upstream(http, "written-questions") as stack, counting() as counts:
        started = time.perf_counter()
        for shown in range(step, count + step, step):
            visible(min(shown, count))
            poll(stack)
            stack.drain()
        elapsed = time.perf_counter() - started
    total = requests_made(counts)
    return {
        "items": count,
        "requests": total,
        "per_item": total / count,
        "writes_per_item": sum(counts[op] for op in WRITES) / count,
        "upstream_calls": len(requested),
        "seconds": elapsed,
        **{
            f"op:{name}": value / count
            for name, value in sorted(counts.items())
            if "@" not in name and name not in TALLIES
        },
    }


def idle_poll() -> dict[str, dict[str, float]]:
    """A scheduled poll of each source a few minutes after the previous one, with nothing changed upstream (a source
    polled less often than scheduled, `Source.poll_every`, is not due: `polled_every_minutes` says how often)."""
    from shared.sources import SOURCE_NAMES, get_source

    http = UpstreamClient(transport=replay_transport(), sleep=lambda _: None)
    results: dict[str, dict[str, float]] = {}
    for name in SOURCE_NAMES:
        with stack_with_upstream(http, name) as stack:
            poll(stack)
            stack.drain()
            results[name] = {
                **_measured_poll(http, stack),
                "polled_every_minutes": get_source(name).poll_every.total_seconds() / 60,
                "list_queries": _list_queries(name),
            }
    return results


def _list_queries(name: str) -> int:
    """How many list queries one poll window of every department takes: what the source declares (written questions:
    one per date field, the API has no OR), or one for a source that lists itself."""
    from shared.domain.departments import DEPARTMENTS
    from shared.sources import get_source
    from shared.sources.base import Source

    source = get_source(name)
    if type(source).list_requests is Source.list_requests:
        return 1
    until = SIMULATED_START
    return len(list(source.list_requests(DEPARTMENTS, until - POLL_INTERVAL, until)))


def _measured_poll(http: UpstreamClient, stack: local.LocalStack) -> dict[str, float]:
    """What one more poll of the stack's one source costs, upstream and on AWS, once its records are processed."""
    calls_before = http.requests
    with counting() as counts:
        report = poll(stack)["sources"][0]
        stack.drain()
    return {
        "upstream_calls": http.requests - calls_before,
        "aws_requests": requests_made(counts),
        "writes": sum(counts[op] for op in WRITES),
        "items_read": counts["items read"],
        "queued": report["queued"],
    }


def due_poll() -> dict[str, dict[str, float]]:
    """Each source polled less often than scheduled (`Source.poll_every`) at the scheduled poll where it falls due
    again (the polls between are not due: `idle_poll`), with nothing changed upstream."""
    from shared.domain.departments import DEPARTMENTS
    from shared.sources import SOURCE_NAMES, get_source

    http = UpstreamClient(transport=replay_transport(), sleep=lambda _: None)
    results: dict[str, dict[str, float]] = {}
    for name in SOURCE_NAMES:
        every = get_source(name).poll_every
        if not every:
            continue
        with stack_with_upstream(http, name) as stack, simulated_polls() as at_poll:
            at_poll(0)
            poll(stack)
            stack.drain()
            at_poll(round(every / POLL_INTERVAL))
            results[name] = {
                **_measured_poll(http, stack),
                "polled_every_minutes": every.total_seconds() / 60,
                "departments_asked": sum(1 for department in DEPARTMENTS if department.answering_body_ids),
            }
    return results


POLL_INTERVAL = timedelta(minutes=5)
"""The template's default schedule: polls on the simulated clock are this far apart."""

SIMULATED_START = datetime(2026, 11, 30, tzinfo=UTC)
"""Poll 0 on the simulated clock: a fixed time, so that which polls hold a memory part's recheck slot (and so each
poll's detail calls) is the same every run. Midnight UTC is a scheduled poll and, for any period that divides a day
into whole slots (the 180-minute default: a slot every 675 s), a slot boundary: no part's slot falls in the five
minutes after it, so the poll after it is the commonest kind (no recheck: 20 of the 36 polls of a 180-minute period).
"""


@contextmanager
def simulated_polls() -> Iterator[Callable[[int], None]]:
    """The fetcher's clock set to the Nth scheduled poll after SIMULATED_START (the detail recheck depends on it)."""
    original = fetcher.utc_now

    def at_poll(number: int) -> None:
        fetcher.utc_now = lambda: SIMULATED_START + number * POLL_INTERVAL  # type: ignore[assignment]

    try:
        yield at_poll
    finally:
        fetcher.utc_now = original  # type: ignore[assignment]


def _stamp(poll_number: int) -> int:
    return int((SIMULATED_START + poll_number * POLL_INTERVAL).timestamp())


def _written_question_keys(records: list[dict[str, Any]]) -> list[str]:
    from shared.sources import get_source

    source = get_source("written-questions")
    return [source.record_key(record) for record in records]


def _detail_calls(requests: list[httpx.Request]) -> int:
    return sum(request.url.path.rsplit("/", 1)[-1].isdigit() for request in requests)


def recheck_minutes(stack: local.LocalStack) -> int:
    """The stack's detail recheck period (`DetailRecheckMinutes`: the template's default unless overridden)."""
    return int(stack.parameters["DetailRecheckMinutes"])


def overlap_poll(count: int) -> dict[str, float]:
    """The scheduled poll after the one that queued `count` questions, still in its window (the overlap every poll
    re-reads), nothing changed upstream: its list pages, and the details of the memory parts whose recheck slot fell
    between the two polls (`incremental.recheck_due`; none at SIMULATED_START)."""
    records = synthetic.written_questions(count, recent=True, today=SIMULATED_START.date())
    transport, requested, _ = synthetic.transport(records)
    http = UpstreamClient(transport=transport, sleep=lambda _: None)
    with stack_with_upstream(http, "written-questions") as stack, simulated_polls() as at_poll:
        at_poll(0)
        poll(stack)
        stack.drain()
        calls_before = len(requested)
        at_poll(1)
        with counting() as counts:
            report = poll(stack)["sources"][0]
            stack.drain()
        period = recheck_minutes(stack)
    keys = _written_question_keys(records)
    return {
        "records_in_window": report["queued"] + report["unchanged"],
        "upstream_calls": len(requested) - calls_before,
        "detail_calls": _detail_calls(requested[calls_before:]),
        "details_due": sum(recheck_due(key, _stamp(0), _stamp(1), period * 60) for key in keys),
        "polls_rechecking": min(1.0, MEMORY_SHARDS * POLL_INTERVAL / timedelta(minutes=period)),
        "aws_requests": requests_made(counts),
        "writes": sum(counts[op] for op in WRITES),
        "queued": report["queued"],
        "recheck_minutes": period,
    }


def recheck_period(count: int) -> dict[str, Any]:
    """The scheduled polls of one detail recheck period (`DetailRecheckMinutes`) after a poll read the details of
    `count` questions the list cuts, nothing changed upstream: detail calls (the recheck), the memory parts they
    belong to, and state writes, per poll; and the size of each part."""
    records = synthetic.written_questions(count, recent=True, today=SIMULATED_START.date())
    transport, requested, _ = synthetic.transport(records)
    http = UpstreamClient(transport=transport, sleep=lambda _: None)
    key_of = dict(zip((str(record["id"]) for record in records), _written_question_keys(records), strict=True))
    details_per_poll, parts_per_poll, writes_per_poll, units_per_poll = [], [], [], []
    with stack_with_upstream(http, "written-questions") as stack, simulated_polls() as at_poll:
        period = recheck_minutes(stack)
        polls = round(timedelta(minutes=period) / POLL_INTERVAL)
        for number in range(polls + 1):
            at_poll(number)
            before = len(requested)
            with counting() as counts:
                poll(stack)
            stack.drain()
            writes_per_poll.append(sum(counts[op] for op in WRITES))
            units_per_poll.append(counts["write units"])
            details = [r for r in requested[before:] if r.url.path.rsplit("/", 1)[-1].isdigit()]
            details_per_poll.append(len(details))
            parts_per_poll.append(len({shard_of(key_of[r.url.path.rsplit("/", 1)[-1]]) for r in details}))
    part_sizes = Counter(shard_of(key) for key in key_of.values())
    return {
        "records": count,
        "recheck_minutes": period,
        "details_per_poll": details_per_poll[1:],
        "parts_per_poll": parts_per_poll[1:],
        "largest_part": max(part_sizes.values()),
        "state_writes_per_poll": writes_per_poll[1:],
        "state_write_units_per_poll": units_per_poll[1:],
    }


def unchanged(count: int) -> dict[str, float]:
    """Records the processor sees again unchanged (an explicit backfill re-queues them, past the fetcher's digests)."""
    transport, _, _ = synthetic.transport(synthetic.written_questions(count))
    http = UpstreamClient(transport=transport, sleep=lambda _: None)
    with stack_with_upstream(http, "written-questions") as stack:
        poll(stack, since=synthetic.FIRST_DAY.isoformat())
        stack.drain()
        with counting() as counts:
            poll(stack, since=synthetic.FIRST_DAY.isoformat())
            stack.drain()
    processing = {
        op: counts[op] for op in ("BatchGetItem@ItemsTable", "UpdateItem", "TransactWriteItems", "PublishBatch")
    }
    return {
        "records": count,
        "writes_per_record": sum(counts[f"{op}@ItemsTable"] for op in WRITES) / count,
        "reads_per_record": counts["BatchGetItem@ItemsTable"] / count,
        **{f"op:{name}": value / count for name, value in processing.items()},
    }
