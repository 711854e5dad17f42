"""The SQS message contract between the fetcher (and `deptwatch ingest`) and the processor."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

RAW_RECORD_SCHEMA = "deptwatch.raw/1"


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

    def to_body(self) -> str:
        return self.model_dump_json(by_alias=True, exclude_none=True)
