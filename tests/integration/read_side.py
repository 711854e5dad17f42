"""What the read-side tests share: records to ingest and the read API asked as API Gateway asks it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from infra.local.serve import READ_API, http_api_event
from infra.local.stack import LocalStack
from shared.domain.raw_record import RawRecordMessage
from tests.helpers import queue_raw, recorded

EDUCATION = "department-for-education"
HOSTILE_TITLE = "<script>alert('title')</script> & \"Apprentices\" <img src=x onerror=alert(1)>"
FIRST_FETCH = datetime(2024, 4, 20, 9, 0, tzinfo=UTC)


def question(number: int, day: int, heading: str | None = None) -> dict[str, Any]:
    """The recorded Department for Education question, as question `number`, tabled on January `day` 2024."""
    record = copy.deepcopy(recorded("written-questions/detail_1679416.json")["value"])
    record["id"] = 1_700_000 + number
    record["uin"] = str(10_000 + number)
    record["dateTabled"] = f"2024-01-{day:02d}T00:00:00"
    record["dateForAnswer"] = f"2024-01-{day + 2:02d}T00:00:00"
    record["dateAnswered"] = f"2024-01-{day + 2:02d}T00:00:00"
    record["heading"] = heading or f"Apprentices question {number}"
    record["askingMember"] = {"id": 4253, "name": "Navendu Mishra", "party": "Labour", "memberFrom": "Stockport"}
    record["answeringMember"] = {"id": 3985, "name": "David Johnston", "party": "Conservative", "memberFrom": "Wantage"}
    return record


def question_time(**changes: Any) -> dict[str, Any]:
    """The recorded Education question time (What's On event 51301, 29 April 2024 at 14:30), changed as given."""
    return {**recorded("whatson-events/2024-04-25_list_answeringBodyIds-60.json")[0], **changes}


def ingest(stack: LocalStack, source: str, records: list[dict[str, Any]], fetched_at: datetime = FIRST_FETCH) -> None:
    """Queue the records as the fetcher would (for Education) and run the pipeline until it is idle."""
    queue_raw(
        stack,
        [
            RawRecordMessage(source=source, record=r, department=EDUCATION, fetched_at=fetched_at, origin="tests")
            for r in records
        ],
    )
    stack.drain()
    stack.collect_deliveries()


def later(hours: int) -> datetime:
    return FIRST_FETCH + timedelta(hours=hours)


def get(stack: LocalStack, target: str, **headers: str) -> tuple[int, dict[str, str], str]:
    """GET `target` from the read API, as API Gateway invokes it: status, headers, body."""
    event = http_api_event("GET", target, {k.replace("_", "-"): v for k, v in headers.items()}, "example.test")
    result = stack.invoke(READ_API, event)
    return int(result["statusCode"]), dict(result.get("headers") or {}), str(result.get("body") or "")
