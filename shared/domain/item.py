"""The one normalised item model that every source produces and the table stores."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
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
Timestamp = Annotated[AwareDatetime, PlainSerializer(datetime.isoformat, return_type=str)]
"""ISO 8601 with an explicit offset ("+00:00" in winter, "+01:00" in summer, never "Z")."""
SCHEDULED_START = "starts_at"
"""The `details` key of a scheduled item's start (an event, a sitting): ISO 8601 with its offset, or just the date
while no time is set. Any source of scheduled items sets it; when it moves, the new version is `rescheduled` and its
email says "Was …, now …"."""
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
