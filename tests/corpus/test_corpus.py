"""Hostile and broken upstream records (tests/corpus/files/, made by build_corpus.py) through the real path.

- `deptwatch ingest` (infra.cli.main, in-process, moto as the embedded AWS): each bad record is reported on stderr
  with the file and the record and its reason, a file that is not a response at all is reported with the file, the
  exit status is 1, and the good records of the same file are delivered; nothing crashes the run.
- The local stack, as the fetcher feeds it: each bad record lands on the dead-letter queue with a `reason` attribute.
- Nothing unsafe reaches a notification: no markup or script URL (`<script`, `onerror`, `javascript:`, …), no bidi,
  zero-width or control character, in the JSON message or the email.
- Texts over every AWS size limit are shortened with a marker and still delivered with the link; the same id twice
  with different content in one response is two versions, each notified once.

Files that a production bug keeps from passing are strict xfails, with the bug and its fix in the reason.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from infra.cli import main
from infra.local.replay.written_questions import RecordedQuestions
from shared.adapters.dynamodb import DYNAMODB_ITEM_LIMIT
from shared.container import reset_container_caches
from shared.domain.links import own_link
from shared.domain.notification import Notification
from shared.domain.raw_record import RawRecordMessage
from shared.render.email import sms_text
from shared.sources import get_source
from tests.corpus.build_corpus import (
    BIDI_AND_INVISIBLE,
    C0_CONTROLS,
    CORPUS,
    UNSAFE_MARKERS,
    CorpusFile,
    huge_answer_response,
    nested,
    question,
)
from tests.helpers import queue_raw

SNS_LIMIT = 262_144
SHORTENED = "shortened"


@dataclass
class Ingested:
    code: int
    stdout: str
    stderr: str
    lines: list[dict[str, Any]] = field(default_factory=list)

    def reports(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("deptwatch: ")]


@pytest.fixture
def ingest(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[..., Ingested]]:
    """`ingest("--source", S, FILE)` runs `deptwatch ingest --json`; the environment it sets up is put back."""
    saved = dict(os.environ)

    def run(*arguments: str | Path) -> Ingested:
        capsys.readouterr()
        code = main(["ingest", "--json", *map(str, arguments)])
        out, err = capsys.readouterr()
        return Ingested(code, out, err, [json.loads(line) for line in out.splitlines()])

    try:
        yield run
    finally:
        os.environ.clear()
        os.environ.update(saved)


def unsafe(text: str) -> list[str]:
    """What in `text` must not reach a subscriber."""
    lowered = text.lower()
    found = [marker for marker in UNSAFE_MARKERS if marker in lowered]
    found += sorted(f"U+{ord(char):04X}" for char in set(text) if char in BIDI_AND_INVISIBLE or char in C0_CONTROLS)
    return found


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, child in value.items():
            yield key
            yield from strings(child)
    elif isinstance(value, list):
        for child in value:
            yield from strings(child)


def assert_safe(line: dict[str, Any]) -> None:
    """The JSON message (every string in it, decoded), its attributes and the email text are safe."""
    item = line["message"]["item"]
    problems = {
        "message": sorted({p for text in strings(line["message"]) for p in unsafe(text)}),
        "attributes": sorted({p for text in strings(line["attributes"]) for p in unsafe(text)}),
        "email": unsafe(line["email"]),
    }
    assert problems == {"message": [], "attributes": [], "email": []}, f"{item['id']}: {problems}"
    assert item["url"].startswith("https://") and item["url"] in line["email"]


def upstream_id(line: dict[str, Any]) -> int | str:
    return upstream_id_of(line["message"]["item"]["id"])


def upstream_id_of(item_id: str) -> int | str:
    """The record's id upstream: a number (Parliament), or a GOV.UK content id."""
    upstream = item_id.split(":", 1)[1]
    return int(upstream) if upstream.isdigit() else upstream


def assert_own_links_and_single_lines(line: dict[str, Any]) -> None:
    """The links a subscriber takes as the item's own (its page in the JSON, the email and the SMS; its attachments)
    are on its source's hosts as `own_link` writes them, the SMS has no other link, and the one-line fields are one
    line: the email has one source page and one footer."""
    notification = Notification.model_validate(line["message"])
    item = notification.item
    hosts = get_source(item.source).own_hosts
    own = [item.url, *(attachment.url for attachment in item.attachments)]
    assert [own_link(url, hosts) for url in own] == own, own
    assert sms_text(notification).count("://") == 1 and sms_text(notification).endswith(f" {item.url}")
    one_line_fields = [item.title, item.category or "", *(a.title for a in item.attachments)]
    one_line_fields += [f"{p.role} {p.display()}" for p in item.people]
    one_line_fields += [value for value in item.details.values() if isinstance(value, str)]
    assert [field for field in one_line_fields if len(f"{field}.".splitlines()) > 1] == []
    email_lines = line["email"].splitlines()
    assert sum(text.startswith("Source page:") for text in email_lines) == 1, line["email"]
    assert sum(text.startswith("deptwatch notification for") for text in email_lines) == 1, line["email"]


