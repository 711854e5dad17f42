"""Realistic written questions in bulk, served as the API serves them (list pages, truncated texts, details)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx

from infra.local.replay import RECORDED
from infra.local.replay.written_questions import RecordedQuestions

DETAIL = RECORDED / "written-questions" / "detail_1679416.json"
BODIES = (60, 13, 17, 54, 1, 7, 208, 29, 27, 11)
"""Answering bodies of ten departments (DfE, DEFRA, DHSC, MoJ, Home Office, MHCLG, FCDO, DWP, DfT, MoD)."""
FIRST_DAY = date(2026, 11, 2)


def written_questions(count: int, recent: bool = False, today: date | None = None) -> list[dict[str, Any]]:
    """`count` answered questions across ten departments, each with the real record's full answer.

    They were tabled over five days from FIRST_DAY, or, when `recent`, answered over the two days before `today` (the
    poll's day; the real one unless given) so that a scheduled poll's overlap window holds them all.
    """
    template = json.loads(DETAIL.read_text(encoding="utf-8"))["value"]
    first_day = (today or date.today()) - timedelta(days=9) if recent else FIRST_DAY
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
) -> tuple[httpx.MockTransport, list[httpx.Request], Callable[[int], None]]:
    """The written-questions API over `records`, in-process, with pages as big as production pollers ask (1000); the
    requests made; and a way to show only the first N."""
    api = RecordedQuestions(records, page_cap=1000)
    every_listed, every_detail = api.listed, api.details

    def visible(count: int) -> None:
        api.listed = every_listed[:count]
        api.details = {record["id"]: every_detail[record["id"]] for record in records[:count]}

    return api.transport(), api.requests, visible
