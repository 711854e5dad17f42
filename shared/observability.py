"""The one place that creates the Powertools Logger and Metrics (Tracer is left out: it costs ~240 ms of cold start).

Custom metrics are kept to what an alarm reads (each name/dimension set costs $0.30 a month, issue #17): per-source
detail is one structured log line per source of a poll or batch instead, for CloudWatch Logs Insights (README
"Operating deptwatch"), and AWS's own metrics (SQS, Lambda, SNS: free) cover the rest."""

from __future__ import annotations

from collections.abc import Mapping

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="deptwatch")
metrics = Metrics(namespace="Deptwatch", service="deptwatch")


def log_per_source(message: str, fields_by_source: Mapping[str, Mapping[str, object]]) -> None:
    """One log line per source, e.g. {"message": "records processed", "source": "…", "new": 3, …}: `source` a field
    of its own, so that Logs Insights can `stats … by source`."""
    for source, fields in fields_by_source.items():
        logger.info(message, extra={**fields, "source": source})
