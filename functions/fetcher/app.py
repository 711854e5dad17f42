"""Scheduled Lambda: polls every configured source once and puts the raw records on the queue."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws import aws_client
from shared.adapters.http import UpstreamClient
from shared.adapters.source_state import WatermarkStore
from shared.adapters.sqs import RawRecordQueue
from shared.container import per_container
from shared.domain.departments import select
from shared.domain.timeutil import in_london, utc_now
from shared.observability import emit_counts, logger, metrics
from shared.pipeline.fetching import Poller, PollRequest, PollWindow, oldest_success_age
from shared.settings import fetcher_settings
from shared.sources import select_sources

DEADLINE_MARGIN_SECONDS = 10


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
    )


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = PollRequest.model_validate(event)
    settings = fetcher_settings()
    _http().deadline = time.monotonic() + context.get_remaining_time_in_millis() / 1000 - DEADLINE_MARGIN_SECONDS
    window = PollWindow(
        overlap=timedelta(days=settings.OVERLAP_DAYS),
        backfill=timedelta(days=settings.BACKFILL_DAYS),
        since=in_london(request.since) if request.since else None,
    )
    now = utc_now()
    reports = _poller().poll(select_sources(settings.SOURCES), select(settings.DEPARTMENTS), window, now)
    emit_counts("RecordsQueued", {(r.source, "queued"): r.queued for r in reports})
    emit_counts("SourcePolls", {(r.source, "ok" if r.ok else "failed"): 1 for r in reports})
    # Unsplit by source, so that one alarm each covers every source (see the template's alarms).
    metrics.add_metric(name="SourcesFailed", unit=MetricUnit.Count, value=sum(not r.ok for r in reports))
    if (age := oldest_success_age(reports, now)) is not None:
        metrics.add_metric(name="OldestSuccessAgeSeconds", unit=MetricUnit.Seconds, value=age)
    return {"sources": [report.as_dict() for report in reports]}
