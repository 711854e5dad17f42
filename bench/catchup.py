"""Catch-up at scale on a simulated clock: a year's backfill and a week's outage through the real fetcher handler.

The local stack runs the fetcher as Lambda would (its schedule dispatches poll messages to the FIFO poll queue; the
emulated mapping hands them to the handler one at a time, with the function's 300 s as its remaining time). Its
upstream client is the real one, on a simulated clock: every request takes `latency` simulated seconds, and the
per-host pace waits on the same clock, so a year of requests runs in seconds of real time. The raw records the
fetcher queues are counted (ids, deliveries) and answered at the botocore layer instead of being stored in moto
(60,000 bodies would be hundreds of MB there); every other AWS call is moto's.
"""

from __future__ import annotations

import copy
import functools
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from botocore.awsrequest import AWSResponse

import infra.local.stack as local

local.use_local_environment()

from bench.requests import MAPPING_OPERATIONS  # noqa: E402
from bench.synthetic import BODIES, DETAIL  # noqa: E402
from infra.local.replay import RecordedApi, apis_by_host, serve  # noqa: E402
from infra.local.replay.written_questions import RecordedQuestions  # noqa: E402
from shared.adapters.aws import aws_client  # noqa: E402
from shared.adapters.http import UpstreamClient  # noqa: E402

FUNCTION = "FetcherFunction"


class Killed(BaseException):
    """The Lambda killed at this point (its timeout, the host lost): nothing after it runs, not even `except`."""


@dataclass
class SimulatedClock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


