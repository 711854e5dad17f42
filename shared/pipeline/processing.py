"""The processor's logic: one queued raw record → validated, normalised item → conditional versioned write."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from botocore.exceptions import ClientError
from pydantic import ValidationError

from shared.adapters.items_store import ItemStore, ItemTooLargeError, WriteOutcome, WriteResult, fit_item
from shared.adapters.sqs import DeadLetterQueue
from shared.domain.item import Item
from shared.domain.raw_record import MAX_RECORD_DEPTH, TOO_DEEP, RawRecordMessage
from shared.domain.shortened import cut_of_stored
from shared.domain.timeutil import utc_now
from shared.observability import log_per_source, logger
from shared.sources import UnknownSourceError, get_source
from shared.sources.base import PoisonRecordError, validation_reason


class RecordProcessor(BatchProcessor):
    """Processes an SQS batch of raw records (Powertools' BatchProcessor); counts outcomes per source for its log.

    `_prepare` (entering a batch) parses every record and reads the stored content hashes of their items in one
    BatchGetItem, so a record seen again unchanged (the overlap of every poll) costs a tenth of a read and no write.
    `process_record`, the record handler, then handles one record: a poison record (one that can never become an
    item) goes to the dead-letter queue at once with its reason and is acknowledged; any other error fails that
    record, so the message is retried and, after maxReceiveCount, redriven by SQS. `_clean` (leaving the batch) logs
    the batch's counts, also when every record failed.

    One instance serves every batch of a container: the hooks give each batch fresh state, and Powertools runs them.
    """

    def __init__(self, store: ItemStore, dead_letters: DeadLetterQueue) -> None:
        super().__init__(event_type=EventType.SQS)
        self._store = store
        self._dead_letters = dead_letters
        self.counts: Counter[tuple[str, str]] = Counter()
        self.newest: dict[str, datetime] = {}
        """Per source, the latest `updated_at` of the items in this batch (freshness: how far behind upstream)."""
        self._parsed: dict[str, _Parsed] = {}
        self._stored: dict[str, tuple[str, int]] = {}

    def _prepare(self) -> None:
        super()._prepare()
        self.counts = Counter()
        self.newest = {}
        self._parsed = {body: _parse(body) for body in (record["body"] for record in self.records)}
        item_ids = [parsed.item.id for parsed in self._parsed.values() if parsed.item]
        try:
            self._stored = self._store.stored_hashes(item_ids)
        except ClientError as error:  # only an optimisation: the conditional write still decides
            logger.warning("stored hashes could not be read", extra={"error": str(error)})
            self._stored = {}

    def _clean(self) -> None:
        try:
            super()._clean()  # raises BatchProcessingError when every record failed
        finally:
            self._log_counts()
            self._parsed, self._stored = {}, {}

    def _log_counts(self) -> None:
        """The batch's outcomes and freshness, one log line per source (a log line, not a metric per source)."""
        fields: dict[str, dict[str, object]] = defaultdict(dict)
        for (source, outcome), count in self.counts.items():
            fields[source][outcome] = count
        now = utc_now()
        for source, updated_at in self.newest.items():
            fields[source]["newest_item_age_seconds"] = max((now - updated_at).total_seconds(), 0.0)
        log_per_source("records processed", fields)

    def process_record(self, record: SQSRecord) -> WriteResult | None:
        """The record handler given to `process_partial_response`: one raw record, parsed in `_prepare`."""
        body = record.body
        parsed = self._parsed.pop(body, None) or _parse(body)
        if parsed.item is None or parsed.message is None:
            self._reject(body, parsed.error or "unreadable record", parsed.message)
            self._acknowledge_now(record)
            return None
        item, content_hash = parsed.item, parsed.item.content_hash()
        stored = self._stored.get(item.id)
        if stored is not None and stored[0] == content_hash:
            result = WriteResult(WriteOutcome.UNCHANGED, stored[1])
        elif (whole_version := self._cut_of_stored(parsed.message, item)) is not None:
            result = WriteResult(WriteOutcome.UNCHANGED, whole_version)
        else:
            result = self._store.save_if_changed(
                item, parsed.message.fetched_at, content_hash, delivery=parsed.message.delivery
            )
        self.counts[(item.source, result.outcome.value)] += 1
        self.newest[item.source] = max(item.updated_at, self.newest.get(item.source, item.updated_at))
        if result.outcome in (WriteOutcome.NEW, WriteOutcome.UPDATED):
            logger.info(
                "item stored",
                extra={
                    "item_id": item.id,
                    "version": result.version,
                    "outcome": result.outcome.value,
                    "delivery": parsed.message.delivery.value,
                },
            )
        return result

    def _cut_of_stored(self, message: RawRecordMessage, item: Item) -> int | None:
        """The stored version of which a record queued with its detail missing is only the list's cut (read for these
        rare records alone, whether or not the batch's stored hashes could be read), else None: then nothing is
        written over the full texts (shared.domain.shortened)."""
        if not message.detail_missing:
            return None
        latest = self._store.latest([item.id]).get(item.id)
        return latest[1] if latest is not None and cut_of_stored(latest[0], item) else None

    def _acknowledge_now(self, record: SQSRecord) -> None:
        """Take a dead-lettered message off its queue at once, not with the batch response: a processor that dies
        later in the batch would otherwise get it back and dead-letter it again. What is left (a death between the
        two calls, or SQS delivering the message twice) can put it on the DLQ twice, never store or notify it twice."""
        try:
            self._dead_letters.remove_from_source(record.event_source_arn, record.receipt_handle)
        except ClientError as error:  # the batch response still acknowledges it
            logger.warning("dead-lettered message not deleted at once", extra={"error": str(error)})

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