def corpus_params(files: list[CorpusFile]) -> list[Any]:
    return [
        pytest.param(
            f,
            id=f"{f.source}/{f.name}",
            marks=[pytest.mark.xfail(strict=True, reason=f.xfail)] if f.xfail else [],
        )
        for f in files
    ]


@pytest.mark.parametrize("corpus_file", corpus_params(CORPUS))
def test_each_file_fails_only_its_bad_records_with_a_reason_and_delivers_nothing_unsafe(ingest, corpus_file):
    # GIVEN one corpus file, WHEN `deptwatch ingest --json` reads it
    run = ingest("--source", corpus_file.source, corpus_file.path)

    # THEN the run ends (no crash), with status 1 exactly when something in the file was bad
    assert run.code == (1 if corpus_file.bad or corpus_file.file_error else 0), run.stderr[-2000:]
    reports = run.reports()
    # AND a file that is no response at all is reported once, naming the file
    if corpus_file.file_error:
        assert len(reports) == 1, reports
        assert reports[0].startswith(f"deptwatch: {corpus_file.path}: ")
        assert corpus_file.file_error.lower() in reports[0].lower()
    # AND each bad record is reported once, naming the file, the record and the reason; nothing else is reported
    for position, reason in corpus_file.bad.items():
        record = re.compile(rf"deptwatch: {re.escape(str(corpus_file.path))} record {position}\b")
        named = [r for r in reports if record.match(r)]
        assert len(named) == 1, (position, reports)
        assert reason in named[0], named[0]
    assert len(reports) == len(corpus_file.bad) + bool(corpus_file.file_error), reports
    # AND the good records of the same file are delivered, and only they
    assert {upstream_id(line) for line in run.lines} == set(corpus_file.good)
    # AND nothing unsafe reaches a notification: no link of its own off its source's hosts, no line of a field's own
    for line in run.lines:
        assert_safe(line)
        assert_own_links_and_single_lines(line)


@pytest.mark.parametrize(
    "corpus_file", corpus_params([f for f in CORPUS if f.bad and f.body is not None and not f.file_error])
)
def test_each_bad_record_lands_on_the_dead_letter_queue_with_its_reason(stack, corpus_file):
    # GIVEN the records of one corpus file queued as the fetcher queues them
    source = get_source(corpus_file.source)
    records = source.records_from_response(json.loads(corpus_file.path.read_text(encoding="utf-8")))
    origin = f"corpus/{corpus_file.source}/{corpus_file.name}"
    queue_raw(
        stack,
        [
            RawRecordMessage(source=source.name, record=r, fetched_at=datetime.now(UTC), origin=f"{origin}#{n}")
            for n, r in enumerate(records)
        ],
    )

    # WHEN the pipeline runs
    stack.drain()

    # THEN each bad record is on the dead-letter queue once, as it was queued, with its reason and source
    dead = read_queue(stack, "DeadLetterQueueUrl")
    by_origin = Counter(json.loads(m["Body"])["origin"] for m in dead)
    assert by_origin == Counter({f"{origin}#{position}": 1 for position in corpus_file.bad})
    for message in dead:
        position = int(json.loads(message["Body"])["origin"].rsplit("#", 1)[1])
        attributes = message["MessageAttributes"]
        assert corpus_file.bad[position] in attributes["reason"]["StringValue"]
        assert attributes["error_type"]["StringValue"] == "PoisonRecord"
        assert attributes["source"]["StringValue"] == source.name
    # AND the good records went on: stored and delivered
    delivered = stack.collect_deliveries()
    assert {upstream_id_of(d.message["item"]["id"]) for d in delivered} == set(corpus_file.good)
    assert read_queue(stack, "RawRecordsQueueUrl") == []


def read_queue(stack: Any, output: str) -> list[dict[str, Any]]:
    url = stack.output(output)
    messages: list[dict[str, Any]] = []
    while batch := stack.sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=60, MessageAttributeNames=["All"]
    ).get("Messages", []):
        messages += batch
    return messages


