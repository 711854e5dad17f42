"""`deptwatch serve` (live, not --offline) on a machine without network: as `run`, one sentence and exit 2, not
every source's failure printed and then an empty site served."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.integration.deployed import Deptwatch


def test_serve_without_network_fails_at_once_with_one_sentence(
    deptwatch: Deptwatch, no_name_resolution: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN no name resolves (and a serve that would block is recorded instead of blocking the test)
    served: list[int] = []
    # main()'s own default, set before the next line imports infra.local.commands and with it the functions' Logger
    # (shared.observability), which would otherwise log on stdout
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "CRITICAL")
    monkeypatch.setattr("infra.local.commands.serve_until_interrupted", lambda stack, port, out: served.append(port))

    # WHEN `deptwatch serve` polls the live APIs
    code, out, err = deptwatch("serve", "--port", "0")

    # THEN it says so in one line, with the offline way, exits 2 and serves nothing
    assert (code, out, served) == (2, "", [])
    assert err.count("\n") == 1 and "(no network?)" in err and "make demo" in err and "Traceback" not in err
    assert "questions-statements-api.parliament.uk" in err and "www.gov.uk" in err
    assert no_name_resolution
