"""The fetcher end to end: the schedule fires, the real handler reads a local HTTP server replaying the recorded
Parliament responses (UPSTREAM_OVERRIDES), and the records flow through the pipeline to the department topics."""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from infra.local.replay.written_questions import RecordedQuestions

API_ORIGIN = "https://questions-statements-api.parliament.uk"
WATERMARK = "watermark#written-questions"

BODY_TO_DEPARTMENT = {
    60: "department-for-education",
    13: "department-for-environment-food-rural-affairs",
    17: "department-of-health-and-social-care",
    54: "ministry-of-justice",
    1: "home-office",
    211: "ministry-of-housing-communities-local-government",
    208: "foreign-commonwealth-development-office",
}


class RecordedParliament(RecordedQuestions):
    """The written-questions fake over the real list page (plus question 1679416 as the list endpoint shows it) in
    pages of at most 10, the real detail record of 1679416, and for the other truncated list records their full text.

    It lists them whatever the date window (they are of January 2024, the polls of today); `fail` makes the server
    answer 500 to every request (a fault of the server below, not of the API).
    """

    def __init__(self, list_records: list[dict[str, Any]], detail: dict[str, Any]) -> None:
        listed_detail = {**detail, "answerText": re.sub(r"<[^>]+>", "", detail["answerText"])[:255] + "..."}
        super().__init__(
            listed=[*list_records, listed_detail],
            details={r["id"]: self._full(r) for r in list_records} | {detail["id"]: detail},
            page_cap=10,
            honour_dates=False,
        )
        self.fail = False

    @staticmethod
    def _full(record: dict[str, Any]) -> dict[str, Any]:
        answer = (record["answerText"] or "").removesuffix("...")
        return {**record, "answerText": f"<p>{answer} [full answer from the detail endpoint]</p>"}

    def list_queries(self) -> list[dict[str, list[str]]]:
        return [parse_qs(request.url.query.decode()) for request in self.list_requests()]


@pytest.fixture
def parliament(list_records, detail_record, monkeypatch) -> Iterator[tuple[RecordedParliament, str]]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    api = RecordedParliament(list_records, detail_record)
    transport = api.transport()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with lock:
                if api.fail:
                    api.requests.append(httpx.Request("GET", API_ORIGIN + self.path))
                    status, payload = 500, json.dumps({"title": "Internal Server Error"}).encode()
                else:
                    response = transport.handle_request(httpx.Request("GET", API_ORIGIN + self.path))
                    status, payload = response.status_code, response.read()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            if status >= 500:
                self.send_header("Retry-After", "0")  # keeps the client's retries instant
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield api, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def stack_parameters() -> dict[str, str]:
    """Only the source this replay serves: the others' hosts are not replayed, and tests have no network. No daily
    sweep: these tests count the poll's own requests (tests/integration/test_written_questions_sweep.py has it)."""
    return {"Sources": "written-questions", "SweepDays": "0"}


@pytest.fixture
def stack_environment(parliament) -> dict[str, str]:
    _, base_url = parliament
    return {"UPSTREAM_OVERRIDES": json.dumps({API_ORIGIN: base_url})}


def watermark(stack) -> str | None:
    row = stack.dynamodb.get_item(
        TableName=stack.output("StateTableName"), Key={"id": {"S": WATERMARK}}, ConsistentRead=True
    ).get("Item")
    return row["value"]["S"] if row else None


def delivered_by_department(stack, deliveries) -> dict[str, list[int]]:
    slug_of = {arn: slug for slug, arn in stack.topic_arns().items()}
    routing: dict[str, list[int]] = defaultdict(list)
    for delivery in deliveries:
        routing[slug_of[delivery.topic_arn]].append(int(delivery.message["item"]["id"].split(":")[1]))
    return {slug: sorted(ids) for slug, ids in routing.items()}


def test_the_scheduled_fetch_reaches_every_department_topic(stack, parliament, list_records, detail_record):
    # GIVEN the stack reading Parliament from the local replay of the recorded responses
    api, _ = parliament
    before = datetime.now(UTC)

    # WHEN the schedule fires and the pipeline runs
    result = stack.run_schedule("FetcherFunction")
    stack.drain()

    # THEN the fetcher queued the 21 questions once each, without error
    [report] = result["sources"]
    assert report["source"] == "written-questions"
    assert report["error"] is None
    assert report["queued"] == 21
    # AND one request a page covered every department, in the three date windows, paged by what came back
    queries = api.list_queries()
    assert len(queries) == 3 * 3
    assert all({"13", "60", "211"} <= set(q["answeringBodies"]) for q in queries)
    assert [q["skip"] for q in queries[:3]] == [["0"], ["10"], ["20"]]
    assert {next(name for name in q if name.endswith("From")) for q in queries} == {
        "tabledWhenFrom",
        "answeredWhenFrom",
        "correctedWhenFrom",
    }
    # AND the details were read only for the truncated records, once each
    assert sorted(api.detail_ids()) == sorted(
        r["id"] for r in api.listed if len(r["questionText"]) >= 255 or (r["answerText"] or "").endswith("...")
    )
    assert len(api.detail_ids()) == len(set(api.detail_ids()))

    # AND each department's topic got exactly its questions
    deliveries = stack.collect_deliveries()
    expected: dict[str, list[int]] = defaultdict(list)
    for record in [*list_records, detail_record]:
        expected[BODY_TO_DEPARTMENT[record["answeringBodyId"]]].append(record["id"])
    assert delivered_by_department(stack, deliveries) == {slug: sorted(ids) for slug, ids in expected.items()}
    # AND the messages carry the full text from the detail endpoint, not the list's cut
    dfe = next(d for d in deliveries if d.message["item"]["id"] == "written-questions:1679416")
    assert "explore-education-statistics.service.gov.uk" in dfe.message["item"]["body"]
    assert "explore-education-statistics.service.gov.uk" in dfe.email
    defra = next(d for d in deliveries if d.message["item"]["id"] == "written-questions:1679703")
    assert defra.message["item"]["body"].endswith("[full answer from the detail endpoint]")
    assert stack.dead_letters() == []

    # AND the watermark is the time of this poll
    mark = watermark(stack)
    assert mark is not None
    assert before <= datetime.fromisoformat(mark) <= datetime.now(UTC)