def test_a_2mb_answer_is_shortened_with_a_marker_and_delivered_with_its_link(ingest, tmp_path):
    # GIVEN a response whose answer is 2 MB of HTML: over SQS's 1 MiB, DynamoDB's 400 KB and SNS's 256 KiB
    path = tmp_path / "huge_answer.json"
    path.write_text(json.dumps(huge_answer_response()), encoding="utf-8")
    assert path.stat().st_size > 2_000_000

    # WHEN it is ingested
    run = ingest("--source", "written-questions", path)

    # THEN it is delivered once, its answer shortened with a marker, still with the link in the text and the page's
    # link, within SNS's limit
    assert run.code == 0, run.stderr[-2000:]
    [line] = run.lines
    item = line["message"]["item"]
    assert SHORTENED in item["body"] and SHORTENED in line["email"]
    assert "https://www.gov.uk/government/statistics/example" in item["body"]
    assert item["url"] in line["email"]
    default = json.dumps(line["message"], ensure_ascii=False, separators=(",", ":"))
    published = json.dumps({"default": default, "email": line["email"]}, ensure_ascii=False)
    assert len(published.encode()) <= SNS_LIMIT
    assert_safe(line)


def test_a_2mb_answer_is_stored_within_dynamodbs_item_limit(stack, enqueue):
    # GIVEN the 2 MB answer queued as the fetcher queues it (RawRecordQueue shortens it to fit one SQS message)
    enqueue([huge_answer_response()["results"][0]["value"]])

    # WHEN the pipeline runs
    stack.drain()

    # THEN the stored item fits DynamoDB's limit, and is marked as shortened
    row = stack.dynamodb.get_item(
        TableName=stack.output("ItemsTableName"), Key={"item_id": {"S": "written-questions:1990099"}}
    )["Item"]
    assert sum(len(name) + len(value.get("S", value.get("N", ""))) for name, value in row.items()) < DYNAMODB_ITEM_LIMIT
    assert SHORTENED in json.loads(row["item"]["S"])["body"]
    assert len(stack.collect_deliveries()) == 1


@pytest.mark.parametrize("source", ["written-questions", "written-statements"])
def test_the_same_id_twice_with_different_content_in_one_response_is_two_versions_notified_once_each(ingest, source):
    # GIVEN a response listing the same record twice with different texts (and, for questions, another one twice
    # identical)
    corpus_file = next(f for f in CORPUS if f.source == source and f.name == "duplicate_ids.json")

    # WHEN it is ingested
    run = ingest("--source", source, corpus_file.path)

    # THEN the changed record is version 1 then version 2, each notified once, the second with the second text;
    # the identical one is one version
    assert run.code == 0
    versions = Counter((upstream_id(line), line["message"]["item"]["version"]) for line in run.lines)
    changed = corpus_file.good[0]
    expected = Counter({(changed, 1): 1, (changed, 2): 1})
    if len(corpus_file.good) > 1:
        expected[(corpus_file.good[1], 1)] = 1
    assert versions == expected
    second = next(line for line in run.lines if line["message"]["item"]["version"] == 2)
    assert "second" in second["message"]["item"]["body"].lower()
    assert second["message"]["event"] in ("updated", "corrected")


@pytest.fixture
def stack_parameters() -> dict[str, str]:
    return {"Sources": "written-questions"}


def test_a_record_nested_300_deep_upstream_does_not_stop_its_source(stack, monkeypatch):
    # GIVEN the questions API listing a good question and one with an extra field nested 300 deep
    import functions.fetcher.app as fetcher_app
    from shared.adapters.http import UpstreamClient

    today = datetime.now(UTC).date().isoformat()
    good = question(90, dateTabled=f"{today}T00:00:00")
    deep = question(91, dateTabled=f"{today}T00:00:00", extra=nested(300))
    api = RecordedQuestions([good, deep], listed=[good, deep])

    monkeypatch.setattr(fetcher_app, "UpstreamClient", partial(UpstreamClient, transport=api.transport()))
    reset_container_caches()

    # WHEN the schedule fires and the pipeline runs
    result = stack.run_schedule("FetcherFunction")
    stack.drain()

    # THEN the source completes, the good question is delivered, and the deep one is on the dead-letter queue
    assert result["sources"][0]["error"] is None
    assert [d.message["item"]["id"] for d in stack.collect_deliveries()] == [f"written-questions:{good['id']}"]
    assert len(read_queue(stack, "DeadLetterQueueUrl")) == 1


@pytest.mark.parametrize("corpus_file", [pytest.param(f, id=f"{f.source}/{f.name}") for f in CORPUS])
def test_the_committed_corpus_files_are_what_build_corpus_makes(corpus_file):
    # The files are committed (so that a reader can open them); the builder says what they must be.
    assert corpus_file.path.read_bytes() == corpus_file.content()
