"""`deptwatch ingest` reports what the notifier could not notify, naming the file's record, and exits 1: a record it
set aside as poison (with its reason) and a record the stream mapping gave up on after its retries (only the
batch's coordinates reach the NotifierFailureQueue; the command reads the stream at them to name the records).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import shared.adapters.sns as sns
from infra.local.replay import RECORDED
from shared.adapters.publish_ledger import parse_ledger_key
from tests.integration.deployed import Deptwatch

LIST_PAGE = RECORDED / "written-questions/list_2024-01-05.json"


@pytest.fixture
def ingest(deptwatch: Deptwatch) -> Callable[..., tuple[int, str, list[dict]]]:
    def run(*arguments: str | Path) -> tuple[int, str, list[dict]]:
        code, out, err = deptwatch("ingest", "--json", *map(str, arguments))
        return code, err, [json.loads(line) for line in out.splitlines()]

    return run


def listed_ids() -> list[int]:
    return [result["value"]["id"] for result in json.loads(LIST_PAGE.read_text(encoding="utf-8"))["results"]]


def test_a_record_the_notifier_sets_aside_is_reported_with_its_reason(ingest, monkeypatch):
    # GIVEN a response whose second record cannot be rendered (as a year-9999 date could not be)
    poison = listed_ids()[1]
    email_text = sns.email_text

    def render(notification):
        if notification.item.id == f"written-questions:{poison}":
            raise OverflowError("date value out of range")
        return email_text(notification)

    monkeypatch.setattr(sns, "email_text", render)

    # WHEN it is ingested
    code, stderr, delivered = ingest("--source", "written-questions", LIST_PAGE)

    # THEN the command exits 1, naming the record and why it was not notified; the others are delivered
    assert code == 1
    reports = [line for line in stderr.splitlines() if line.startswith("deptwatch: ")]
    assert reports == [
        f"deptwatch: {LIST_PAGE} record 1 (id {poison}): not notified: "
        "cannot render the notification: OverflowError: date value out of range"
    ]
    assert poison not in {int(d["message"]["item"]["id"].split(":")[1]) for d in delivered}
    assert len(delivered) == len(listed_ids()) - 1


def test_a_record_the_stream_mapping_gives_up_on_is_reported(ingest, monkeypatch):
    # GIVEN SNS refusing, every time, the messages of the response's first record (a transient error that lasts)
    stuck = f"written-questions:{listed_ids()[0]}"
    publish = sns.SnsPublisher.publish

    def refuse(self, messages):
        failures = publish(self, [m for m in messages if parse_ledger_key(m.key).item_id != stuck])
        return failures | {
            m.key: "Throttled: rate exceeded" for m in messages if parse_ledger_key(m.key).item_id == stuck
        }

    monkeypatch.setattr(sns.SnsPublisher, "publish", refuse)

    # WHEN it is ingested
    code, stderr, delivered = ingest("--source", "written-questions", LIST_PAGE)

    # THEN after the mapping's retries the command exits 1, naming that record; the others are delivered once
    assert code == 1
    reports = [line for line in stderr.splitlines() if line.startswith("deptwatch: ")]
    assert reports == [
        f"deptwatch: {LIST_PAGE} record 0 (id {listed_ids()[0]}): not notified: "
        "the notifier gave up after its retries (RetryAttemptsExhausted)"
    ]
    assert sorted(int(d["message"]["item"]["id"].split(":")[1]) for d in delivered) == sorted(listed_ids()[1:])