def test_a_failing_upstream_keeps_the_watermark_and_the_stack_running(stack, parliament):
    # GIVEN a first poll that succeeded
    api, _ = parliament
    stack.run_schedule("FetcherFunction")
    stack.drain()
    assert len(stack.collect_deliveries()) == 21
    first_mark = watermark(stack)
    assert first_mark is not None

    # WHEN the upstream answers 500 to every request at the next poll
    api.fail = True
    failed_at = len(api.requests)
    result = stack.run_schedule("FetcherFunction")
    stack.drain()

    # THEN the fetcher reports the error for that source (after retrying), and does not crash
    [report] = result["sources"]
    assert report["source"] == "written-questions"
    assert report["error"] is not None and "500" in report["error"]
    assert report["queued"] == 0
    assert len(api.requests) - failed_at > 1
    # AND the watermark did not move, so the next poll reads that window again; nothing was published
    assert watermark(stack) == first_mark
    assert stack.collect_deliveries() == []

    # WHEN the upstream recovers
    api.fail = False
    result = stack.run_schedule("FetcherFunction")
    stack.drain()

    # THEN the poll succeeds; the questions it reads again unchanged are not even queued, nothing is notified again,
    # and with nothing new the stored watermark is left as it is (an idle poll writes nothing for an hour)
    assert result["sources"][0]["error"] is None
    assert (result["sources"][0]["queued"], result["sources"][0]["unchanged"]) == (0, 21)
    assert watermark(stack) == first_mark
    assert stack.collect_deliveries() == []


def test_a_first_poll_that_fails_sets_no_watermark(stack, parliament):
    # GIVEN an upstream that is down from the start
    api, _ = parliament
    api.fail = True

    # WHEN the schedule fires
    result = stack.run_schedule("FetcherFunction")
    stack.drain()

    # THEN the source reports an error, no watermark is set and nothing is queued or published
    assert result["sources"][0]["error"] is not None
    assert watermark(stack) is None
    assert stack.collect_deliveries() == []
    assert stack.dead_letters() == []


def test_an_idle_poll_queues_and_writes_nothing_but_a_changed_record_goes_through(stack, parliament):
    # GIVEN a first poll that stored and notified everything
    api, _ = parliament
    stack.run_schedule("FetcherFunction")
    stack.drain()
    stack.collect_deliveries()
    writes: list[str] = []
    poll_queue = stack.output("PollQueueUrl")

    def hook(model: Any, params: dict[str, Any], **kwargs: Any) -> None:
        # (not the schedule's dispatch of the poll itself to the poll queue: issue #12)
        if params.get("QueueUrl") != poll_queue:
            writes.append(model.name)

    stack.dynamodb.meta.events.register("before-call.dynamodb.PutItem", hook)
    stack.sqs.meta.events.register("before-parameter-build.sqs.SendMessageBatch", hook)

    # WHEN the schedule fires again with nothing changed upstream
    details_before = len(api.detail_ids())
    try:
        [idle] = stack.run_schedule("FetcherFunction")["sources"]
    finally:
        stack.dynamodb.meta.events.unregister("before-call.dynamodb.PutItem", hook)
        stack.sqs.meta.events.unregister("before-parameter-build.sqs.SendMessageBatch", hook)

    # THEN every record read again is recognised as already queued: no message, no write of the source's state,
    # and no detail request (the list shows nothing new)
    assert (idle["queued"], idle["unchanged"]) == (0, 21)
    assert writes == []
    assert api.detail_ids()[details_before:] == []

    # WHEN one question's answer is corrected upstream (the list shows the correction's date, the detail its text)
    changed_id = api.listed[0]["id"]
    correction = {"answerIsCorrection": True, "dateAnswerCorrected": "2024-03-20T00:00:00"}
    api.listed[0] = {**api.listed[0], **correction}
    api.details[changed_id] = {**api.details[changed_id], **correction, "answerText": "<p>A corrected answer.</p>"}
    [report] = stack.run_schedule("FetcherFunction")["sources"]
    stack.drain()

    # THEN only that record is queued (and only its detail requested), and its new version is notified once
    assert (report["queued"], report["unchanged"]) == (1, 20)
    [delivery] = stack.collect_deliveries()
    assert delivery.message["item"]["id"] == f"written-questions:{changed_id}"
    assert (delivery.message["item"]["version"], delivery.message["event"]) == (2, "corrected")
