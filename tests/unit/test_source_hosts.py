"""Every source names the upstream host its polls are grouped by: the per-host politeness limit depends on it."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from shared.domain.departments import select
from shared.sources import SOURCE_NAMES, get_source


@pytest.mark.parametrize("name", SOURCE_NAMES)
def test_a_source_declares_the_host_its_list_requests_go_to(name: str) -> None:
    source = get_source(name)
    # The poll queue's group: without a declared host, a source would get a group of its own (its name) and two
    # sources of one API would each run at the per-host limit, together twice it.
    assert source.api_host and source.poll_group == source.api_host
    since, until = datetime(2024, 4, 1, tzinfo=UTC), datetime(2024, 4, 8, tzinfo=UTC)
    try:
        requests = list(source.list_requests(select(()), since, until))
    except NotImplementedError:  # a source that holds a conversation with its API (What's On, GOV.UK) lists itself
        requests = []
    assert {urlsplit(request.url).hostname for request in requests} <= {source.api_host}
