"""DynamoDB-stream Lambda: publishes each new item version to its department's SNS topic and to each immediate watch
it matches, exactly once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord, DynamoDBStreamEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws import aws_client
from shared.adapters.digest_store import DigestMatchStore
from shared.adapters.publish_ledger import PublishLedger
from shared.adapters.read_store import ReadStore
from shared.adapters.sns import SnsPublisher
from shared.adapters.sqs import DeadLetterQueue
from shared.adapters.watch_store import DigestWatches, ImmediateWatches, SavedWatches, WatchStore
from shared.container import per_container
from shared.observability import logger
from shared.pipeline.digesting import DigestRecorder
from shared.pipeline.indexing import Indexer
from shared.pipeline.notifying import Notifier, change_from_stream_record
from shared.settings import notifier_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch import BatchProcessor
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse


class NotificationFailedError(RuntimeError):
    pass


@per_container
def _batch() -> BatchProcessor:
    # Imported only when a record failed: Powertools' batch package loads asyncio and its async processors with it
    # (~0.1x of `import boto3` on every cold start, for a batch that nearly always succeeds whole).
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

    return BatchProcessor(event_type=EventType.DynamoDBStreams)


@per_container
def _notifier() -> Notifier:
    settings = notifier_settings()
    watches = SavedWatches(WatchStore(aws_client("dynamodb"), settings.STATE_TABLE_NAME))
    return Notifier(
        ledger=PublishLedger(aws_client("dynamodb"), settings.STATE_TABLE_NAME),
        publisher=SnsPublisher(aws_client("sns")),
        topic_arn_prefix=settings.TOPIC_ARN_PREFIX,
        failures=DeadLetterQueue(aws_client("sqs"), settings.FAILURE_QUEUE_URL),
        immediate_watches=ImmediateWatches(watches),
        digests=DigestRecorder(
            DigestMatchStore(aws_client("dynamodb"), settings.STATE_TABLE_NAME), DigestWatches(watches)
        ),
    )


@per_container
def _indexer() -> Indexer | None:
    settings = notifier_settings()
    return Indexer(ReadStore(aws_client("dynamodb"), settings.READ_TABLE_NAME)) if settings.READ_TABLE_NAME else None


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    # Publishing is batched across records (PublishBatch), so it happens first; BatchProcessor then reports the
    # records whose notifications failed, and the stream retries from the first of them.
    records = list(DynamoDBStreamEvent(event).records)
    changes = [change_from_stream_record(r) for r in records]
    result = _notifier().notify(changes, remaining_seconds=context.get_remaining_time_in_millis() / 1000)
    indexer = _indexer()
    if indexer is not None:  # after publishing: its failure fails the batch, whose retry finds it all published
        indexer.index(records, changes)
    # A log line, not metrics: SNS's own NumberOfMessagesPublished counts per topic, and failures are alarmed on the
    # stream's iterator age and the failure queue (README "Operating deptwatch").
    logger.info(
        "notifications published",
        extra={
            "published": result.published,
            "failed": len(result.failed),
            "poisoned": len(result.poisoned),
            "withheld": result.withheld,
        },
    )
    failed = result.failed
    if not failed:
        return {"batchItemFailures": []}

    def settle(record: DynamoDBRecord) -> None:
        reason = failed.get((record.dynamodb.sequence_number if record.dynamodb else None) or "")
        if reason:
            raise NotificationFailedError(reason)

    from aws_lambda_powertools.utilities.batch import process_partial_response

    return process_partial_response(event=event, record_handler=settle, processor=_batch(), context=context)
