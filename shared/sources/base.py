"""What every upstream source provides: how to fetch its records, and how to turn one record into an Item."""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ValidationError

from shared.adapters.http import UpstreamClient, UpstreamResponseError
from shared.domain.departments import Department
from shared.domain.item import Item
from shared.domain.kinds import Kind
from shared.domain.raw_record import RawRecordMessage
from shared.observability import logger


class PoisonRecordError(ValueError):
    """A record that can never become an item (fails validation, names an unknown department, …).

    It is not retried: the processor puts it on the dead-letter queue at once, with this message as the reason.
    """


class ResponseShapeError(ValueError):
    """An upstream response body that is not what this source's API returns."""


@dataclass(frozen=True)
class FetchedRecord:
    record: dict[str, Any]
    department: str | None = None
    """The department the query was for, for records that do not name their department."""
    origin: str | None = None
    listed: dict[str, Any] | None = None
    """The record as the list endpoint gave it, when `record` was completed from a detail endpoint."""
    known: bool = False
    """Listed exactly as when it was last queued: not completed, and not to be queued again."""


KnownRecord = Callable[[dict[str, Any]], bool]
"""Whether a listed record is known well enough that its detail need not be read again (see the fetcher)."""


def validation_reason(error: ValidationError) -> str:
    """A short, readable reason from a pydantic error: field paths and messages, no input values echoed."""
    problems = [
        f"{'.'.join(str(part) for part in issue['loc']) or '(record)'}: {issue['msg']}" for issue in error.errors()
    ]
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return "; ".join(problems[:5]) + more


M = TypeVar("M", bound=BaseModel)


def validate_record(model: type[M], record: dict[str, Any], what: str) -> M:
    try:
        return model.model_validate(record)
    except ValidationError as error:
        raise PoisonRecordError(f"invalid {what}: {validation_reason(error)}") from None


class Source(ABC):
    """One upstream source. Subclasses are stateless; one instance each lives in the registry."""

    name: ClassVar[str]
    kind: ClassVar[Kind]
    volatile_fields: ClassVar[frozenset[str]] = frozenset()
    """Top-level record fields that change between fetches of the same content (search scores): not in the digest."""

    def notifiable(self, record: dict[str, Any]) -> bool:
        """Whether deptwatch tells anyone about such a record at all (a private committee meeting: no)."""
        return True

    def record_key(self, record: dict[str, Any]) -> str:
        """The record's stable upstream id (the fetcher remembers what it last queued of each record by it)."""
        for name in ("id", "Id", "paperId", "content_id", "link"):
            if record.get(name) not in (None, ""):
                return str(record[name])
        return self.digest(record)

    def digest(self, record: dict[str, Any]) -> str:
        """A short digest of a raw record's content: equal when the same record is fetched again unchanged."""
        content = {key: value for key, value in record.items() if key not in self.volatile_fields}
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.blake2b(canonical.encode(), digest_size=10).hexdigest()

    @abstractmethod
    def records_from_response(self, body: Any) -> list[dict[str, Any]]:
        """The records in one response body, exactly as the API returned them; ResponseShapeError if it is not one."""

    @abstractmethod
    def fetch(
        self,
        http: UpstreamClient,
        departments: Sequence[Department],
        since: datetime,
        until: datetime,
        known: KnownRecord | None = None,
    ) -> Iterator[FetchedRecord]:
        """Every record of the given departments that changed in [since, until], paged to exhaustion.

        A listed record that `known` recognises needs no detail request: it is yielded as listed, marked known.
        """

    def value_records(self, body: Any, items: str) -> list[dict[str, Any]]:
        """The records of a Parliament API response: a list page `{totalResults, <items>: [{value, links}]}` or one
        item `{value, links}`; ResponseShapeError for anything else."""
        if isinstance(body, dict) and isinstance(body.get(items), list) and "totalResults" in body:
            entries = body[items]
        elif isinstance(body, dict) and isinstance(body.get("value"), dict):
            entries = [body]
        else:
            expected = f"{{totalResults, {items}: [{{value, links}}]}} or {{value, links}}"
            raise ResponseShapeError(f"not a {self.name} response: expected {expected}")
        for position, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("value"), dict):
                raise ResponseShapeError(f"{items}[{position}] has no 'value' object")
        return [entry["value"] for entry in entries]

    def pages(
        self, http: UpstreamClient, url: str, params: dict[str, Any], *, skip: str, items: str, total: str
    ) -> Iterator[tuple[dict[str, Any], str]]:
        """Every record of a list endpoint and where it came from, paged by what each page returned (APIs cap pages
        below what is asked for), until the page is empty or the API's total is reached."""
        offset = 0
        while True:
            body = http.get_json(url, {**params, skip: offset})
            try:
                records = self.records_from_response(body)
            except ResponseShapeError as error:
                raise UpstreamResponseError(str(error), url) from error
            if not isinstance(body, dict) or items not in body:
                raise UpstreamResponseError("a list request answered with a single item", url)
            for record in records:
                yield record, f"{url}?{skip}={offset}"
            offset += len(records)
            count = body.get(total)
            if not records or not isinstance(count, int) or offset >= count:
                return

    def asked_once(
        self, listed: Iterable[tuple[dict[str, Any], str]], asked: Callable[[dict[str, Any]], bool]
    ) -> Iterator[tuple[dict[str, Any], str]]:
        """The records of a department we asked for, each once (by record key) however often it is listed.

        A record of another department means the API ignored a filter: it must not flood that department's topic.
        """
        seen: set[str] = set()
        for record, origin in listed:
            key = self.record_key(record)
            if not asked(record):
                logger.warning(
                    "record of a department we did not ask for dropped", extra={"source": self.name, "record": key}
                )
            elif key not in seen:
                seen.add(key)
                yield record, origin

    @staticmethod
    def with_detail(
        record: dict[str, Any], origin: str, known: KnownRecord | None, complete: Callable[[], FetchedRecord]
    ) -> FetchedRecord:
        """The listed record completed by `complete` (a detail request), unless `known` says it need not be."""
        if known is not None and known(record):
            return FetchedRecord(record=record, origin=origin, listed=record, known=True)
        return replace(complete(), listed=record)

    @abstractmethod
    def parse(self, message: RawRecordMessage) -> Item:
        """The normalised item of one queued record; PoisonRecordError when it can never be one."""
