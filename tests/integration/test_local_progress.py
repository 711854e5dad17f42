"""A long local run shows its progress on a terminal and prints each delivered message as it goes (issue #12, #16);
`run --delivery` hands the fetcher the event contract {"since", "delivery"}."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import infra.local.commands as commands
from infra.local.progress import Progress
from infra.local.replay import RECORDED
from infra.local.stack import LocalStack
from shared.adapters.sqs import RawRecordQueue
from tests.integration.deployed import Deptwatch

QUESTIONS = RECORDED / "written-questions" / "list_2024-01-05.json"
COUNT = len(json.loads(QUESTIONS.read_text(encoding="utf-8"))["results"])


@pytest.fixture
def on_a_terminal(monkeypatch) -> None:
    """stderr taken for a terminal (under pytest it is a capture)."""
    monkeypatch.setattr(Progress, "wanted", staticmethod(lambda quiet: not quiet))


def ingest(deptwatch: Deptwatch, *arguments: str) -> tuple[int, str, str]:
    return deptwatch("ingest", "--json", "--source", "written-questions", *arguments, str(QUESTIONS))


def test_ingest_shows_progress_on_a_terminal(deptwatch: Deptwatch, on_a_terminal) -> None:
    code, out, err = ingest(deptwatch)
    assert code == 0, err
    assert f"{COUNT}/{COUNT}" in err and "record" in err
    assert f"stored {COUNT}, notified {COUNT}" in err
    assert len(out.splitlines()) == COUNT  # stdout carries the messages only


def test_quiet_delivery_shows_in_the_progress(deptwatch: Deptwatch, on_a_terminal) -> None:
    code, _, err = ingest(deptwatch, "--delivery", "quiet")
    assert code == 0, err
    assert f"stored {COUNT}, notified 0, withheld {COUNT}" in err


def test_no_progress_with_quiet_or_off_a_terminal(deptwatch: Deptwatch, monkeypatch) -> None:
    code, _, err = ingest(deptwatch)
    assert (code, err) == (0, "")  # stderr is not a terminal here
    monkeypatch.setattr(Progress, "wanted", staticmethod(lambda quiet: not quiet))
    code, _, err = ingest(deptwatch, "--quiet")
    assert (code, err) == (0, "")


def test_messages_are_printed_as_they_are_delivered(deptwatch: Deptwatch, monkeypatch) -> None:
    # GIVEN a file queued 6 records at a time, and a record of what happens in which order
    monkeypatch.setattr(commands, "INGEST_CHUNK", 6)
    happened: list[tuple[str, int]] = []
    send, print_deliveries = RawRecordQueue.send, commands.print_deliveries

    def sending(self, messages):
        happened.append(("queued", len(messages)))
        return send(self, messages)

    def printing(deliveries, as_json, out, *rest):
        if deliveries:
            happened.append(("printed", len(deliveries)))
        return print_deliveries(deliveries, as_json, out, *rest)

    monkeypatch.setattr(RawRecordQueue, "send", sending)
    monkeypatch.setattr(commands, "print_deliveries", printing)
    code, out, err = ingest(deptwatch)
    assert len(out.splitlines()) == COUNT
    # THEN each chunk's messages were printed before the next chunk was queued, not all at the end
    assert code == 0, err
    assert happened == [("queued", 6), ("printed", 6)] * 3 + [("queued", 2), ("printed", 2)]


def test_run_hands_the_fetcher_since_and_delivery(deptwatch: Deptwatch, monkeypatch) -> None:
    events: list[dict] = []
    invoke = LocalStack.invoke

    def recording(self, logical_id, event):
        if logical_id == "FetcherFunction":
            events.append(event)
        return invoke(self, logical_id, event)

    monkeypatch.setattr(LocalStack, "invoke", recording)
    code, _, err = deptwatch("run", "--offline", "--json", "--since", "2024-04-15", "--delivery", "quiet")
    assert code == 0, err
    # The schedule's event (the polls it dispatches come back to the fetcher as SQS records)
    dispatch = [event for event in events if "Records" not in event]
    assert [(e["since"], e["delivery"]) for e in dispatch] == [("2024-04-15", "quiet")]


def test_progress_needs_a_terminal(monkeypatch, tmp_path: Path) -> None:
    with (tmp_path / "stderr").open("w") as file:
        monkeypatch.setattr("sys.stderr", file)
        assert Progress.wanted(quiet=False) is False
