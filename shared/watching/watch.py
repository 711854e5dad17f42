"""A watch: a named, saved selection of notifications (a query and filters), delivered at once or as a digest."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from shared.domain.events import Event
from shared.domain.item import PUBLISHING_ORGANISATION
from shared.domain.kinds import Kind
from shared.domain.notification import Notification
from shared.watching.query import Query, QuerySyntaxError, SearchText, parse_query

WATCH_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$")
WATCH_NAME_LENGTH = 100
"""A watch's topic is "<stack>-watch-<name>", and SNS topic names are at most 256 characters: CloudFormation stack
names are at most 128, so 100 leaves room for the longest stack."""
WATCH_TOPIC_INFIX = "watch-"
"""A watch's topic ARN is the notifier's TOPIC_ARN_PREFIX ("…:<stack>-") + "watch-" + its name."""
HOUSES = ("commons", "lords")


class Frequency(StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"


def _lower(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value.strip().lower() for value in values if value.strip()))


Values = Annotated[tuple[str, ...], AfterValidator(_lower)]


def _unknown(values: tuple[str, ...], known: Sequence[str], what: str) -> str | None:
    """What is wrong with the values not in `known`, with the nearest known value of each when one is close."""
    unknown = [value for value in values if value not in known]
    if not unknown:
        return None
    near = {value: str(close[0]) for value in unknown if (close := difflib.get_close_matches(value, known, n=1))}
    hint = "; ".join(f"did you mean {suggestion!r} for {value!r}?" for value, suggestion in near.items())
    return f"unknown {what} {', '.join(map(repr, unknown))}" + (f" ({hint})" if hint else "")


def _known(values: tuple[str, ...], known: tuple[str, ...], what: str) -> tuple[str, ...]:
    if problem := _unknown(values, known, what):
        raise ValueError(f"{problem}; known: {', '.join(known)}")
    return values


def problems(error: ValidationError) -> str:
    """A refused watch's problems on one line: "field: why; field: why"."""
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'watch'}: {e['msg'].removeprefix('Value error, ')}" for e in error.errors()
    )


def watch_topic_name(stack_name: str, watch_name: str) -> str:
    return f"{stack_name}-{WATCH_TOPIC_INFIX}{watch_name}"


class Watch(BaseModel):
    """Which notifications a watch selects. Every filter given must hold (an empty one selects all); within a filter
    any value will do. Then the query, if any, must match the item's title, summary, body, attachment titles or
    people's names."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(max_length=WATCH_NAME_LENGTH)
    query: str | None = None
    departments: Values = ()
    """Department slugs; none means every department."""
    sources: Values = ()
    kinds: Values = ()
    events: Values = ()
    houses: Values = ()
    categories: Values = ()
    """As the `category` attribute carries them, lower-case (GOV.UK's "guidance", deposited papers' "statistics")."""
    organisations: Values = ()
    """GOV.UK publishing organisations (agencies), as the `organisation` attribute carries them."""
    frequency: Frequency = Frequency.IMMEDIATE

    @field_validator("name")
    @classmethod
    def _slug_like(cls, name: str) -> str:
        if not WATCH_NAME.match(name):
            raise ValueError(
                "a watch name is lower-case letters, digits, hyphens and underscores, starting and ending with a "
                f"letter or digit (it names an SNS topic): {name!r}"
            )
        return name

    @field_validator("query")
    @classmethod
    def _readable(cls, query: str | None) -> str | None:
        if query is None:
            return None
        try:
            parse_query(query)
        except QuerySyntaxError as error:
            raise ValueError(f"query {query!r}: {error}") from None
        return query

    @field_validator("departments")
    @classmethod
    def _known_departments(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        from shared.domain.departments import DEPARTMENTS

        if problem := _unknown(values, [department.slug for department in DEPARTMENTS], "department"):
            raise ValueError(f"{problem} (see `deptwatch departments`)")
        return values

    @field_validator("sources")
    @classmethod
    def _known_sources(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        from shared.sources import SOURCE_NAMES

        return _known(values, SOURCE_NAMES, "source")

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return _known(values, tuple(Kind), "kind")

    @field_validator("events")
    @classmethod
    def _known_events(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return _known(values, tuple(Event), "event")

    @field_validator("houses")
    @classmethod
    def _known_houses(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return _known(values, HOUSES, "house")

    @cached_property
    def parsed_query(self) -> Query | None:
        return parse_query(self.query) if self.query is not None else None

    def topic_arn(self, topic_arn_prefix: str) -> str:
        return f"{topic_arn_prefix}{WATCH_TOPIC_INFIX}{self.name}"

    def selects(self, notification: Notification) -> bool:
        """Whether the filters hold for this notification (its item, and any of the events it stands for)."""
        item = notification.item
        organisation = item.details.get(PUBLISHING_ORGANISATION)
        checks: list[tuple[tuple[str, ...], set[str]]] = [
            (self.departments, {d.slug for d in item.departments} | {item.department.slug}),
            (self.sources, {item.source}),
            (self.kinds, {item.kind}),
            (self.events, {event.value for event in notification.events}),
            (self.houses, {item.house} if item.house else set()),
            (self.categories, {item.category.lower()} if item.category else set()),
            (self.organisations, {organisation.lower()} if isinstance(organisation, str) else set()),
        ]
        return all(not wanted or not set(wanted).isdisjoint(present) for wanted, present in checks)

    def matches(self, notification: Notification, text: SearchText | None = None) -> bool:
        """The filters, then the query. `text`: the item's words when the caller has them (one list for all
        watches); computed here otherwise."""
        if not self.selects(notification):
            return False
        query = self.parsed_query
        if query is None:
            return True
        return query.matches(text if text is not None else SearchText.of(notification.item))

    def stored(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
