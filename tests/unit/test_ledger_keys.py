"""The publish ledger's keys, built in one place and read back by `deptwatch notify`.

The ledger's rows outlive a deploy (7 days): a key whose format changed would make the notifier publish again what it
published before the deploy, so the format is pinned here as the rows already stored spell it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.adapters.publish_ledger import (
    VersionKey,
    digest_ledger_key,
    ledger_key,
    parse_ledger_key,
    watch_target,
)


def test_a_versions_keys_are_spelled_as_the_stored_rows_spell_them():
    assert (
        ledger_key("written-questions:1679416", 1, "department-for-education")
        == "published#written-questions:1679416#v1#department-for-education"
    )
    assert ledger_key("written-questions:1679416", 12, watch_target("dfe")) == (
        "published#written-questions:1679416#v12#watch:dfe"
    )
    assert digest_ledger_key("dfe-daily", "daily", datetime(2024, 1, 10, 6, 45, tzinfo=UTC)) == (
        "published-digest#dfe-daily#daily#2024-01-10T06:45:00+00:00"
    )


@pytest.mark.parametrize(
    ("item_id", "version", "target"),
    [
        ("written-questions:1679416", 1, "department-for-education"),
        ("govuk:/government/news/a#b", 3, "hm-treasury"),  # a '#' in an item id: the target and version are last
        ("bills:3456", 27, watch_target("my_watch-2")),
    ],
)
def test_a_key_reads_back_as_the_version_and_target_it_was_built_from(item_id: str, version: int, target: str):
    assert parse_ledger_key(ledger_key(item_id, version, target)) == VersionKey(item_id, version, target)


@pytest.mark.parametrize(
    "key",
    [
        "published-digest#dfe-daily#daily#2024-01-10T06:45:00+00:00",
        "published#written-questions:1#department-for-education",
        "published#written-questions:1#vX#department-for-education",
        "digest#dfe-daily#2024-01-10",
    ],
)
def test_a_key_that_is_not_a_versions_is_refused(key: str):
    with pytest.raises(ValueError, match="not a version's ledger key"):
        parse_ledger_key(key)
