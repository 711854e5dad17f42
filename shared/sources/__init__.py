"""The registry of upstream sources, by the name used in queue messages and on the command line.

A source's module is imported the first time it is needed: a processor batch of written questions does not pay for
building the other sources' models at cold start.
"""

from __future__ import annotations

import importlib
from functools import cache

from shared.sources.base import Source

SOURCE_CLASSES: dict[str, str] = {
    "written-questions": "shared.sources.written_questions:WrittenQuestionsSource",
    "written-statements": "shared.sources.written_statements:WrittenStatementsSource",
    "govuk-publications": "shared.sources.govuk_publications:GovukPublicationsSource",
    "deposited-papers": "shared.sources.deposited_papers:DepositedPapersSource",
    "whatson-events": "shared.sources.whatson_events:WhatsOnEventsSource",
    # issue #15: committee publications and oral questions
    "committee-publications": "shared.sources.committee_publications:CommitteePublicationsSource",
    "oral-questions": "shared.sources.oral_questions:OralQuestionsSource",
    "bills": "shared.sources.bills:BillsSource",
    "statutory-instruments": "shared.sources.statutory_instruments:StatutoryInstrumentsSource",
}
SOURCE_NAMES: tuple[str, ...] = tuple(SOURCE_CLASSES)


class UnknownSourceError(KeyError):
    pass


@cache
def get_source(name: str) -> Source:
    try:
        module_name, _, class_name = SOURCE_CLASSES[name].partition(":")
    except KeyError:
        raise UnknownSourceError(f"unknown source {name!r}; known: {', '.join(SOURCE_NAMES)}") from None
    source: Source = getattr(importlib.import_module(module_name), class_name)()
    if source.name != name:
        raise RuntimeError(f"{SOURCE_CLASSES[name]} is named {source.name!r}, registered as {name!r}")
    return source


def select_sources(names: tuple[str, ...] | list[str] | None) -> list[Source]:
    wanted = [n for n in (names or ()) if n]
    if not wanted or "all" in wanted:
        return [get_source(name) for name in SOURCE_NAMES]
    return [get_source(name) for name in dict.fromkeys(wanted)]
