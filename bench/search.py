"""`python -m bench search`: a search over a year of one department's items, on the read table in moto.

A year of the Department for Education: 8,000 answered questions (about what it gets in a year), one every ~66
minutes, each with the recorded question's full answer, indexed as the notifier indexes them. The query is a
watch-style one (`"flexi-job" AND apprentic* -withdrawn`) plus a word that only a few headings carry.

moto's Query is far slower than DynamoDB's (about 1.6 s per 1 MB page in cProfile), so the time on moto stands for
nothing. The figure that stands for DynamoDB: the round trips on the search's critical path (the Queries a search
makes one after another: the newest row, then the slowest key range's pages, then the matches' BatchGetItem) times a
stated latency per round trip, plus the measured CPU time of decompressing and matching the year, scaled to the API
function's share of a vCPU (Lambda gives a full vCPU at 1,769 MB).
"""

from __future__ import annotations

import copy
import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.synthetic import DETAIL

YEAR_OF_ITEMS = 8_000
DEPARTMENT = "department-for-education"
RARE_EVERY = 400
QUERY = '"flexi-job" AND apprentic* AND (stockport OR rare) -withdrawn'
ROUND_TRIP_SECONDS = 0.1
"""A stated, not measured, latency of one DynamoDB round trip returning up to 1 MB within a region: AWS quotes
single-digit milliseconds for small reads; 100 ms is a pessimistic allowance for a page of half a megabyte."""
FULL_VCPU_MB = 1769


class CountingClient:
    """The DynamoDB client, counting the Query pages of each key range of the words partition (thread-safe: a list
    append is atomic)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.pages: list[tuple[str, str]] = []

    def query(self, **request: Any) -> Any:
        values = request["ExpressionAttributeValues"]
        self.pages.append((values[":pk"]["S"], values.get(":earliest", {}).get("S", "")))
        return self._client.query(**request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def api_memory_mb() -> int:
    from infra.cfn_template import load_template

    template = load_template("template.yaml")
    function = template["Resources"]["ApiFunction"]["Properties"]
    return int(function.get("MemorySize") or template["Globals"]["Function"]["MemorySize"])


def search_year(count: int = YEAR_OF_ITEMS) -> dict[str, float]:
    from infra.local.stack import local_stack
    from shared.adapters.aws import aws_client
    from shared.adapters.read_store import ReadStore, words_key
    from shared.domain.raw_record import RawRecordMessage
    from shared.pipeline.indexing import index_writes
    from shared.pipeline.notifying import VersionChange
    from shared.sources import get_source
    from shared.watching.query import parse_query
    from shared.web import search as search_module

    source = get_source("written-questions")
    template = json.loads(DETAIL.read_text(encoding="utf-8"))["value"]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with local_stack() as stack:
        store = ReadStore(aws_client("dynamodb"), stack.output("ReadTableName"))
        changes, fetched, row_bytes = [], [], 0
        for number in range(count):
            record: dict[str, Any] = copy.deepcopy(template)
            tabled = start + timedelta(minutes=66 * number)
            heading = f"Apprentices {number}" + (" rare" if number % RARE_EVERY == 0 else "")
            record.update(id=4_000_000 + number, uin=str(60_000 + number), heading=heading)
            record.update(dateTabled=tabled.strftime("%Y-%m-%dT00:00:00"), dateForAnswer=None, dateAnswered=None)
            message = RawRecordMessage(source=source.name, record=record, fetched_at=tabled, origin="bench")
            item = source.parse(message)
            changes.append(VersionChange(str(number), (item, 1), None, item_id=item.id))
            fetched.append(tabled.isoformat())
        puts, deletes = index_writes(changes, fetched)
        row_bytes = sum(len(p["words"]["B"]) + 120 for p in puts if p["pk"]["S"] == f"words#{DEPARTMENT}")
        store.write(puts, deletes)
        query = parse_query(QUERY)
        counting = CountingClient(aws_client("dynamodb"))
        began = time.perf_counter()
        matches, read = search_module.search(ReadStore(counting, stack.output("ReadTableName")), query, [DEPARTMENT])
        seconds = time.perf_counter() - began
        range_pages = Counter(key for key in counting.pages if key[0].startswith("words#"))
        # newest row, then the key ranges at once (the slowest: its pages in sequence), then one BatchGetItem
        round_trips = 1 + max(range_pages.values()) + 1
        # The Lambda's own share: the same rows, already read, decompressed and matched.
        rows = list(store.since(words_key(DEPARTMENT), "2000-01-01"))
        began = time.perf_counter()
        found = sum(search_module._matches(query, row) for row in rows)
        matching = time.perf_counter() - began
        assert found == len(matches)
    # A Query reads eventually consistent: half a read unit per 4 KB of the rows it reads.
    return {
        "seconds": seconds,
        "matching_seconds": matching,
        "pages": row_bytes / 1_048_576,
        "rows_read": read,
        "matches": len(matches),
        "expected": len(range(0, count, RARE_EVERY)),
        "read_units": row_bytes / 4096 / 2,
        "ranges": len(range_pages),
        "round_trips": round_trips,
        "lambda_cpu_seconds": matching * max(1.0, FULL_VCPU_MB / api_memory_mb()),
        "dynamodb_seconds": round_trips * ROUND_TRIP_SECONDS + matching * max(1.0, FULL_VCPU_MB / api_memory_mb()),
    }
