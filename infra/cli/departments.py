"""`deptwatch departments`: the department registry (shared.domain.departments), offline, as a table or as JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from shared.domain.departments import DEPARTMENTS, Department

ACRONYM_MAX_LETTERS = 5
"""The registry's aliases mix acronyms and other names; a one-word alias this short is shown as an acronym (DfE,
Defra, DESNZ), anything longer as another name ("Treasury", former names)."""


SLUG_COLUMN = 52
"""Wide enough for all but the longest slugs."""


def acronyms(department: Department) -> list[str]:
    return [alias for alias in department.aliases if _is_acronym(alias)]


def other_names(department: Department) -> list[str]:
    return [alias for alias in department.aliases if not _is_acronym(alias)]


def _is_acronym(alias: str) -> bool:
    return alias.isalpha() and len(alias) <= ACRONYM_MAX_LETTERS


def as_json(department: Department) -> dict[str, Any]:
    return {
        "slug": department.slug,
        "name": department.name,
        "acronyms": acronyms(department),
        "other_names": other_names(department),
        "answering_body_ids": list(department.answering_body_ids),
        "govuk_slugs": list(department.govuk_slugs),
    }


def departments_json(departments: Iterable[Department] = DEPARTMENTS) -> str:
    return json.dumps([as_json(department) for department in departments], indent=2, ensure_ascii=False)


def departments_table(departments: Iterable[Department] = DEPARTMENTS) -> str:
    """One row per department: its slug, its answering-body ids and its name with its acronyms; other names and GOV.UK
    slugs, which are long, on indented lines below. Ids and GOV.UK slugs are current first, then former ones. A slug
    wider than the column (a few are 60-70 characters) takes a line of its own, as argparse's help does."""
    header = ("SLUG", "ANSWERING BODIES", "NAME (ACRONYMS)")
    rows = [
        (
            department.slug,
            ", ".join(str(i) for i in department.answering_body_ids) or "-",
            department.name + (f" ({', '.join(found)})" if (found := acronyms(department)) else ""),
            department,
        )
        for department in departments
    ]
    slug_width = min(SLUG_COLUMN, max(len(row[0]) for row in rows))
    bodies_width = max(len(header[1]), *(len(row[1]) for row in rows))

    def line(slug: str, bodies: str, name: str) -> str:
        return f"{slug:<{slug_width}}  {bodies:<{bodies_width}}  {name}".rstrip()

    lines = [line(*header)]
    detail = " " * 4
    for slug, bodies, name, department in rows:
        if len(slug) > slug_width:
            lines += [slug, line("", bodies, name)]
        else:
            lines.append(line(slug, bodies, name))
        if names := other_names(department):
            lines.append(f"{detail}also known as: {'; '.join(names)}")
        if department.govuk_slugs:
            lines.append(f"{detail}GOV.UK: {', '.join(department.govuk_slugs)}")
    return "\n".join(lines) + "\n"
