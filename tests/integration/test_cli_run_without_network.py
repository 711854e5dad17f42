"""`deptwatch run` (`make run`) on a machine without network: one sentence and exit 2, each upstream host asked once
(a name that does not resolve is not retried with backoff; it took 25 s of silence before)."""

from __future__ import annotations

from tests.integration.deployed import Deptwatch


def test_run_without_network_fails_at_once_with_one_sentence(deptwatch: Deptwatch, no_name_resolution) -> None:
    code, out, err = deptwatch("run")

    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "(no network?)" in err and "make demo" in err and "Traceback" not in err
    assert "questions-statements-api.parliament.uk" in err and "www.gov.uk" in err
    # each source asked once (sources sharing a host each ask it once): no retry of a failed lookup
    from shared.sources import SOURCE_NAMES

    assert no_name_resolution and sum(no_name_resolution.values()) <= len(SOURCE_NAMES)
