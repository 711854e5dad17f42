"""`python -m bench cost`: the monthly bill for all departments at the reference volume, from measured figures.

What is measured, on the local (moto) stack with the handlers run in-process:
- every AWS request each function and each emulated mapping makes (botocore's `_make_api_call`), with DynamoDB's
  write and read units from the items' sizes, SNS's and SQS's 64 KB chunks from the payloads;
- each invocation's own CPU time (process time less the time moto spent answering the AWS calls inside it);
- the CloudWatch metrics the functions emit (the EMF lines Powertools prints: name, namespace, dimensions) and the
  bytes they log;
- each handler's cold import (CPU time in a fresh interpreter, as `python -m bench imports`).

Scenarios: (1) every recorded upstream response of every source, polled once from RECORDINGS_SINCE (every record
new: queued, stored, notified to its departments and to 10 immediate watches, recorded for 30 daily digest watches),
then polled again 5 minutes later with nothing changed (an idle poll; its written questions are counted again in (2):
a small overstatement); (2) the written questions of the reference window (3 days of
55,000 questions a year, tabled and answered, every one taken as cut by the list: the detail recheck at its largest),
polled every 5 minutes for an hour on a simulated clock; (3) the daily digest run of the 30 digest watches.

How measured time becomes billed Lambda time (GB-s), per invocation:
    own CPU seconds x max(1, 1769 / MemorySize)  (Lambda gives a function MemorySize/1769 of a vCPU; this machine's
                                                 core is taken as a Graviton core)
  + AWS requests x AWS_REQUEST_SECONDS            (assumed in-region latency; moto's answer time is not ours)
  + upstream requests x UPSTREAM_REQUEST_SECONDS  (assumed: the pacer's 0.2 s at 5 a second is a floor, upstream
                                                 latency is not measurable here)
times MemorySize in GB; a cold start adds its import CPU x the same CPU factor (Lambda bills INIT since 2025-08).
"""

from __future__ import annotations

import io
import json
import math
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bench import prices

BUDGET = 3.00
"""Issue #17: all departments for at most this a month at list price."""
SECONDS_PER_VCPU_AT = 1769
"""Lambda: a function with 1,769 MB has the equivalent of one vCPU; less memory, proportionally less CPU."""
AWS_REQUEST_SECONDS = 0.015
"""Assumed wall time of one AWS request from Lambda in the same region (DynamoDB answers in single-digit ms, SQS and
SNS in 10-20 ms)."""
UPSTREAM_REQUEST_SECONDS = 0.3
"""Assumed wall time of one upstream request: at least the pacer's 1/5 s, plus a margin for the APIs' latency."""
PLATFORM_LOG_BYTES = 330
"""Lambda's own START, END and REPORT lines per invocation (text format), in each function's log group."""
EMAIL_SUBSCRIBERS_PER_TOPIC = 1
"""The assumed audience: one e-mail subscription on each department and watch topic (deliveries scale with it)."""
POLLS_PER_MONTH = prices.HOURS_PER_MONTH * 12
COLD_STARTS_PER_MONTH = prices.HOURS_PER_MONTH
"""Once an hour per function that runs at least hourly (the issue's assumption)."""
IDLE_SQS_POLLERS = 5
IDLE_RECEIVES_PER_POLLER_PER_MINUTE = 3
"""The SQS mapping with an empty queue: Lambda's pollers long-poll (20 s), starting with 5 of them ("Lambda starts
processing five batches at a time", https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html): 5 x 3
ReceiveMessage a minute. AWS's pollers cannot be run here: this is the assumption, not a measurement."""