def questions(count: int, last_day: date, days: int = 365) -> list[dict[str, Any]]:
    """`count` written questions tabled over the `days` before `last_day`, answered a week later when that has come;
    question texts longer than the list's cut (each needs its detail read)."""
    template = json.loads(DETAIL.read_text(encoding="utf-8"))["value"]
    template["answerText"] = "<p>" + "An answer that the list endpoint cuts. " * 12 + "</p>"
    records = []
    for number in range(count):
        record = copy.deepcopy(template)
        tabled = last_day - timedelta(days=days - 1 - (number * days // count))
        answered = tabled + timedelta(days=7)
        record.update(
            id=4_000_000 + number,
            uin=str(90_000 + number),
            answeringBodyId=BODIES[number % len(BODIES)],
            heading=f"Question {number}",
            questionText=f"Question {number}: " + "to ask the Secretary of State what steps are taken. " * 6,
            dateTabled=f"{tabled.isoformat()}T00:00:00",
            dateForAnswer=f"{(tabled + timedelta(days=5)).isoformat()}T00:00:00",
            dateAnswered=f"{answered.isoformat()}T00:00:00" if answered <= last_day else None,
        )
        if answered > last_day:
            record["answerText"] = None
        records.append(record)
    return records


class VolumeQuestions(RecordedQuestions):
    """The written-questions fake, its filtered listing kept per query (the paging of one query filters once), and
    showing only the records tabled by `today` (the simulated date)."""

    def __init__(self, records: list[dict[str, Any]], **knobs: Any) -> None:
        super().__init__(records, page_cap=1000, **knobs)
        self._every = self.listed
        self._matches: dict[tuple[Any, ...], list[Any]] = {}
        self.today = date.max

    def show_until(self, today: date) -> None:
        self.today = today
        self.listed = [r for r in self._every if r["dateTabled"][:10] <= today.isoformat()]
        self._matches.clear()

    def search(self, query: dict[str, list[str]]) -> dict[str, Any]:
        key = tuple(sorted((k, tuple(v)) for k, v in query.items() if k not in ("skip", "take")))
        if key not in self._matches:
            cap, self.page_cap = self.page_cap, None
            self._matches[key] = super().search({**query, "skip": ["0"], "take": [str(len(self.listed) + 1)]})[
                "results"
            ]
            self.page_cap = cap
        skip, take = int(query.get("skip", ["0"])[0]), int(query.get("take", ["20"])[0])
        page = self._matches[key][skip : skip + self.page_size(take)]
        return {"totalResults": len(self._matches[key]), "results": page}


@dataclass
class Invocation:
    seconds: float
    upstream_requests: int
    reports: list[dict[str, Any]]
    died: bool = False


@dataclass
class Tally:
    """What the fetcher put on the raw-records queue, and the AWS requests its clients made."""

    queued: Counter[int] = field(default_factory=Counter)
    deliveries: Counter[str] = field(default_factory=Counter)
    aws_requests: Counter[str] = field(default_factory=Counter)


class CatchUpRig:
    """The local stack's fetcher against `api`, each upstream request taking `latency` simulated seconds."""

    def __init__(
        self,
        stack: local.LocalStack,
        api: RecordedQuestions,
        latency: float = 0.2,
        requests_per_second: float = 5.0,
        start: datetime | None = None,
        others: Sequence[RecordedApi] = (),
    ) -> None:
        self.stack = stack
        self.api = api
        self._apis = apis_by_host([api, *others])
        self.clock = SimulatedClock()
        self.latency = latency
        self.start = start or datetime.now(UTC)
        self.tally = Tally()
        self.invocations: list[Invocation] = []
        self.detail_ids: list[int] = []
        self.kill_at: set[int] = set()
        """Upstream request numbers (1-based) at which the invocation is killed."""
        self.fail_at: set[int] = set()
        """Upstream request numbers at which the connection fails (the poll fails; the client gives up at once)."""
        self.requests = 0
        self.request_times: list[float] = []
        self.http = UpstreamClient(
            transport=httpx.MockTransport(self._serve),
            clock=self.clock,
            sleep=self.clock.sleep,
            requests_per_second=requests_per_second,
            max_attempts=1,
        )
        self._raw_queue = stack.output("RawRecordsQueueUrl")

    def _serve(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        self.request_times.append(self.clock())
        if self.requests in self.kill_at:
            raise Killed(f"killed at upstream request {self.requests}")
        self.clock.sleep(self.latency)
        if self.requests in self.fail_at:
            raise httpx.ConnectError("injected", request=request)
        response = serve(self._apis, request)
        if match := self.api.detail_id and self.api.detail_id.fullmatch(request.url.path):
            self.detail_ids.append(int(match.group(1)))
        return response

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.clock())

    @contextmanager
    def running(self) -> Iterator[CatchUpRig]:
        from functions.fetcher import app as fetcher

        original_http, original_now, original_invoke = fetcher._http, fetcher.utc_now, self.stack.invoke
        fetcher._http = functools.cache(lambda: self.http)  # type: ignore[assignment]
        fetcher.utc_now = self.now  # type: ignore[assignment]

        def invoke(logical_id: str, event: dict[str, Any]) -> Any:
            try:
                return original_invoke(logical_id, event)
            except Killed as killed:  # what the runtime reports to the mapping: the invocation failed
                raise RuntimeError(str(killed)) from None

        self.stack.invoke = invoke  # type: ignore[method-assign]
        clients = [aws_client("sqs"), aws_client("dynamodb")]
        for client in clients:
            client.meta.events.register("before-parameter-build", self._count)
            client.meta.events.register("before-call.sqs.SendMessageBatch", self._answer_raw_records)
        try:
            yield self
        finally:
            for client in clients:
                client.meta.events.unregister("before-parameter-build", self._count)
                client.meta.events.unregister("before-call.sqs.SendMessageBatch", self._answer_raw_records)
            fetcher._http, fetcher.utc_now = original_http, original_now  # type: ignore[assignment]
            self.stack.invoke = original_invoke  # type: ignore[method-assign]

    def _count(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name in MAPPING_OPERATIONS:
            return
        self.tally.aws_requests[model.name] += 1
        if model.name == "SendMessageBatch" and params.get("QueueUrl") == self._raw_queue:
            for entry in params["Entries"]:
                body = json.loads(entry["MessageBody"])
                self.tally.queued[body["record"]["id"]] += 1
                self.tally.deliveries[body.get("delivery", "notify")] += 1

    def _answer_raw_records(self, model: Any, params: dict[str, Any], **_: Any) -> Any:
        body = params.get("body")
        if isinstance(body, bytes | str) and self._raw_queue in (body.decode() if isinstance(body, bytes) else body):
            ids = [entry["Id"] for entry in json.loads(body)["Entries"]]
            http = AWSResponse(self._raw_queue, 200, {}, None)
            return http, {"Successful": [{"Id": i, "MessageId": i, "MD5OfMessageBody": ""} for i in ids]}
        return None

    # -- driving ------------------------------------------------------------------------------------------------------

    def schedule(self, event: dict[str, Any] | None = None) -> dict[str, Any]:
        """The schedule firing (or a backfill request): the dispatch only."""
        scheduled = {"id": f"schedule-{len(self.invocations)}-{self.clock():.0f}", "detail-type": "Scheduled Event"}
        result: dict[str, Any] = self.stack.invoke(FUNCTION, event or scheduled)
        return result

    def run_polls(self, limit: int | None = None) -> None:
        """The poll queue's messages, one invocation each, until none is left (or `limit` invocations ran)."""
        mapping = self.stack.queue_mapping(FUNCTION)
        for _ in range(limit or 10_000):
            began, requests = self.clock(), self.requests
            if not self.stack.pump_queue(mapping):
                return
            response = self.stack.last_response
            self.invocations.append(
                Invocation(
                    seconds=self.clock() - began,
                    upstream_requests=self.requests - requests,
                    reports=(response or {}).get("sources", []),
                    died=response is None,
                )
            )
        if limit is None:
            raise RuntimeError(f"polls still queued after {limit} invocations")

    def later(self, seconds: float) -> None:
        self.clock.sleep(seconds)


@contextmanager
def catchup_stack(parameters: dict[str, str] | None = None) -> Iterator[local.LocalStack]:
    from moto import mock_aws

    with mock_aws():
        yield local.LocalStack({"Sources": "written-questions", **(parameters or {})}).deploy(
            {"POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING"}
        )


def busiest_second(times: list[float]) -> int:
    """The most requests started within any one second (the upstream's view of our rate)."""
    most, first = 0, 0
    for last, started in enumerate(times):
        while times[first] <= started - 1.0 + 1e-6:  # [started - 1 s, started], less float drift
            first += 1
        most = max(most, last - first + 1)
    return most


def scenario_figures(rig: CatchUpRig, expected: set[int], timeout: float, limit: float) -> dict[str, Any]:
    invocations = [i for i in rig.invocations if i.upstream_requests]
    stored = set(rig.tally.queued) & expected
    longest = max((i.seconds for i in rig.invocations), default=0.0)
    rate = busiest_second(rig.request_times)
    aws = sum(rig.tally.aws_requests.values())
    return {
        "invocations": len(rig.invocations),
        "polling": sum(i.seconds for i in invocations),
        "longest": longest,
        "rate": rate,
        "stored": len(stored),
        "expected": len(expected),
        "deliveries": dict(rig.tally.deliveries),
        "aws_per_item": aws / max(len(stored), 1),
        "aws_requests": dict(rig.tally.aws_requests),
        "complete": stored == expected and longest < timeout and rate <= limit + 1e-9,
    }


def year_backfill(count: int = 60_000, latency: float = 0.2, rate: float = 5.0) -> dict[str, Any]:
    """A new deployment's backfill of a year (`{"since": …, "delivery": "quiet"}`), polled to completion."""
    today = date.today()
    records = questions(count, today)
    api = VolumeQuestions(records)
    with catchup_stack({"UpstreamRequestsPerSecond": str(rate)}) as stack:
        rig = CatchUpRig(stack, api, latency, rate)
        with rig.running():
            since = (today - timedelta(days=365)).isoformat()
            rig.schedule({"since": since, "delivery": "quiet"})
            rig.run_polls()
        timeout = float(stack.functions[FUNCTION].timeout)
        return scenario_figures(rig, {r["id"] for r in records}, timeout, rate)


def week_outage(per_day: int = 165, latency: float = 0.2, rate: float = 5.0, outage_days: int = 7) -> dict[str, Any]:
    """A source polled up to date, then no poll for `outage_days` while questions kept coming; then the schedule
    fires again. A year's 60,000 questions is ~165 a day."""
    today = date.today()
    records = questions(per_day * (outage_days + 14), today, days=outage_days + 14)
    api = VolumeQuestions(records)
    with catchup_stack({"UpstreamRequestsPerSecond": str(rate)}) as stack:
        start = datetime.combine(today - timedelta(days=outage_days), datetime.min.time(), UTC)
        rig = CatchUpRig(stack, api, latency, rate, start=start)
        with rig.running():
            api.show_until(today - timedelta(days=outage_days))
            rig.schedule()
            rig.run_polls()  # the first poll (a quiet backfill of the default window) brings the source up to date
            rig.tally = Tally()
            rig.invocations.clear()
            rig.later(outage_days * 86_400)
            api.show_until(today)
            rig.schedule()
            rig.run_polls()
        timeout = float(stack.functions[FUNCTION].timeout)
        # Every question tabled after the last poll before the outage is caught up (the fake's records do not change
        # after they appear: what the first poll saw is not queued again).
        first_day = (today - timedelta(days=outage_days)).isoformat()
        expected = {r["id"] for r in records if r["dateTabled"][:10] > first_day}
        return scenario_figures(rig, expected, timeout, rate)
