"""Scheduled Lambda (EventBridge Scheduler, Europe/London): publishes each daily or weekly watch's digest of the
period before the scheduled time, once per watch and period."""

from __future__ import annotations

from typing import Any, Literal

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AwareDatetime, BaseModel, ConfigDict

from shared.adapters.aws import aws_client
from shared.adapters.digest_store import DigestMatchStore
from shared.adapters.items_store import ItemStore
from shared.adapters.publish_ledger import PublishLedger
from shared.adapters.sns import SnsPublisher
from shared.adapters.watch_store import WatchStore
from shared.container import per_container
from shared.observability import logger
from shared.pipeline.digesting import Digester
from shared.settings import digester_settings
from shared.watching.watch import Frequency


class DigestEvent(BaseModel):
    """The schedule's Input: which digest, and the occurrence's scheduled time (`<aws.scheduler.scheduled-time>`,
    the same on every retry of that occurrence, so a retry covers the same period)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    digest: Literal["daily", "weekly"]
    at: AwareDatetime


class DigestFailedError(RuntimeError):
    pass


@per_container
def _digester() -> Digester:
    settings = digester_settings()
    dynamodb = aws_client("dynamodb")
    return Digester(
        watches=WatchStore(dynamodb, settings.STATE_TABLE_NAME).list,
        matches=DigestMatchStore(dynamodb, settings.STATE_TABLE_NAME),
        items=ItemStore(dynamodb, settings.ITEMS_TABLE_NAME),
        ledger=PublishLedger(dynamodb, settings.STATE_TABLE_NAME),
        publisher=SnsPublisher(aws_client("sns")),
        topic_arn_prefix=settings.TOPIC_ARN_PREFIX,
    )


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = DigestEvent.model_validate(event)
    run = _digester().run(
        Frequency(request.digest), request.at, remaining_seconds=context.get_remaining_time_in_millis() / 1000
    )
    logger.info(
        "digest run",
        extra={
            "digest": run.digest,
            "period_end": run.period.end.isoformat(),
            "published": run.published,
            "failed": run.failed,
        },
    )
    if run.failed:  # the scheduler retries the occurrence: the ledger publishes only what is still missing
        raise DigestFailedError(f"digests not published: {run.failed}")
    return {
        "digest": run.digest,
        "period": run.period.model_dump(mode="json"),
        "published": run.published,
        "skipped": run.skipped,
        "empty": run.empty,
    }
