"""Realistic written questions in bulk, served as the API serves them (list pages, truncated texts, details)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx

from infra.local.replay import RECORDED, answer
from infra.local.replay.written_questions import RecordedQuestions

DETAIL = RECORDED / "written-questions" / "detail_1679416.json"
BODIES = (60, 13, 17, 54, 1, 7, 208, 29, 27, 11)
"""Answering bodies of ten departments (DfE, DEFRA, DHSC, MoJ, Home Office, MHCLG, FCDO, DWP, DfT, MoD)."""
FIRST_DAY = date(2026, 11, 2)


def written_questions(count: int, recent: bool = False) -> list[dict[str, Any]]:
    """`count` answered questions across ten departments, each with the real record's full answer.

    They were tabled over five days from FIRST_DAY, or, when `recent`, answered over the last two days (so that a
    scheduled poll's overlap window holds them all).
    """
    template = json.loads(DETAIL.read_text(encoding="utf-8"))["value"]
    first_day = date.today() - timedelta(days=9) if recent else FIRST_DAY
    records = []
    for number in range(count):
        record = copy.deepcopy(template)
        tabled = first_day + timedelta(days=number % 2 if recent else number % 5)
        record.update(
            id=3_000_000 + number,
            uin=str(50_000 + number),
            answeringBodyId=BODIES[number % len(BODIES)],
            answeringBodyName=None,
            heading=f"{template['heading']} ({number})",
            dateTabled=f"{tabled.isoformat()}T00:00:00",
            dateForAnswer=f"{(tabled + timedelta(days=5)).isoformat()}T00:00:00",
            dateAnswered=f"{(tabled + timedelta(days=7)).isoformat()}T00:00:00",
        )
        records.append(record)
    return records


def transport(
    records: list[dict[str, Any]],
) -> tuple[httpx.MockTransport, list[str], Callable[[int], None]]:
    """The written-questions API over `records`, in-process; the paths requested; and a way to show only the first N."""
    api = RecordedQuestions()
    api.records = {record["id"]: record for record in records}
    requested: list[str] = []

    def visible(count: int) -> None:
        api.records = {record["id"]: record for record in records[:count]}

    def handle(request: httpx.Request) -> httpx.Response:
        requested.append(request.url.path)
        from urllib.parse import parse_qs

        query = parse_qs(request.url.query.decode(), keep_blank_values=True)
        status, body = answer({api.host: [api]}, api.host, request.url.path, query)
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handle), requested, visible
