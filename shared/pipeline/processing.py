"""The processor's logic: one queued raw record → validated, normalised item → conditional versioned write."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from botocore.exceptions import ClientError
from pydantic import ValidationError

from shared.adapters.items_store import ItemStore, ItemTooLargeError, WriteOutcome, WriteResult, fit_item
from shared.adapters.sqs import DeadLetterQueue
from shared.domain.item import Item
from shared.domain.raw_record import MAX_RECORD_DEPTH, TOO_DEEP, RawRecordMessage
from shared.observability import logger
from shared.sources import UnknownSourceError, get_source
from shared.sources.base import PoisonRecordError, validation_reason


class RecordProcessor:
    """Processes the SQS message bodies of a batch; counts outcomes per source for the batch's metrics.

    `start_batch` parses every record and reads the stored content hashes of their items in one BatchGetItem, so a
    record seen again unchanged (the overlap of every poll) costs a tenth of a read and no write. `process` then
    handles one record: a poison record (one that can never become an item) goes to the dead-letter queue at once with
    its reason and is acknowledged; any other error propagates, so the message is retried and, after
    maxReceiveCount, redriven by SQS.
    """

    def __init__(self, store: ItemStore, dead_letters: DeadLetterQueue) -> None:
        self._store = store
        self._dead_letters = dead_letters
        self.counts: Counter[tuple[str, str]] = Counter()
        self.newest: dict[str, datetime] = {}
        """Per source, the latest `updated_at` of the items in this batch (freshness: how far behind upstream)."""
        self._parsed: dict[str, _Parsed] = {}
        self._stored: dict[str, tuple[str, int]] = {}

    def start_batch(self, bodies: Sequence[str]) -> None:
        self.counts.clear()
        self.newest.clear()
        self._parsed = {body: _parse(body) for body in bodies}
        item_ids = [parsed.item.id for parsed in self._parsed.values() if parsed.item]
        try:
            self._stored = self._store.stored_hashes(item_ids)
        except ClientError as error:  # only an optimisation: the conditional write still decides
            logger.warning("stored hashes could not be read", extra={"error": str(error)})
            self._stored = {}

    def process(self, body: str) -> WriteResult | None:
        parsed = self._parsed.pop(body, None) or _parse(body)
        if parsed.item is None or parsed.message is None:
            self._reject(body, parsed.error or "unreadable record", parsed.message)
            return None
        item, content_hash = parsed.item, parsed.item.content_hash()
        stored = self._stored.get(item.id)
        if stored is not None and stored[0] == content_hash:
            result = WriteResult(WriteOutcome.UNCHANGED, stored[1])
        else:
            result = self._store.save_if_changed(item, parsed.message.fetched_at, content_hash)
        self.counts[(item.source, result.outcome.value)] += 1
        self.newest[item.source] = max(item.updated_at, self.newest.get(item.source, item.updated_at))
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


@dataclass(frozen=True)
class _Parsed:
    message: RawRecordMessage | None
    item: Item | None
    error: str | None = None


def _parse(body: str) -> _Parsed:
    """The queued message and its normalised item, or why the record is poison."""
    message: RawRecordMessage | None = None
    try:
        try:
            message = RawRecordMessage.model_validate_json(body)
        except ValidationError as error:
            raise PoisonRecordError(f"not a deptwatch raw-record message: {validation_reason(error)}") from None
        if TOO_DEEP in body:
            raise PoisonRecordError(f"invalid {message.source} record: nested deeper than {MAX_RECORD_DEPTH} levels")
        try:
            source = get_source(message.source)
        except UnknownSourceError as error:
            raise PoisonRecordError(str(error.args[0])) from None
        try:
            return _Parsed(message, fit_item(source.parse(message)))
        except ValidationError as error:  # the normalised item breaks the model's rules (e.g. an empty title)
            raise PoisonRecordError(f"invalid {message.source} item: {validation_reason(error)}") from None
        except ItemTooLargeError as error:
            raise PoisonRecordError(str(error)) from None
    except PoisonRecordError as error:
        return _Parsed(message, None, str(error))
