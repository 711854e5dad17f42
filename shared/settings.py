"""Each function's configuration: a frozen model read from the environment by one cached factory.

This module is the only code that reads the environment (Powertools reads its own POWERTOOLS_* variables).
"""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, Field, Json, field_validator

from shared.container import per_container
from shared.domain.raw_record import Delivery


class _Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> _Settings:
        source = os.environ if environ is None else environ
        return cls.model_validate({name: value for name, value in source.items() if name in cls.model_fields})


def _split_list(value: object) -> object:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


class FetcherSettings(_Settings):
    RAW_RECORDS_QUEUE_URL: str
    STATE_TABLE_NAME: str
    POLL_QUEUE_URL: str = ""
    """The FIFO poll queue: one message per poll of one source (empty: every source polled in this invocation)."""
    DEPARTMENTS: tuple[str, ...] = ("all",)
    SOURCES: tuple[str, ...] = ("all",)
    OVERLAP_DAYS: int = Field(default=3, ge=0, le=60)
    """How far back each poll re-reads before the watermark: the Parliament APIs lag the website by up to a day."""
    BACKFILL_DAYS: int = Field(default=3, ge=0, le=3650)
    """How far back the very first poll of a source reads."""
    DETAIL_RECHECK_MINUTES: int = Field(default=60, ge=0)
    """How often a record whose listed form has not changed has its detail (full text) read again anyway."""
    UPSTREAM_REQUESTS_PER_SECOND: float = Field(default=5.0, ge=0)
    """The politeness limit: requests per second to each upstream host, whatever the poll (list pages, details,
    retries). 0: not paced, for the local replay of recorded responses only."""
    DETAIL_RECHECK_BUDGET: int = Field(default=100, ge=0)
    """At most this many details read again for their recheck alone per poll (the rest stay due for the next)."""
    SWEEP_HOUR: int = Field(default=6, ge=0, le=23)
    """The London hour from which a day's first scheduled poll also runs its source's sweep (written questions)."""
    SWEEP_DAYS: int = Field(default=60, ge=0, le=366)
    """How far back the daily sweep reaches (records dated this many days before the poll); 0: no sweep."""
    FIRST_POLL_DELIVERY: Delivery = Delivery.QUIET
    """A source's first poll (no watermark: a new deployment's backfill): stored, by default notified to nobody."""
    CATCH_UP_AFTER_HOURS: float = Field(default=72, gt=0)
    """A poll whose watermark is older than this is catching up after an outage, and delivers as CATCH_UP_DELIVERY."""
    CATCH_UP_DELIVERY: Delivery = Delivery.NOTIFY
    UPSTREAM_OVERRIDES: Json[dict[str, str]] = Field(default_factory=dict)
    """JSON {"https://host": "base URL"}: read an upstream from a mirror instead (the offline demo's local replay)."""

    _split = field_validator("DEPARTMENTS", "SOURCES", mode="before")(_split_list)


class ProcessorSettings(_Settings):
    ITEMS_TABLE_NAME: str
    DEAD_LETTER_QUEUE_URL: str


class NotifierSettings(_Settings):
    STATE_TABLE_NAME: str
    TOPIC_ARN_PREFIX: str
    """Topic ARNs are this prefix plus the department slug: `arn:aws:sns:<region>:<account>:<stack>-`."""
    FAILURE_QUEUE_URL: str
    """Where a stream record that can never be notified goes at once, with its reason (also the stream mapping's
    OnFailure destination)."""
    READ_TABLE_NAME: str = ""
    """The read side's table (timelines and versions) the notifier writes after publishing; empty: none."""


class ReadApiSettings(_Settings):
    READ_TABLE_NAME: str
    STATE_TABLE_NAME: str
    """The saved watches (`watch#<name>`), for their pages: read, nothing else of that table."""


class DigesterSettings(_Settings):
    STATE_TABLE_NAME: str
    """The saved watches, what they matched, and the publish ledger."""
    ITEMS_TABLE_NAME: str
    TOPIC_ARN_PREFIX: str


@per_container
def fetcher_settings() -> FetcherSettings:
    return FetcherSettings.from_environ()  # type: ignore[return-value]


@per_container
def processor_settings() -> ProcessorSettings:
    return ProcessorSettings.from_environ()  # type: ignore[return-value]


@per_container
def notifier_settings() -> NotifierSettings:
    return NotifierSettings.from_environ()  # type: ignore[return-value]


@per_container
def digester_settings() -> DigesterSettings:
    return DigesterSettings.from_environ()  # type: ignore[return-value]


def read_api_settings() -> ReadApiSettings:
    return ReadApiSettings.from_environ()  # type: ignore[return-value]
