"""`python -m bench watches` at a small size: its versions and watches are built, and the index agrees with the loop."""

from __future__ import annotations

from bench.watches import watches_bench


def test_the_bench_index_agrees_with_the_loop_and_narrows_the_watches() -> None:
    result = watches_bench(watch_count=400, version_count=60)  # raises if the index and the loop ever disagree
    assert result["distinct_items"] > 20  # every source's recordings, not one item repeated
    assert result["matches_mean"] <= result["candidates_mean"] < 400
