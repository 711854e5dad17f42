"""The new sources' paginators (newest first, oral questions' PagingInfo) say where each page is, and start where a
resumed poll asks: a poll stopped for time re-reads one page, not its whole list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from shared.adapters.http import UpstreamClient
from shared.sources import get_source
from shared.sources.base import ListRequest, Paginator
from shared.sources.newest_first import NewestFirstPaginator
from shared.sources.oral_questions import PagingInfoPaginator

TOTAL, PAGE = 25, 10
NEWEST = datetime(2026, 11, 30, 12, tzinfo=UTC)


def _records() -> list[dict[str, Any]]:
    return [{"Id": n + 1, "lastUpdate": (NEWEST - timedelta(hours=n)).isoformat()} for n in range(TOTAL)]


def _answer(request: httpx.Request) -> httpx.Response:
    skip = int(request.url.params.get("Skip") or request.url.params.get("parameters.skip") or 0)
    page = _records()[skip : skip + PAGE]
    body = {"items": page, "totalResults": TOTAL, "PagingInfo": {"Skip": skip, "Take": PAGE, "Total": TOTAL}}
    return httpx.Response(200, json={**body, "Response": page, "Success": True})


@pytest.mark.parametrize(
    ("paginator", "read"),
    [
        (
            NewestFirstPaginator(skip="Skip", items="items", total="totalResults", updated="lastUpdate"),
            lambda body: body["items"],
        ),
        (PagingInfoPaginator(), get_source("oral-questions").records_from_response),
    ],
    ids=["newest-first", "paging-info"],
)
def test_pages_carry_their_offset_and_a_resumed_poll_starts_there(paginator: Paginator, read: Any) -> None:
    asked: list[httpx.Request] = []

    def transport(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return _answer(request)

    http = UpstreamClient(transport=httpx.MockTransport(transport), sleep=lambda _: None, max_attempts=1)
    request = ListRequest("https://example.parliament.uk/list", {})

    pages = list(paginator.pages(http, request, read, start=PAGE))

    assert [[listed.position.offset for listed in page if listed.position] for page in pages] == [[10] * 10, [20] * 5]
    assert len(asked) == 2  # the first page, already read before the stop, is not asked again
