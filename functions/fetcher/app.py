"""The fetcher: on its schedule (or a backfill request) it sends one poll message per source to the FIFO poll queue;
consuming a poll message, it polls that source within its time budget and queues the raw records."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws import aws_client
from shared.adapters.http import UpstreamClient
from shared.adapters.poll_queue import PollQueue
from shared.adapters.source_state import WatermarkStore
from shared.adapters.sqs import RawRecordQueue
from shared.container import per_container
from shared.domain.departments import select
from shared.domain.poll_message import PollMessage
from shared.domain.timeutil import in_london, utc_now
from shared.observability import log_per_source, logger, metrics
from shared.pipeline.fetching import Budget, Poller, PollRequest, PollWindow, SourceReport, oldest_success_age
from shared.pipeline.polls import DeliveryPolicy, SweepPolicy
from shared.settings import fetcher_settings
from shared.sources import get_source, select_sources

DEADLINE_MARGIN_SECONDS = 60
"""A poll stops this long before the Lambda's timeout: time for a last request's timeouts (and a retry's wait) and
for saving its checkpoint and sending its continuation."""


@per_container
def _http() -> UpstreamClient:
    settings = fetcher_settings()
    return UpstreamClient(
        origin_overrides=settings.UPSTREAM_OVERRIDES, requests_per_second=settings.UPSTREAM_REQUESTS_PER_SECOND
    )


@per_container
def _poller() -> Poller:
    settings = fetcher_settings()
    return Poller(
        http=_http(),
        queue=RawRecordQueue(aws_client("sqs"), settings.RAW_RECORDS_QUEUE_URL),
        watermarks=WatermarkStore(aws_client("dynamodb"), settings.STATE_TABLE_NAME),
        detail_recheck=timedelta(minutes=settings.DETAIL_RECHECK_MINUTES),
        deliveries=DeliveryPolicy(
            first_poll=settings.FIRST_POLL_DELIVERY,
            catch_up=settings.CATCH_UP_DELIVERY,
            catch_up_after=timedelta(hours=settings.CATCH_UP_AFTER_HOURS),
        ),
        recheck_budget=settings.DETAIL_RECHECK_BUDGET,
        polls=PollQueue(aws_client("sqs"), settings.POLL_QUEUE_URL) if settings.POLL_QUEUE_URL else None,
        sweep=SweepPolicy(hour=settings.SWEEP_HOUR, age=timedelta(days=settings.SWEEP_DAYS)),
    )


def _window(since: PollRequest | None = None) -> PollWindow:
    settings = fetcher_settings()
    return PollWindow(
        overlap=timedelta(days=settings.OVERLAP_DAYS),
        backfill=timedelta(days=settings.BACKFILL_DAYS),
        since=in_london(since.since) if since and since.since else None,
    )


def _budget(context: LambdaContext) -> Budget:
    """This invocation's time, less the margin, on the upstream client's clock; retries stop there too."""
    http = _http()
    budget = Budget(http.clock() + context.get_remaining_time_in_millis() / 1000 - DEADLINE_MARGIN_SECONDS, http.clock)
    http.deadline = budget.deadline
    return budget


def _emit(reports: list[SourceReport]) -> None:
    now = utc_now()
    log_per_source(
        "poll reported",
        {
            r.source: {
                "outcome": "ok" if r.ok else "failed",
                "queued": r.queued,
                "unchanged": r.unchanged,
                "complete": r.complete,
                "error": r.error,
                "last_success_age_seconds": (now - r.last_success).total_seconds() if r.last_success else None,
            }
            for r in reports
        },
    )
    # The one custom metric, unsplit by source: the sources-stale alarm reads it (a failing source goes stale too).
    if (age := oldest_success_age(reports, now)) is not None:
        metrics.add_metric(name="OldestSuccessAgeSeconds", unit=MetricUnit.Seconds, value=age)


def _poll_messages(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Poll messages from the FIFO poll queue (one at a time: batch size 1), each polled within the time left."""
    reports: list[SourceReport] = []

    def poll(record: SQSRecord) -> None:
        message = PollMessage.model_validate_json(record.body)
        departments = select(fetcher_settings().DEPARTMENTS)
        report = _poller().run(get_source(message.source), departments, message, _window(), utc_now(), _budget(context))
        reports.append(report)

    response = process_partial_response(
        event=event, record_handler=poll, processor=SqsFifoPartialProcessor(), context=context
    )
    _emit(reports)
    return {**response, "sources": [report.as_dict() for report in reports]}


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "Records" in event:
        return _poll_messages(event, context)
    request = PollRequest.model_validate(event)
    settings = fetcher_settings()
    sources = select_sources(settings.SOURCES)
    if settings.POLL_QUEUE_URL:
        # The schedule's event, or this invocation (a manual backfill): a retried dispatch sends no poll twice.
        occasion = str(event.get("id") or f"{context.aws_request_id}:{request.since}:{request.delivery}")
        messages = _poller().dispatch(sources, request, occasion)
        return {"dispatched": [message.source for message in messages]}
    reports = _poller().poll(sources, select(settings.DEPARTMENTS), _window(request), utc_now())
    _emit(reports)
    return {"sources": [report.as_dict() for report in reports]}
