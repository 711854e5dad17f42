"""One broken source never stops the others, and an upstream that ignores our department filter floods no topic.

The fetcher runs for real against the replay of the recorded responses (infra.local.replay, loopback), through a small
loopback server in front of it that the test controls: it forwards every request to the replay, answers HTTP 500 for
the hosts made to fail, or drops the department filters from the query (an upstream that ignores them).
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from infra.cfn_template import load_template
from infra.local.replay import replay_server
from infra.local.stack import TEMPLATE
from shared.domain.timeutil import in_london

SOURCES = (
    "written-questions",
    "written-statements",
    "govuk-publications",
    "deposited-papers",
    "whatson-events",
    # issue #15: committee publications and oral questions
    "committee-publications",
    "oral-questions",
    # issue #15: bills and statutory instruments
    "bills",
    "statutory-instruments",
)
BROKEN = "govuk-publications"
BROKEN_HOST = "www.gov.uk"
DEPARTMENT_FILTERS = (
    "answeringBodies",
    "filter_organisations",
    "queryParameters.answeringBodyIds",
    "parameters.answeringBodyIds",  # issue #15: oral questions
    "CommitteeId",  # issue #15: committee publications (not sent: one query asks every committee)
    "DepartmentId",  # issue #15: bills and statutory instruments
)
"""The query parameters that ask an upstream for some departments only (Parliament, GOV.UK, What's On, …)."""
DFE = "department-for-education"


class FrontServer:
    """Loopback HTTP in front of the replay: `/<host>/<path>` is forwarded to the replay's `/<host>/<path>`."""

    def __init__(self, replay_overrides: dict[str, str]) -> None:
        self.targets = {origin.removeprefix("https://"): base for origin, base in replay_overrides.items()}
        self.failing: set[str] = set()
        """Hosts that answer 500 (with Retry-After: 0, so that the client's retries are instant)."""
        self.ignore_department_filters = False
        self.requests: dict[str, int] = defaultdict(int)
        front = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = front.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                if status >= 500:
                    self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def overrides(self) -> dict[str, str]:
        return {f"https://{host}": f"{self.base}/{host}" for host in self.targets}

    def answer(self, path: str) -> tuple[int, bytes]:
        parts = urlsplit(path)
        host, _, rest = parts.path.lstrip("/").partition("/")
        self.requests[host] += 1
        if host in self.failing:
            return 500, b'{"error": "Internal Server Error"}'
        query = parse_qsl(parts.query, keep_blank_values=True)
        if self.ignore_department_filters:
            query = [(name, value) for name, value in query if name not in DEPARTMENT_FILTERS]
        url = f"{self.targets[host]}/{rest}" + (f"?{urlencode(query)}" if query else "")
        try:
            with self.opener.open(url, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def __enter__(self) -> FrontServer:
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def front(monkeypatch) -> Iterator[tuple[FrontServer, str]]:
    """The front server over the replay, and the date of the oldest recording (the backfill that reaches them all)."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    with replay_server() as (overrides, earliest), FrontServer(overrides) as server:
        assert earliest is not None
        assert BROKEN_HOST in server.targets
        yield server, earliest.isoformat()


@pytest.fixture
def stack_environment(front, monkeypatch) -> dict[str, str]:
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)  # the metrics are part of what is tested
    server, _ = front
    return {"UPSTREAM_OVERRIDES": json.dumps(server.overrides())}


# --- helpers ---------------------------------------------------------------------------------------------------------


def watermark(stack, source: str) -> datetime | None:
    row = stack.dynamodb.get_item(
        TableName=stack.output("StateTableName"), Key={"id": {"S": f"watermark#{source}"}}, ConsistentRead=True
    ).get("Item")
    return datetime.fromisoformat(row["value"]["S"]) if row else None


def emitted_metrics(output: str) -> list[dict[str, Any]]:
    """The CloudWatch EMF documents the functions printed (one JSON object per line with an `_aws` key)."""
    documents = []
    for line in output.splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict) and "_aws" in document:
            documents.append(document)
    return documents


def polls_reported(records: list[logging.LogRecord], source: str) -> list[tuple[str, str | None]]:
    """(outcome, error) of the fetcher's "poll reported" log lines of one source."""
    return [
        (r.__dict__["outcome"], r.__dict__.get("error"))
        for r in records
        if r.getMessage() == "poll reported" and r.__dict__.get("source") == source
    ]


def metric_values(documents: list[dict[str, Any]], name: str, **dimensions: str) -> list[float]:
    values = []
    for document in documents:
        if name in document and all(document.get(k) == v for k, v in dimensions.items()):
            value = document[name]
            values += value if isinstance(value, list) else [value]
    return values


def poll(stack, capfd, since: str | None) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """One scheduled run of the fetcher, then the pipeline: (report per source, EMF documents it printed)."""
    capfd.readouterr()
    event = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
    result = stack.invoke("FetcherFunction", {**event, "since": since} if since else event)
    result = stack.run_own_queues("FetcherFunction", result)  # the polls it dispatched (issue #12)
    documents = emitted_metrics(capfd.readouterr().out)
    stack.drain()
    return {report["source"]: report for report in result["sources"]}, documents


def by_source(deliveries) -> dict[str, set[tuple[str, str]]]:
    delivered: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for delivery in deliveries:
        delivered[delivery.attributes["source"]].add((delivery.message["item"]["id"], delivery.department))
    return dict(delivered)


# --- one broken source ---------------------------------------------------------------------------------------------


def test_a_failing_source_is_reported_and_keeps_its_watermark_while_the_others_deliver(stack, front, capfd, caplog):
    # GIVEN every upstream replayed, except GOV.UK, which answers 500 to everything
    server, earliest = front
    server.failing.add(BROKEN_HOST)
    before = datetime.now(UTC)

    # WHEN the fetcher backfills from the oldest recording, and the pipeline runs
    reports, documents = poll(stack, capfd, earliest)
    delivered = by_source(stack.collect_deliveries())

    # THEN GOV.UK's report has the error (after retries) and queued nothing; every other source polled cleanly
    assert set(reports) == set(SOURCES)
    assert "500" in reports[BROKEN]["error"] and reports[BROKEN]["queued"] == 0
    assert server.requests[BROKEN_HOST] > 1  # it was retried
    for source in set(SOURCES) - {BROKEN}:
        assert reports[source]["error"] is None, reports[source]
        assert reports[source]["queued"] > 0
    # AND every other source's items reached their topics; nothing came from GOV.UK
    assert set(delivered) == set(SOURCES) - {BROKEN}
    assert stack.dead_letters() == []
    # AND the others' watermarks are this poll's time; GOV.UK's is not set, so its next poll reads the same window
    assert watermark(stack, BROKEN) is None
    first_marks = {source: watermark(stack, source) for source in set(SOURCES) - {BROKEN}}
    assert all(mark is not None and before <= mark <= datetime.now(UTC) for mark in first_marks.values())
    # AND the one metric the `sources-stale` alarm reads counts the broken source from its window's start (issue #17:
    # no metric per source), and the log says which source failed and why, one line per source's poll
    window = (before - in_london(datetime.fromisoformat(earliest))).total_seconds()  # as the fetcher reads it
    assert max(metric_values(documents, "OldestSuccessAgeSeconds")) >= window
    assert polls_reported(caplog.records, BROKEN) == [("failed", reports[BROKEN]["error"])]
    for source in set(SOURCES) - {BROKEN}:
        assert polls_reported(caplog.records, source) == [("ok", None)]

    # WHEN GOV.UK is back at the next poll (the operator backfills the same window)
    server.failing.clear()
    second_poll = datetime.now(UTC)
    reports, documents = poll(stack, capfd, earliest)
    delivered = by_source(stack.collect_deliveries())

    # THEN GOV.UK's publications arrive, the others' items are not notified again, and every source completed a poll
    # now (a stored watermark younger than an hour may be left as it is when nothing changed)
    assert all(report["error"] is None for report in reports.values())
    assert set(delivered) == {BROKEN}
    assert ("govuk-publications:2489943b-7d7d-41fd-93ae-95171fe69954", "department-of-health-and-social-care") in (
        delivered[BROKEN]
    )
    assert second_poll <= watermark(stack, BROKEN) <= datetime.now(UTC)
    assert all(watermark(stack, source) >= mark for source, mark in first_marks.items())
    assert all(datetime.fromisoformat(report["last_success"]) >= second_poll for report in reports.values())
    stale_after = load_template(TEMPLATE)["Parameters"]["StaleAfterMinutes"]["Default"] * 60
    assert max(metric_values(documents, "OldestSuccessAgeSeconds")) < stale_after  # the stale alarm clears


# --- an upstream that ignores the department filter ----------------------------------------------------------------


QUESTION_TIMES = {
    "whatson-events:51299": None,  # Wales: no recording of an answeringBodyIds query holds it
    "whatson-events:51300": None,  # Prime Minister's Question Time: likewise
    "whatson-events:51301": DFE,  # in the answeringBodyIds=60 recordings
    "whatson-events:51302": "department-of-health-and-social-care",  # in the answeringBodyIds=17 recording
    "whatson-events:51310": None,  # a Lords oral question: likewise
}
"""The question times of the recorded windows, and the only department each may reach (they name none themselves)."""


@pytest.mark.parametrize(
    "stack_parameters", [{"Departments": DFE}, {"Departments": "all"}], ids=["only-dfe-watched", "all-watched"]
)
def test_an_upstream_that_ignores_the_department_filter_reaches_no_other_department(
    stack, front, capfd, stack_parameters
):
    # GIVEN upstreams that answer every department's records whatever department is asked for
    server, earliest = front
    server.ignore_department_filters = True

    # WHEN the fetcher backfills and the pipeline runs
    reports, _ = poll(stack, capfd, earliest)
    deliveries = stack.collect_deliveries()

    # THEN no source failed, and each delivered something
    assert all(report["error"] is None for report in reports.values()), reports
    delivered = by_source(deliveries)
    assert set(delivered) == set(SOURCES)
    # AND no question time reached the topic of a department whose query did not find it: an answer holding every
    # question time of the window is recognised as unfiltered and dropped (they wait for an answer that is filtered)
    for item_id, department in delivered["whatson-events"]:
        if item_id in QUESTION_TIMES:
            assert department == QUESTION_TIMES[item_id], (item_id, department)
    # AND every message is on the topic of a department its item belongs to
    for delivery in deliveries:
        owners = {department["slug"] for department in delivery.message["item"]["departments"]}
        assert delivery.department in owners
    if stack_parameters["Departments"] == DFE:
        # AND watching DfE only, every message is of an item of DfE: other departments' records were dropped (an item
        # that is also another department's, like a joint publication, reaches that department too)
        for delivery in deliveries:
            owners = {department["slug"] for department in delivery.message["item"]["departments"]}
            assert DFE in owners, (delivery.message["item"]["id"], owners)
        assert {item_id for item_id, _ in delivered["written-questions"]} == {"written-questions:1679416"}
        assert {item_id for item_id, _ in delivered["written-statements"]} == {
            "written-statements:1701201",
            "written-statements:1701202",
            "written-statements:1701203",
        }