RECORDINGS_SINCE = "2020-01-01"
"""The recorded responses are older than a first poll reads: the first poll of the measurement reads from here."""
YEARLY_VERSIONS = {
    "written-questions": 55_000 * 2,  # tabled, then answered
    "written-statements": 2_000,
    "govuk-publications": 20_000,
    "deposited-papers": 3_000,
    "whatson-events": round(3_000 * 1.2),
}
"""The reference volume (issue #17)."""
IMMEDIATE_WATCHES = 10
DIGEST_WATCHES = 30
DIGEST_RUNS_PER_MONTH = 365 / 12 + 52 / 12
"""The daily and the weekly schedule, both at the cost of the measured daily run (the weekly reads more rows)."""
CUT_SOURCES = ("written-questions", "written-statements", "deposited-papers")
"""Sources whose list cuts records (details read, rechecked hourly)."""


@dataclass
class Invocation:
    function: str
    cpu: float = 0.0
    aws_requests: int = 0
    upstream_requests: int = 0


@dataclass
class Meter:
    """What the measured code asked of AWS and how long it ran, by function ("mapping" outside any function)."""

    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    units: Counter[str] = field(default_factory=Counter)
    invocations: list[Invocation] = field(default_factory=list)
    current: Invocation | None = None
    aws_cpu: float = 0.0
    log_bytes: Counter[str] = field(default_factory=Counter)
    metrics: set[tuple[str, str, tuple[tuple[str, str], ...]]] = field(default_factory=set)
    notifications: int = 0

    def by_function(self) -> dict[str, list[Invocation]]:
        grouped: dict[str, list[Invocation]] = defaultdict(list)
        for invocation in self.invocations:
            grouped[invocation.function].append(invocation)
        return grouped


def _kb(value: Any, unit: int) -> int:
    return max(1, math.ceil(len(json.dumps(value).encode()) / unit))


def _count(meter: Meter, service: str, operation: str, params: dict[str, Any], response: dict[str, Any]) -> None:
    if service == "dynamodbstreams":
        return  # GetRecords of a Lambda trigger are free
    if service == "sqs" and operation == "ReceiveMessage" and not response.get("Messages"):
        return  # the emulator's empty receives; AWS's idle polling is IDLE_SQS_POLLERS
    meter.requests[(service, operation)] += 1
    if meter.current is not None:
        meter.current.aws_requests += 1
    if service == "dynamodb":
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            meter.units["write"] += _kb(params, 1024)  # the request's size bounds the item's
        elif operation == "BatchWriteItem":
            meter.units["write"] += sum(_kb(w, 1024) for ws in params["RequestItems"].values() for w in ws)
        elif operation == "TransactWriteItems":
            meter.units["write"] += sum(2 * _kb(entry, 1024) for entry in params["TransactItems"])
        elif operation == "GetItem":
            meter.units["read"] += 0.5 * _kb(response.get("Item", {}), 4096)
        elif operation == "BatchGetItem":
            meter.units["read"] += sum(
                0.5 * _kb(item, 4096) for items in response.get("Responses", {}).values() for item in items
            )
        elif operation in ("Query", "Scan"):
            meter.units["read"] += 0.5 * _kb(response.get("Items", []), 4096)
    elif service == "sns" and operation in ("Publish", "PublishBatch"):
        entries = params.get("PublishBatchRequestEntries", [params])
        meter.units["sns chunks"] += _kb(entries, 65_536)
        meter.notifications += len(entries) - len(response.get("Failed", []))
    elif service == "sqs" and operation in ("SendMessage", "SendMessageBatch"):
        meter.units["sqs chunks"] += _kb(params, 65_536) - 1  # the request itself is counted above


@contextmanager
def metered(meter: Meter) -> Iterator[None]:
    from botocore.client import BaseClient

    original = BaseClient._make_api_call

    def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        started = time.process_time()
        try:
            response = original(client, operation, params)
        finally:
            meter.aws_cpu += time.process_time() - started
        _count(meter, client.meta.service_model.service_name, operation, params, response)
        return response

    BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]
    try:
        yield
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


def _read_emf(meter: Meter, function: str, printed: str) -> None:
    for line in printed.splitlines():
        meter.log_bytes[function] += len(line.encode()) + 1
        try:
            record = json.loads(line)
        except ValueError:
            continue
        for directive in record.get("_aws", {}).get("CloudWatchMetrics", []) if isinstance(record, dict) else []:
            for dimensions in directive["Dimensions"]:
                key = tuple(sorted((name, str(record[name])) for name in dimensions))
                for metric in directive["Metrics"]:
                    meter.metrics.add((directive["Namespace"], metric["Name"], key))


