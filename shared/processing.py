"""The processor's logic: one queued raw record → validated, normalised item → conditional versioned write."""

from __future__ import annotations

from collections import Counter

from pydantic import ValidationError

from shared.models.queue import RawRecordMessage
from shared.observability import logger
from shared.queueing import DeadLetterQueue
from shared.sources import UnknownSourceError, get_source
from shared.sources.base import PoisonRecordError, validation_reason
from shared.storage import ItemStore, ItemTooLargeError, WriteOutcome, WriteResult, fit_item


class RecordProcessor:
    """Processes one SQS message body at a time; counts outcomes per source for the batch's metrics.

    A poison record (one that can never become an item) goes to the dead-letter queue at once with its reason and is
    acknowledged; any other error propagates, so the message is retried and, after maxReceiveCount, redriven by SQS.
    """

    def __init__(self, store: ItemStore, dead_letters: DeadLetterQueue) -> None:
        self._store = store
        self._dead_letters = dead_letters
        self.counts: Counter[tuple[str, str]] = Counter()

    def process(self, body: str) -> WriteResult | None:
        message: RawRecordMessage | None = None
        try:
            message = _parse_message(body)
            try:
                source = get_source(message.source)
            except UnknownSourceError as error:
                raise PoisonRecordError(str(error.args[0])) from None
            try:
                item = fit_item(source.parse(message))
            except ValidationError as error:  # the normalised item breaks the model's rules (e.g. an empty title)
                raise PoisonRecordError(f"invalid {message.source} item: {validation_reason(error)}") from None
            except ItemTooLargeError as error:
                raise PoisonRecordError(str(error)) from None
        except PoisonRecordError as error:
            self._reject(body, str(error), message)
            return None
        result = self._store.save_if_changed(item, message.fetched_at)
        self.counts[(item.source, result.outcome.value)] += 1
        if result.outcome in (WriteOutcome.NEW, WriteOutcome.UPDATED):
            logger.info(
                "item stored",
                extra={"item_id": item.id, "version": result.version, "outcome": result.outcome.value},
            )
        return result

    def _reject(self, body: str, reason: str, message: RawRecordMessage | None) -> None:
        source = message.source if message else None
        origin = message.origin if message else None
        logger.error("poison record sent to the dead-letter queue", extra={"reason": reason, "origin": origin})
        self._dead_letters.send(body, reason=reason, error_type="PoisonRecord", source=source)
        self.counts[(source or "unknown", "failed")] += 1


def _parse_message(body: str) -> RawRecordMessage:
    try:
        return RawRecordMessage.model_validate_json(body)
    except ValidationError as error:
        raise PoisonRecordError(f"not a deptwatch raw-record message: {validation_reason(error)}") from None
