"""What the `deptwatch` flags accept. Each value is checked against its known set as the arguments are read (argparse
`type=`), so a misspelt one is refused in one line naming the flag and what is accepted, with the near miss, before
anything touches AWS.

Departments are accepted by slug, GOV.UK slug, name, acronym or former name (`dfe`, `dhsc`, `beis` → its successor):
the registry's names and aliases (shared/domain/departments.py), resolved to the slug the topics are named by.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import re
from collections.abc import Callable, Iterable
from datetime import date
from functools import cache

from shared.domain.departments import DEPARTMENTS, Department, by_govuk_slug, by_name, normalise_name

DEPARTMENTS_HINT = "see `deptwatch departments`"


def did_you_mean(given: str, known: Iterable[str]) -> str:
    """ " (did you mean 'x'?)" for the closest known value, or "" when none is close."""
    close = difflib.get_close_matches(given.strip().lower(), [k.lower() for k in known], n=1, cutoff=0.6)
    if not close:
        return ""
    originals = {k.lower(): k for k in known}
    return f" (did you mean {originals[close[0]]!r}?)"


def one_of(what: str, known: Iterable[str]) -> Callable[[str], str]:
    """A flag whose value is one of a closed set (lower-cased, as our message attributes carry them)."""
    values = tuple(str(value) for value in known)

    def parse(text: str) -> str:
        value = text.strip().lower()
        if value in values:
            return value
        raise argparse.ArgumentTypeError(
            f"unknown {what} {text!r}{did_you_mean(text, values)}; one of: {', '.join(values)}"
        )

    parse.__name__ = what
    return parse


@cache
def _department_names() -> dict[str, Department]:
    """Every name a department is known by, lower-cased: slug, GOV.UK slugs, name, aliases."""
    names: dict[str, Department] = {}
    for department in DEPARTMENTS:
        for name in (department.slug, *department.govuk_slugs, department.name, *department.aliases):
            names.setdefault(name.lower(), department)
    return names


def resolve_department(text: str) -> Department:
    """The department a user means: by slug, GOV.UK slug (current or former), name, acronym or former name."""
    given = text.strip()
    names = _department_names()
    found = names.get(given.lower()) or by_govuk_slug(given) or by_name(given)
    if found is not None:
        return found
    suggestion = did_you_mean(given, names)
    if suggestion:  # name the slug the near miss stands for, not only the alias
        near = names[suggestion.split("'")[1].lower()]
        suggestion = f" (did you mean {near.slug!r}, {near.name}?)"
    raise argparse.ArgumentTypeError(f"unknown department {text!r}{suggestion}; {DEPARTMENTS_HINT}")


def department(text: str) -> str:
    """A department flag's value: the department's slug."""
    return resolve_department(text).slug


def departments(text: str) -> str:
    """A comma-separated list of departments (or `all`), as the slugs the stack's `Departments` parameter takes."""
    given = [part for part in (p.strip() for p in text.split(",")) if part]
    if not given:
        raise argparse.ArgumentTypeError(f"no department given; comma-separated slugs or acronyms, {DEPARTMENTS_HINT}")
    if any(normalise_name(part) == "all" for part in given):
        return "all"
    return ",".join(dict.fromkeys(department(part) for part in given))


_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def iso_date(text: str) -> str:
    """A date written YYYY-MM-DD (a British DD/MM/YYYY is refused with its ISO spelling suggested)."""
    try:
        return date.fromisoformat(text.strip()).isoformat() if len(text.strip()) == 10 else _refuse_date(text)
    except ValueError:
        return _refuse_date(text)


def _refuse_date(text: str) -> str:
    hint = ""
    if match := _DAY_MONTH_YEAR.match(text.strip()):
        day, month, year = (int(part) for part in match.groups())
        with contextlib.suppress(ValueError):  # not a real date either way
            hint = f" (did you mean {date(year, month, day).isoformat()!r}?)"
    raise argparse.ArgumentTypeError(f"not a date {text!r}{hint}; a date as YYYY-MM-DD, e.g. 2024-04-17")


def positive_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not seconds > 0 or seconds != seconds or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"not a number of seconds {text!r}; a number above 0, e.g. 300")
    return seconds