@contextmanager
def instrument(stack: Any, meter: Meter, upstream_requests: Callable[[], int]) -> Iterator[None]:
    """Wrap the stack's invoke: each invocation's CPU (less moto's), its AWS and upstream requests, what it printed."""
    from shared.observability import logger

    invoke = stack.invoke

    def measured_invoke(logical_id: str, event: dict[str, Any]) -> Any:
        invocation = Invocation(logical_id)
        outer, meter.current = meter.current, invocation
        printed = io.StringIO()
        handler = logger.registered_handler
        stream = handler.setStream(printed)  # type: ignore[attr-defined]
        aws_before, upstream_before, started = meter.aws_cpu, upstream_requests(), time.process_time()
        try:
            with redirect_stdout(printed):
                return invoke(logical_id, event)
        finally:
            invocation.cpu = time.process_time() - started - (meter.aws_cpu - aws_before)
            invocation.upstream_requests = upstream_requests() - upstream_before
            handler.setStream(stream)  # type: ignore[attr-defined]
            meter.current = outer
            meter.invocations.append(invocation)
            meter.log_bytes[logical_id] += PLATFORM_LOG_BYTES
            _read_emf(meter, logical_id, printed.getvalue())

    stack.invoke = measured_invoke
    try:
        with metered(meter):
            yield
    finally:
        del stack.invoke  # the class's again


def _stack(sources: str, http: Any) -> Any:
    from bench.requests import stack_with_upstream

    return stack_with_upstream(http, sources, environment={})  # metrics on: what they emit is measured


def reference_window_questions() -> int:
    """Cut records in a poll's window at the reference volume: the overlap's days of their versions."""
    from shared.settings import FetcherSettings

    overlap = FetcherSettings.model_fields["OVERLAP_DAYS"].default
    return round(sum(YEARLY_VERSIONS[s] for s in CUT_SOURCES) / 365 * overlap)


def _watches() -> list[Any]:
    from shared.domain.departments import DEPARTMENTS
    from shared.watching.watch import Frequency, Watch

    slugs = [d.slug for d in DEPARTMENTS]
    immediate = [
        Watch(name=f"watch-{n}", query="answer OR statement OR report", departments=(slugs[n % len(slugs)],))
        for n in range(IMMEDIATE_WATCHES)
    ]
    digests = [
        Watch(name=f"digest-{n}", departments=(slugs[n % len(slugs)],), frequency=Frequency.DAILY)
        for n in range(DIGEST_WATCHES)
    ]
    return immediate + digests


@dataclass
class Measured:
    new_versions: Meter
    versions: int
    idle_poll: Meter
    question_hour: Meter
    questions_in_window: int
    digest_run: Meter
    imports: dict[str, float]
    metrics: set[tuple[str, str, tuple[tuple[str, str], ...]]]


