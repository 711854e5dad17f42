"""The registry of upstream sources, by the name used in queue messages and on the command line."""

from __future__ import annotations

from shared.sources.base import Source
from shared.sources.deposited_papers import DepositedPapersSource
from shared.sources.govuk_publications import GovukPublicationsSource
from shared.sources.whatson_events import WhatsOnEventsSource
from shared.sources.written_questions import WrittenQuestionsSource
from shared.sources.written_statements import WrittenStatementsSource

SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        WrittenQuestionsSource(),
        WrittenStatementsSource(),
        GovukPublicationsSource(),
        DepositedPapersSource(),
        WhatsOnEventsSource(),
    )
}


class UnknownSourceError(KeyError):
    pass


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise UnknownSourceError(f"unknown source {name!r}; known: {', '.join(SOURCES)}") from None


def select_sources(names: tuple[str, ...] | list[str] | None) -> list[Source]:
    wanted = [n for n in (names or ()) if n]
    if not wanted or "all" in wanted:
        return list(SOURCES.values())
    return [get_source(name) for name in dict.fromkeys(wanted)]
