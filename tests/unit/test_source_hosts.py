"""Every source names the upstream host its polls are grouped by: the per-host politeness limit depends on it."""

from __future__ import annotations

import httpx
import pytest

from infra.local.replay import replay_transport
from shared.adapters.http import UpstreamClient
from shared.domain.departments import select
from shared.sources import SOURCE_NAMES, get_source
from tests.contract.cases import CASES


@pytest.mark.parametrize("name", SOURCE_NAMES)
def test_a_source_asks_only_the_host_it_declares(name: str) -> None:
    # GIVEN a source, its fake over its recordings, and a transport that notes the host of every request
    source, case = get_source(name), CASES[name]
    replay = replay_transport([case.fake()])
    asked: list[str] = []

    def noting(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.host)
        return replay.handle_request(request)

    client = UpstreamClient(transport=httpx.MockTransport(noting), sleep=lambda _: None)

    # WHEN it polls every department over its recordings' window, as the fetcher does: its list requests, or the
    # conversation of a source that lists itself (What's On, GOV.UK), and the details of cut records
    fetched = list(source.fetch(client, select(()), case.since, case.until))

    # THEN every request went to its declared host, the poll queue's group: without one a source would get a group
    # of its own (its name) and two sources of one API would each run at the per-host limit, together twice it
    assert fetched and asked
    assert source.api_host and source.poll_group == source.api_host
    assert set(asked) == {source.api_host}
