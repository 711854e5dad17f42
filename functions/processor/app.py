"""SQS Lambda: validates and normalises each raw record and writes its item only when it is new or changed."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws import aws_client
from shared.adapters.items_store import ItemStore
from shared.adapters.sqs import DeadLetterQueue
from shared.container import per_container
from shared.observability import logger
from shared.pipeline.processing import RecordProcessor
from shared.settings import processor_settings


@per_container
def _processor() -> RecordProcessor:
    settings = processor_settings()
    return RecordProcessor(
        store=ItemStore(aws_client("dynamodb"), settings.ITEMS_TABLE_NAME),
        dead_letters=DeadLetterQueue(aws_client("sqs"), settings.DEAD_LETTER_QUEUE_URL),
    )


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    processor = _processor()  # per-batch state lives in its Powertools hooks (_prepare, _clean)
    return process_partial_response(
        event=event, record_handler=processor.process_record, processor=processor, context=context
    )
