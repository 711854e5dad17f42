"""A source whose pages do not add up fails its poll and keeps its watermark, on the local stack with the real
fetcher handler; the records it could not read arrive at the next honest poll."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

import httpx
import pytest

from shared.container import reset_container_caches

LIST_PATH = "/api/writtenquestions/questions"
WATERMARK = "watermark#written-questions"
PAGE_CAP = 10

Lie = Callable[[int, int, int], tuple[int, Any]]
"""(skip, records on the page, true total) → (records to give, total to say)."""

HONEST: Lie = lambda skip, length, total: (length, total)  # noqa: E731
LIES: dict[str, Lie] = {
    "total as a string": lambda skip, length, total: (length, str(total)),
    "page shrinks before the total": lambda skip, length, total: (length // 2 if skip else length, total),
    "empty page before the total": lambda skip, length, total: (0 if skip else length, total),
    "total falls between pages": lambda skip, length, total: (length, total if skip == 0 else total - 5),
}


class QuestionsApi:
    """The written-questions API over the recorded records, in pages of at most 10; `lie` bends what it answers."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.lie: Lie = HONEST

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == LIST_PATH:
            skip = int(request.url.params.get("skip", "0"))
            page = self.records[skip : skip + PAGE_CAP]
            length, total = self.lie(skip, len(page), len(self.records))
            return httpx.Response(
                200, json={"totalResults": total, "results": [{"value": r, "links": []} for r in page[:length]]}
            )
        wanted = int(request.url.path.rsplit("/", 1)[1])
        found = [r for r in self.records if r["id"] == wanted]
        return httpx.Response(200, json={"value": found[0]}) if found else httpx.Response(404, json={})


@pytest.fixture
def stack_parameters() -> dict[str, str]:
    return {"Sources": "written-questions"}


@pytest.fixture
def api(list_records, monkeypatch) -> QuestionsApi:
    import functions.fetcher.app as fetcher_app
    from shared.adapters.http import UpstreamClient

    questions = QuestionsApi(list_records[:PAGE_CAP])
    monkeypatch.setattr(
        fetcher_app, "UpstreamClient", partial(UpstreamClient, transport=httpx.MockTransport(questions))
    )
    reset_container_caches()
    return questions


def watermark(stack) -> str | None:
    row = stack.dynamodb.get_item(
        TableName=stack.output("StateTableName"), Key={"id": {"S": WATERMARK}}, ConsistentRead=True
    ).get("Item")
    return row["value"]["S"] if row else None


def delivered_ids(stack) -> set[int]:
    return {int(d.message["item"]["id"].split(":")[1]) for d in stack.collect_deliveries()}


@pytest.mark.parametrize("lie", LIES.values(), ids=LIES.keys())
def test_a_source_whose_pages_do_not_add_up_keeps_its_watermark_until_an_honest_poll(stack, api, list_records, lie):
    # GIVEN a first poll that read the 10 questions the API had, and set the watermark
    first = stack.run_schedule("FetcherFunction")["sources"][0]
    stack.drain()
    assert first["error"] is None and first["queued"] == PAGE_CAP
    assert delivered_ids(stack) == {r["id"] for r in list_records[:PAGE_CAP]}
    first_mark = watermark(stack)
    assert first_mark is not None

    # WHEN 10 more questions are listed, and the API's pages do not add up
    api.records = list_records[: 2 * PAGE_CAP]
    api.lie = lie
    report = stack.run_schedule("FetcherFunction")["sources"][0]
    stack.drain()

    # THEN the source's poll failed, saying why, and its watermark did not move
    assert report["error"] is not None and "do not add up" in report["error"], report
    assert watermark(stack) == first_mark
    assert report["last_success"] == first_mark
    assert stack.dead_letters() == []

    # WHEN the API is honest at the next poll
    api.lie = HONEST
    third = stack.run_schedule("FetcherFunction")["sources"][0]
    stack.drain()

    # THEN the 10 questions the lying poll could not read arrive, each once, and the watermark moves on
    assert third["error"] is None
    assert delivered_ids(stack) == {r["id"] for r in list_records[PAGE_CAP : 2 * PAGE_CAP]}
    mark = watermark(stack)
    assert mark is not None and datetime.fromisoformat(mark) > datetime.fromisoformat(first_mark)