def measure() -> Measured:
    from bench.imports import cold_imports
    from bench.requests import simulated_polls, synthetic
    from infra.local.replay import replay_transport
    from shared.adapters.http import UpstreamClient
    from shared.domain.timeutil import utc_now
    from shared.observability import logger
    from shared.sources import SOURCE_NAMES

    logger.setLevel(os.environ.get("POWERTOOLS_LOG_LEVEL_OF_THE_BILL", "INFO"))  # the template's LogLevel default
    every = ",".join(SOURCE_NAMES)
    http = UpstreamClient(transport=replay_transport(), sleep=lambda _: None)
    new_versions, idle = Meter(), Meter()
    with _stack(every, http) as stack, simulated_polls() as at_poll:
        stack.add_watches(_watches())
        at_poll(0)
        with instrument(stack, new_versions, lambda: http.requests):
            # the polls it dispatched to its poll queue (#12), run to the end: their reports gathered
            report = stack.run_own_queues(
                "FetcherFunction", stack.invoke("FetcherFunction", {"since": RECORDINGS_SINCE})
            )
            stack.drain()
        versions = sum(source["queued"] for source in report["sources"])
        at_poll(1)
        with instrument(stack, idle, lambda: http.requests):
            stack.invoke("FetcherFunction", {})
            stack.drain()
        digest = Meter()
        at = (utc_now() + timedelta(minutes=16)).isoformat()
        with instrument(stack, digest, lambda: 0):
            stack.invoke("DigesterFunction", {"digest": "daily", "at": at})

    window = reference_window_questions()
    transport, requested, _ = synthetic.transport(synthetic.written_questions(window, recent=True))
    questions_http = UpstreamClient(transport=transport, sleep=lambda _: None)
    hour = Meter()
    with _stack("written-questions", questions_http) as stack, simulated_polls() as at_poll:
        at_poll(0)
        stack.invoke("FetcherFunction", {})
        stack.drain()
        with instrument(stack, hour, lambda: len(requested)):
            for number in range(1, 13):
                at_poll(number)
                stack.invoke("FetcherFunction", {})
                stack.drain()
    metrics = new_versions.metrics | idle.metrics | digest.metrics | hour.metrics
    return Measured(new_versions, versions, idle, hour, window, digest, cold_imports(runs=3), metrics)


