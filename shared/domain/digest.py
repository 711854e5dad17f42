"""The published digest contract, version 1: one message per digest watch per period. Fields are only ever added."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.item import Timestamp
from shared.domain.notification import NotificationItem

DIGEST_SCHEMA: Literal["deptwatch.digest/1"] = "deptwatch.digest/1"


class DigestPeriod(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: Timestamp
    """Exclusive: versions stored after this moment ..."""
    end: Timestamp
    """... up to and including this one."""


class Digest(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    schema_: Literal["deptwatch.digest/1"] = Field(default=DIGEST_SCHEMA, alias="schema")
    watch: str
    """The watch's name: its topic is `<stack>-watch-<name>`."""
    digest: Literal["daily", "weekly"]
    period: DigestPeriod
    total: int = Field(ge=1)
    """How many items matched in the period (each once, in its latest version)."""
    items: tuple[NotificationItem, ...]
    """The items, in the e-mail's order (calendar first), in the shape of a notification's item. Fewer than `total`
    only when the digest had to be shortened to fit one SNS message: then `omitted` says how many are left out."""
    omitted: int = Field(default=0, ge=0)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)
