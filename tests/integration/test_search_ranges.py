"""The search engine reads a window as concurrent key ranges: every item of the window once, none outside it, newest
first, whatever range boundary it falls on (rows indexed as the notifier indexes them, on the local stack's table)."""

from __future__ import annotations

import copy
import itertools
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from infra.local.stack import LocalStack
from shared.adapters.read_store import ReadStore
from shared.domain.raw_record import RawRecordMessage
from shared.pipeline.indexing import index_writes
from shared.pipeline.notifying import VersionChange
from shared.sources import get_source
from shared.watching.query import parse_query
from shared.web.search import DEPARTMENT_WINDOW, RANGE_SPAN, search
from tests.integration.read_side import EDUCATION, question

LATEST = datetime(2025, 3, 1, 12, tzinfo=UTC)  # noon: no hour of a clock change
LONDON = ZoneInfo("Europe/London")


class CountingClient:
    """The DynamoDB client, counting the Queries of the words partition and the threads they ran on."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.ranges: list[tuple[str, str | None]] = []
        self.threads: set[int] = set()

    def query(self, **request: Any) -> Any:
        values = request["ExpressionAttributeValues"]
        if values[":pk"]["S"].startswith("words#"):
            self.ranges.append((values[":earliest"]["S"], values.get(":until", {}).get("S")))
            self.threads.add(threading.get_ident())
        return self._client.query(**request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def index(stack: LocalStack, tabled: list[datetime]) -> None:
    source = get_source("written-questions")
    changes, fetched = [], []
    for number, at in enumerate(tabled):
        record: dict[str, Any] = copy.deepcopy(question(number, 1))
        local = at.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M:%S")  # the API's dates are London's
        record.update(dateTabled=local, dateForAnswer=None, dateAnswered=None)
        record["heading"] = f"Apprentices {number}" + (" odd" if number % 2 else "")
        item = source.parse(RawRecordMessage(source=source.name, record=record, fetched_at=at, origin="tests"))
        assert item.published_at == at
        changes.append(VersionChange(str(number), (item, 1), None, item_id=item.id))
        fetched.append(at.isoformat())
    ReadStore(stack.dynamodb, stack.output("ReadTableName")).write(*index_writes(changes, fetched))


def test_a_year_is_read_as_concurrent_ranges_each_item_once(stack: LocalStack) -> None:
    # GIVEN an item every 5 days for 400 days up to LATEST, and one on each range's first second
    earliest = LATEST - DEPARTMENT_WINDOW
    boundaries = [earliest + RANGE_SPAN * n for n in range(12)]
    tabled = [LATEST - timedelta(days=5 * n) for n in range(80)] + boundaries
    index(stack, tabled)
    client = CountingClient(stack.dynamodb)
    store = ReadStore(client, stack.output("ReadTableName"))
    # WHEN every item of the year is searched for, and the odd ones
    everything, read = search(store, None, [EDUCATION], limit=None)
    odd, _ = search(store, parse_query("odd"), [EDUCATION], limit=None)
    # THEN each item of the window is found once, newest first, none older than the window
    in_window = sorted((at for at in tabled if at >= earliest), reverse=True)
    found = [datetime.fromisoformat(match.sk.split("#", 1)[0]) for match in everything]
    assert found == in_window and read == len(in_window)
    assert len({match.item_id for match in everything}) == len(everything)
    assert [m.item_id for m in odd] == [m.item_id for m in everything if int(m.item_id.rsplit(":", 1)[1]) % 2]
    # AND the year was read as 12 ranges of a month, joined end to end, the newest open above, on several threads
    first_search = sorted(client.ranges[:12])
    assert len(client.ranges) == 24 and len(first_search) == 12
    assert all(until == following for (_, until), (following, _) in itertools.pairwise(first_search))
    assert first_search[-1][1] is None and first_search[0][0] == earliest.isoformat()
    assert len(client.threads) > 1
