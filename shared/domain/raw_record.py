"""The SQS message contract between the fetcher (and `deptwatch ingest`) and the processor."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

RAW_RECORD_SCHEMA: Literal["deptwatch.raw/1"] = "deptwatch.raw/1"
MAX_RECORD_DEPTH = 64
"""Deeper than any real upstream record: deeper subtrees are replaced (pydantic's serialiser stops at 255)."""
TOO_DEEP = "[nested too deeply: removed by deptwatch]"


class Delivery(StrEnum):
    """What becomes of the versions a record produces: chosen by the fetcher (or `ingest`) for the poll that read it."""

    NOTIFY = "notify"
    """Every new version is published to its topics (and watches): the usual poll."""
    QUIET = "quiet"
    """Stored, published nowhere: a first backfill or a long outage's catch-up, where thousands of messages would be
    noise. Deliberate, counted, and re-notifiable from the table (`deptwatch notify`)."""
    DIGEST = "digest"
    """Stored, not published one by one: summed up once per department instead."""


class RawRecordMessage(BaseModel):
    """One upstream record, exactly as the API returned it, with what the processor needs to route it."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    schema_: Literal["deptwatch.raw/1"] = Field(default=RAW_RECORD_SCHEMA, alias="schema")
    source: str = Field(min_length=1, max_length=64)
    record: dict[str, Any]
    department: str | None = Field(default=None, max_length=100)
    """The department the upstream query was for; used only when the record does not name its department itself."""
    fetched_at: AwareDatetime
    """When the record was read upstream: a message fetched earlier than the stored version never overwrites it."""
    origin: str | None = Field(default=None, max_length=2048)
    """Where the record came from (request URL, or file and position), for error reports and the DLQ."""
    delivery: Delivery = Delivery.NOTIFY
    detail_missing: bool = False
    """Its detail endpoint did not have it (404), and its source's list cuts texts (`Source.list_cuts_texts`: written
    questions and statements): it is queued as listed, and its item says which of its texts are the list's shortened
    form. Never set for other sources. A processor older than this field refuses a flagged message as poison (the
    model forbids extras): it waits on the records dead-letter queue, under its alarm, for `deptwatch dlq redrive`."""

    @field_validator("record", mode="before")
    @classmethod
    def _limit_depth(cls, record: Any) -> Any:
        if isinstance(record, dict) and _deeper_than(record, MAX_RECORD_DEPTH):
            return _limited(record, MAX_RECORD_DEPTH)
        return record  # the usual case: nothing to copy

    def to_body(self) -> str:
        # The usual delivery and a complete record are left out: an ordinary poll's body is as it always was.
        usual = {"delivery"} if self.delivery is Delivery.NOTIFY else set()
        usual |= set() if self.detail_missing else {"detail_missing"}
        return self.model_dump_json(by_alias=True, exclude_none=True, exclude=usual)


def _deeper_than(value: Any, depth: int) -> bool:
    """Whether `_limited(value, depth)` would replace anything (iterative: no recursion limit)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        container, level = stack.pop()
        for child in container.values() if isinstance(container, dict) else container:
            if isinstance(child, dict | list):
                if level >= depth:
                    return True
                stack.append((child, level + 1))
    return False


def _limited(value: Any, depth: int) -> Any:
    """`value` with every container deeper than `depth` replaced by a marker (iterative: no recursion limit)."""
    root: dict[str, Any] = {"value": value}
    stack: list[tuple[Any, int]] = [(root, 0)]
    while stack:
        container, level = stack.pop()
        keys = container.keys() if isinstance(container, dict) else range(len(container))
        for key in list(keys):
            child = container[key]
            if isinstance(child, dict | list):
                if level >= depth:
                    container[key] = TOO_DEEP
                else:
                    container[key] = dict(child) if isinstance(child, dict) else list(child)
                    stack.append((container[key], level + 1))
    return root["value"]
