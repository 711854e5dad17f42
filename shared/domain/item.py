"""The one normalised item model that every source produces and the table stores."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer, field_validator

from shared.domain.links import https_link
from shared.domain.text import safe_text, single_line

House = Literal["commons", "lords"]
Text = Annotated[str, AfterValidator(safe_text)]
"""Every upstream string in an item: whatever a source forgot to clean, the model cleans (see shared.domain.text)."""
OneLine = Annotated[str, AfterValidator(single_line)]
"""A Text that is printed as one line (a title, a name, a role): any line or paragraph separator becomes a space."""
HttpsLink = Annotated[str, AfterValidator(https_link)]
"""An item's own link (its page, an attachment): https, nothing left unencoded. Which hosts is each source's check
(shared.domain.links.own_link); this is the model's last line."""
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100
"""The years an item's dates may fall in. Outside them a date is an upstream error, and a risk: Europe/London before
1847 is local mean time (offset -00:01:15, which no ISO 8601 parser reads back) and year 9999 overflows when moved to
London time. The notifier must be able to read back and render whatever the processor stores."""
ISO_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}")


def renderable_moment(value: datetime) -> datetime:
    """`value`, if the notifier can store, read back and show it: a year within bounds, an offset of whole minutes."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"{value.isoformat()} is outside the years {EARLIEST_YEAR} to {LATEST_YEAR}")
    offset = value.utcoffset()
    if offset is not None and offset % timedelta(minutes=1):
        raise ValueError(f"{value.isoformat()} has an offset that is not a whole number of minutes")
    return value


def _renderable_detail(key: str, value: str) -> None:
    """A detail written as an ISO date or date-time (the renderers parse those) must be one, within bounds."""
    if not ISO_DATE_PREFIX.match(value):
        return
    try:
        moment = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"details.{key}: {value!r} is not an ISO 8601 date") from None
    if isinstance(moment, datetime):
        renderable_moment(moment)
    elif not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ValueError(f"details.{key}: {value} is outside the years {EARLIEST_YEAR} to {LATEST_YEAR}")


Timestamp = Annotated[
    AwareDatetime, AfterValidator(renderable_moment), PlainSerializer(datetime.isoformat, return_type=str)
]
"""ISO 8601 with an explicit offset ("+00:00" in winter, "+01:00" in summer, never "Z"), within the years above."""
SCHEDULED_START = "starts_at"
"""The `details` key of a scheduled item's start (an event, a sitting): ISO 8601 with its offset, or just the date
while no time is set. Any source of scheduled items sets it; when it moves, the new version is `rescheduled` and its
email says "Was …, now …"."""
PROGRESS_STAGE = "stage"
"""The `details` key of the step an item has reached in a parliamentary procedure (a bill's current stage, a statutory
instrument's latest procedure step), one line with its House and date: when it changes (forwards, or back when
Parliament corrects its record), the new version is `progressed`."""
PUBLISHING_ORGANISATION = "organisation"
"""The `details` key of the body that published an item when that is not the department itself (GOV.UK: an executive
agency such as "driver-and-vehicle-licensing-agency"), a lower-case slug; also the `organisation` message attribute
that subscribers filter on (absent for a department's own items). Its name, where known, is
`details.organisation_name`."""


class DepartmentRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    slug: str
    name: str


class Person(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: OneLine
    """What the person did: asked-by, answered-by, corrected-by, made-by, …"""
    name: OneLine
    party: OneLine | None = None
    constituency: OneLine | None = None
    """For Lords members, the Parliament API puts their peerage type here ("Life peer")."""

    def display(self) -> str:
        """As a department page shows a member: "Navendu Mishra (Labour - Stockport)"."""
        detail = " - ".join(part for part in (self.party, self.constituency) if part)
        return f"{self.name} ({detail})" if detail else self.name


class Attachment(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: OneLine
    url: HttpsLink
    file_type: OneLine | None = None
    size_bytes: int | None = None


class Item(BaseModel):
    """A thing a department did, normalised from any source.

    `state` is the item's place in its source's lifecycle (tabled, holding-answer, answered, corrected, withdrawn,
    published, scheduled, cancelled); events are derived by comparing the states and content of two versions.
    """

    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=r"^[a-z0-9-]+:[A-Za-z0-9._:/-]+$", max_length=300)
    """Stable across versions: "<source>:<upstream id>"."""
    source: str
    kind: str
    category: OneLine | None = None
    departments: tuple[DepartmentRef, ...] = Field(min_length=1)
    title: OneLine = Field(min_length=1)
    url: HttpsLink
    published_at: Timestamp
    updated_at: Timestamp
    house: House | None = None
    state: str
    summary: Text | None = None
    body: Text | None = None
    people: tuple[Person, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    details: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    """Source-specific facts worth keeping (UIN, dates of answer or correction, …)."""

    @field_validator("details")
    @classmethod
    def _clean_details(cls, details: dict[str, str | int | float | bool | None]) -> dict[str, object]:
        for key, value in details.items():
            if isinstance(value, str):
                _renderable_detail(key, value)
        return {key: single_line(value) if isinstance(value, str) else value for key, value in details.items()}

    def content_hash(self) -> str:
        """A digest of the material content: equal for the same record seen again, whatever the fetch path.

        Whitespace is ignored so that the list endpoint's flattened text and the detail endpoint's paragraphs of the
        same answer do not count as a change.
        """
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        # JSON escapes the whitespace inside strings: drop those escapes, then every other whitespace character.
        canonical = "".join(canonical.replace("\\n", " ").replace("\\t", " ").replace("\\r", " ").split())
        return hashlib.sha256(canonical.encode()).hexdigest()
