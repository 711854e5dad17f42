"""The published notification contract, version 1: fields are only ever added, never changed or removed."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from shared.domain.events import Event
from shared.domain.item import Attachment, DepartmentRef, House, Item, Person, Timestamp

NOTIFICATION_SCHEMA: Literal["deptwatch.notification/1"] = "deptwatch.notification/1"

EventField = Annotated[Event, WithJsonSchema({"enum": [e.value for e in Event], "title": "Event", "type": "string"})]
"""The published schema keeps the event's enum inline, as it was before Event was an enum class (same documents)."""

EVENT_DESCRIPTION = "The one event that best names this version (the subject says it): `new` for a first version."
EVENTS_DESCRIPTION = (
    "Every event this version stands for, `event` among them, in the enum's order: a first version already in a"
    ' later state also stands for that state\'s event (["new", "answered"]), and so does a version that skipped a'
    ' state between two polls (["answered", "corrected"]). The `event` message attribute (String.Array) carries this'
    " list. Messages published before this field existed lack it: read it as [event]."
)
TRANSFER_DESCRIPTION = (
    "Where a transferred question came from and went to (null otherwise). The departments it went to are told"
    " `transferred` with it; so is each department it left, once, on its own topic: `item.department` is then"
    " the department left, not among `to_departments`."
)


class NotificationItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    source: str
    kind: str
    category: str | None
    department: DepartmentRef
    """The department whose topic this message was published to."""
    title: str
    url: str
    published_at: Timestamp
    updated_at: Timestamp
    version: int = Field(ge=1)
    house: House | None
    summary: str | None
    body: str | None
    people: tuple[Person, ...]
    attachments: tuple[Attachment, ...] = ()
    departments: tuple[DepartmentRef, ...] = ()
    """Every department the item belongs to (a joint publication reaches each of their topics)."""
    state: str | None = None
    """Where the item is in its lifecycle: tabled, holding-answer, answered, corrected, withdrawn, published, …"""
    details: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Source-specific facts (UIN, dates of answer or correction, start time of an event, …). "
            "`shortened_by_list`, when present, names the texts that are only the source list's shortened form "
            '("summary", "body" or "summary, body"; the full text is at `url`); a later version with the full text '
            "lacks it."
        ),
    )
    """Source-specific facts (UIN, dates of answer or correction, start time of an event, …)."""


class Changes(BaseModel):
    """What changed since the previous version (null for a new item)."""

    model_config = ConfigDict(frozen=True)

    fields: tuple[str, ...]
    """Names of the item fields that changed ("body", "state", "details.starts_at", …)."""
    previous: dict[str, Any] = Field(default_factory=dict)
    """Previous values of the short fields that changed (long texts are summarised instead)."""
    summary: tuple[str, ...] = ()
    """A short word-level summary per changed text, e.g. 'Text: 12 words added, 3 removed; "a" became "b"'."""


class Transfer(BaseModel):
    """A question moved to other departments with this version (its events include `transferred`)."""

    model_config = ConfigDict(frozen=True)

    from_departments: tuple[DepartmentRef, ...]
    """The departments of the previous version."""
    to_departments: tuple[DepartmentRef, ...]
    """The departments now (the item's `departments`). A message whose `item.department` is not among them was
    published to a department the question has left: it is no longer that department's."""

    def left(self, department: DepartmentRef) -> bool:
        return department.slug not in {d.slug for d in self.to_departments}


class Notification(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    schema_: Literal["deptwatch.notification/1"] = Field(default=NOTIFICATION_SCHEMA, alias="schema")
    event: EventField = Field(description=EVENT_DESCRIPTION)
    item: NotificationItem
    changes: Changes | None = None
    events: tuple[EventField, ...] = Field(default_factory=tuple, min_length=1, description=EVENTS_DESCRIPTION)
    transfer: Transfer | None = Field(default=None, description=TRANSFER_DESCRIPTION)

    @model_validator(mode="before")
    @classmethod
    def _events_default_to_event(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("events") and data.get("event") is not None:
            return {**data, "events": (data["event"],)}
        return data

    @model_validator(mode="after")
    def _event_is_one_of_events(self) -> Notification:
        if self.event not in self.events:
            raise ValueError(f"event {self.event!r} is not one of events {list(self.events)}")
        return self

    @classmethod
    def for_department(
        cls,
        item: Item,
        version: int,
        event: Event,
        department: DepartmentRef,
        changes: Changes | None = None,
        events: tuple[Event, ...] = (),
        transfer: Transfer | None = None,
    ) -> Notification:
        return cls(
            event=event,
            events=events,
            changes=changes,
            transfer=transfer,
            item=NotificationItem(
                id=item.id,
                source=item.source,
                kind=item.kind,
                category=item.category,
                department=department,
                title=item.title,
                url=item.url,
                published_at=item.published_at,
                updated_at=item.updated_at,
                version=version,
                house=item.house,
                summary=item.summary,
                body=item.body,
                people=item.people,
                attachments=item.attachments,
                departments=item.departments,
                state=item.state,
                details=item.details,
            ),
        )

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)
