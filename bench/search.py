"""`python -m bench search`: a search over a year of one department's items, on the read table in moto.

A year of the Department for Education: 8,000 answered questions (about what it gets in a year), one every ~66
minutes, each with the recorded question's full answer, indexed as the notifier indexes them. The query is a
watch-style one (`"flexi-job" AND apprentic* -withdrawn`) plus a word that only a few headings carry.
"""

from __future__ import annotations

import copy
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from infra.local.replay import RECORDED

DETAIL = RECORDED / "written-questions" / "detail_1679416.json"
YEAR_OF_ITEMS = 8_000
DEPARTMENT = "department-for-education"
RARE_EVERY = 400
QUERY = '"flexi-job" AND apprentic* AND (stockport OR rare) -withdrawn'


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
        began = time.perf_counter()
        matches, read = search_module.search(store, query, [DEPARTMENT])
        seconds = time.perf_counter() - began
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
    }