def _memory_of() -> dict[str, int]:
    from infra.cfn_template import load_template
    from infra.local.stack import TEMPLATE

    template = load_template(TEMPLATE)
    default = template["Globals"]["Function"].get("MemorySize", 128)
    return {
        name: resource["Properties"].get("MemorySize", default)
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def _alarm_metrics() -> int:
    from infra.cfn_template import load_template
    from infra.local.stack import TEMPLATE

    alarms = [r for r in load_template(TEMPLATE)["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    return sum(sum("MetricStat" in m for m in a["Properties"].get("Metrics", [])) or 1 for a in alarms)


def _kms_keys() -> int:
    """The template's customer managed keys ($1 a month each; none since the alarm topic lost its own, #17)."""
    from infra.cfn_template import load_template
    from infra.local.stack import TEMPLATE

    return sum(r["Type"] == "AWS::KMS::Key" for r in load_template(TEMPLATE)["Resources"].values())


def _gb_seconds(invocations: list[Invocation], memory_mb: int) -> float:
    cpu_factor = max(1.0, SECONDS_PER_VCPU_AT / memory_mb)
    seconds = sum(
        i.cpu * cpu_factor + i.aws_requests * AWS_REQUEST_SECONDS + i.upstream_requests * UPSTREAM_REQUEST_SECONDS
        for i in invocations
    )
    return seconds * memory_mb / 1024


@dataclass
class Line:
    service: str
    item: str
    quantity: float
    unit_price: float
    free: float = 0.0

    @property
    def list_price(self) -> float:
        return self.quantity * self.unit_price

    @property
    def with_free_tier(self) -> float:
        return max(0.0, self.quantity - self.free) * self.unit_price


def bill(m: Measured) -> list[Line]:
    monthly_versions = sum(YEARLY_VERSIONS.values()) / 12
    per_version = monthly_versions / max(m.versions, 1)
    # Idle polls of the other sources: the poll after the one that queued; the written questions' hour: 12 polls.
    idle_scale, hour_scale = POLLS_PER_MONTH, prices.HOURS_PER_MONTH
    memory = _memory_of()
    scaled: list[tuple[Meter, float]] = [
        (m.new_versions, per_version),
        (m.idle_poll, idle_scale),
        (m.question_hour, hour_scale),
        (m.digest_run, DIGEST_RUNS_PER_MONTH),
    ]
    gb_seconds: Counter[str] = Counter()
    invocations: Counter[str] = Counter()
    for meter, scale in scaled:
        for function, runs in meter.by_function().items():
            gb_seconds[function] += _gb_seconds(runs, memory[function]) * scale
            invocations[function] += len(runs) * scale
    cold: Counter[str] = Counter()
    for function in memory:
        module = f"functions.{function.removesuffix('Function').lower()}.app"
        starts = DIGEST_RUNS_PER_MONTH if function == "DigesterFunction" else COLD_STARTS_PER_MONTH
        factor = max(1.0, SECONDS_PER_VCPU_AT / memory[function])
        cold[function] = m.imports.get(module, 0.0) * factor * memory[function] / 1024 * starts
    lines = [
        Line(
            "Lambda",
            f"{f}: {invocations[f]:,.0f} invocations, {gb_seconds[f]:,.0f} GB-s",
            gb_seconds[f],
            prices.LAMBDA_ARM_GB_SECOND,
        )
        for f in sorted(gb_seconds)
    ]
    lines.append(
        Line("Lambda", "cold starts (INIT, once an hour each)", sum(cold.values()), prices.LAMBDA_ARM_GB_SECOND)
    )
    lines.append(Line("Lambda", "requests", sum(invocations.values()), prices.LAMBDA_REQUEST))
    all_gb_s = sum(gb_seconds.values()) + sum(cold.values())
    lines[0].free = prices.LAMBDA_FREE_GB_SECONDS * lines[0].quantity / max(all_gb_s, 1e-9)  # spread over the lines
    for line in lines[1:-1]:
        line.free = prices.LAMBDA_FREE_GB_SECONDS * line.quantity / max(all_gb_s, 1e-9)
    lines[-1].free = prices.LAMBDA_FREE_REQUESTS

    def total(key: str | tuple[str, str], what: str = "requests") -> float:
        return sum(
            (meter.requests[key] if what == "requests" else meter.units[key]) * scale  # type: ignore[index]
            for meter, scale in scaled
        )

    writes, reads = total("write", "units"), total("read", "units")
    lines.append(
        Line(
            "DynamoDB", f"write units ({writes / monthly_versions:.1f} per version)", writes, prices.DYNAMODB_WRITE_UNIT
        )
    )
    lines.append(Line("DynamoDB", "read units", reads, prices.DYNAMODB_READ_UNIT))
    stored_gb = sum(YEARLY_VERSIONS.values()) * 8 * 1024 / 1e9  # a year of versions at ~8 KB each (assumed)
    lines.append(
        Line(
            "DynamoDB",
            "storage (a year of versions, ~8 KB each)",
            stored_gb,
            prices.DYNAMODB_STORAGE_GB_MONTH,
            prices.DYNAMODB_FREE_STORAGE_GB,
        )
    )
    sqs = sum(meter.requests[key] * scale for meter, scale in scaled for key in meter.requests if key[0] == "sqs")
    sqs += total("sqs chunks", "units")
    idle_receives = IDLE_SQS_POLLERS * IDLE_RECEIVES_PER_POLLER_PER_MINUTE * 60 * prices.HOURS_PER_MONTH
    lines.append(Line("SQS", "fetcher sends, mapping receives and deletes (measured)", sqs, prices.SQS_REQUEST))
    lines.append(
        Line(
            "SQS",
            f"mapping's idle long polls ({IDLE_SQS_POLLERS} pollers, 20 s: assumed)",
            idle_receives,
            prices.SQS_REQUEST,
        )
    )
    lines[-2].free = prices.SQS_FREE_REQUESTS * sqs / (sqs + idle_receives)
    lines[-1].free = prices.SQS_FREE_REQUESTS * idle_receives / (sqs + idle_receives)
    publishes = total("sns chunks", "units")
    deliveries = sum(meter.notifications * scale for meter, scale in scaled) * EMAIL_SUBSCRIBERS_PER_TOPIC
    lines.append(
        Line(
            "SNS",
            "publish requests (64 KB chunks)",
            publishes,
            prices.SNS_PUBLISH_REQUEST,
            prices.SNS_FREE_PUBLISH_REQUESTS,
        )
    )
    lines.append(
        Line(
            "SNS",
            f"e-mail deliveries ({EMAIL_SUBSCRIBERS_PER_TOPIC} subscriber a topic: assumed)",
            deliveries,
            prices.SNS_EMAIL_DELIVERY,
            prices.SNS_FREE_EMAIL_DELIVERIES,
        )
    )
    # SNS encrypts with alias/aws/sns: at most one KMS request per publish (SNS reuses data keys), charged to us.
    lines.append(
        Line(
            "KMS",
            "requests SNS makes for encrypted topics (at most one a publish)",
            publishes,
            prices.KMS_REQUEST,
            prices.KMS_FREE_REQUESTS,
        )
    )
    lines.append(Line("KMS", "customer managed keys in the template", _kms_keys(), prices.KMS_KEY_MONTH))
    custom = {metric for metric in m.metrics if metric[0] != "AWS"}
    lines.append(
        Line(
            "CloudWatch",
            f"custom metrics ({len(custom)} name/dimension sets, each every hour)",
            len(custom),
            prices.CLOUDWATCH_METRIC_MONTH,
            prices.CLOUDWATCH_FREE_METRICS,
        )
    )
    alarm_metrics = _alarm_metrics()
    lines.append(
        Line(
            "CloudWatch",
            f"alarms ({alarm_metrics} alarm metrics, standard resolution)",
            alarm_metrics,
            prices.CLOUDWATCH_ALARM_METRIC_MONTH,
            prices.CLOUDWATCH_FREE_ALARM_METRICS,
        )
    )
    log_gb = sum(sum(meter.log_bytes.values()) * scale for meter, scale in scaled) / 1e9
    lines.append(Line("CloudWatch", "log ingestion", log_gb, prices.LOGS_INGESTION_GB, prices.LOGS_FREE_GB))
    lines.append(Line("CloudWatch", "log storage (a month kept)", log_gb, prices.LOGS_STORAGE_GB_MONTH))
    lines.append(
        Line(
            "EventBridge",
            "Scheduler (digests; the poll schedule is a free rule)",
            DIGEST_RUNS_PER_MONTH,
            prices.SCHEDULER_INVOCATION,
            prices.SCHEDULER_FREE_INVOCATIONS,
        )
    )
    return lines


def report() -> float:
    """Print the bill as a table by service; the list price."""
    measured = measure()
    lines = bill(measured)
    print()
    print(
        f"Reference volume a month: {sum(YEARLY_VERSIONS.values()) / 12:,.0f} versions, {POLLS_PER_MONTH:,} polls, "
        f"{measured.questions_in_window} cut records in a poll's window; prices {prices.REGION}, {prices.PRICES_AS_OF}"
    )
    print()
    print("| service | item | quantity a month | list price | with free tier |")
    print("|---|---|---|---|---|")
    by_service: dict[str, list[Line]] = defaultdict(list)
    for line in lines:
        by_service[line.service].append(line)
        print(
            f"| {line.service} | {line.item} | {line.quantity:,.2f} | ${line.list_price:.2f} | "
            f"${line.with_free_tier:.2f} |"
        )
    for service, items in by_service.items():
        print(
            f"| **{service}** | | | **${sum(i.list_price for i in items):.2f}** | "
            f"${sum(i.with_free_tier for i in items):.2f} |"
        )
    print(
        f"| (dashboard, outside the bill) | one (the first {prices.CLOUDWATCH_FREE_DASHBOARDS} are free) | 1 | "
        f"${prices.CLOUDWATCH_DASHBOARD_MONTH:.2f} | $0.00 |"
    )
    print()
    for namespace, name, dimensions in sorted(measured.metrics):
        print(f"  metric {namespace}/{name} {dict(dimensions)}")
    listed = sum(line.list_price for line in lines)
    print(
        f"monthly cost: ${listed:.2f} (list price), ${sum(line.with_free_tier for line in lines):.2f} (with free tier)"
    )
    return listed


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "INFO")
    report()
