"""The department registry: the one source of truth for routing, topics and upstream filters.

STUB — being completed (all ministerial departments and other answering bodies).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from pydantic import BaseModel, ConfigDict


class Department(BaseModel):
    """A department (or other answering body) that deptwatch can watch."""

    model_config = ConfigDict(frozen=True)

    slug: str
    """Our id: the GOV.UK organisation slug where there is one; also the suffix of the department's SNS topic name."""
    name: str
    answering_body_ids: tuple[int, ...] = ()
    """Parliament answering-body ids, current first, then former ones (machinery-of-government changes)."""
    govuk_slugs: tuple[str, ...] = ()
    """GOV.UK organisation slugs, current first, then former ones. Empty when it has no GOV.UK organisation."""
    aliases: tuple[str, ...] = ()
    """Other names it has been known by (former names, names used by the deposited papers and What's On APIs)."""
    committee_ids: tuple[int, ...] = ()
    """Committees API ids of the departmental select committees that scrutinise it."""
    committee_names: tuple[str, ...] = ()
    """Names of those committees as What's On shows them ("Education Committee")."""


DEPARTMENTS: tuple[Department, ...] = (
    Department(
        slug="department-for-education",
        name="Department for Education",
        answering_body_ids=(60,),
        govuk_slugs=("department-for-education",),
        committee_ids=(203,),
        committee_names=("Education Committee",),
    ),
    Department(
        slug="department-for-environment-food-rural-affairs",
        name="Department for Environment, Food and Rural Affairs",
        answering_body_ids=(13,),
        govuk_slugs=("department-for-environment-food-rural-affairs",),
    ),
)


class UnknownDepartmentError(KeyError):
    """A department slug that is not in the registry."""


@cache
def _by_slug() -> dict[str, Department]:
    return {department.slug: department for department in DEPARTMENTS}


@cache
def _by_answering_body() -> dict[int, Department]:
    return {body_id: d for d in DEPARTMENTS for body_id in d.answering_body_ids}


def by_slug(slug: str) -> Department:
    try:
        return _by_slug()[slug]
    except KeyError:
        raise UnknownDepartmentError(f"unknown department {slug!r}") from None


def by_answering_body(body_id: int) -> Department | None:
    return _by_answering_body().get(body_id)


def select(slugs: Iterable[str] | None) -> tuple[Department, ...]:
    """The departments named by slug, or all of them when `slugs` is None or contains "all"."""
    wanted = [slug for slug in (slugs or ()) if slug]
    if not wanted or "all" in wanted:
        return DEPARTMENTS
    return tuple(by_slug(slug) for slug in dict.fromkeys(wanted))
