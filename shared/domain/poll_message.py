"""The poll queue's message contract: one poll of one source (shared/pipeline/polls.py sends and reads it)."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.domain.raw_record import Delivery

POLL_SCHEMA: Literal["deptwatch.poll/1"] = "deptwatch.poll/1"


class PollMessage(BaseModel):
    """One poll of one source, on the poll queue."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    schema_: Literal["deptwatch.poll/1"] = Field(default=POLL_SCHEMA, alias="schema")
    source: str = Field(min_length=1, max_length=64)
    poll_id: str = Field(min_length=1, max_length=80)
    """The poll's identity: a redelivered message finds its own checkpoint and resumes it."""
    step: int = Field(default=0, ge=0)
    """0: a new poll (or, scheduled, the unfinished one taken on); n: the continuation of the checkpoint's step n."""
    since: AwareDatetime | None = None
    """An explicit backfill's start: everything from there is read and queued again."""
    delivery: Delivery | None = None
    """An explicit backfill's delivery; None: the scheduled poll's rule (`DeliveryPolicy`)."""
    group: str = Field(default="", max_length=128)
    """The message group it is sent in (the source's upstream host)."""

    def to_body(self) -> str:
        return self.model_dump_json(by_alias=True, exclude_none=True)

    @property
    def deduplication_id(self) -> str:
        """SQS FIFO's deduplication id (≤ 128 characters): the poll and its step, so a retried dispatch or a
        continuation sent twice is one message."""
        return hashlib.sha256(f"{self.poll_id}#{self.step}".encode()).hexdigest()
