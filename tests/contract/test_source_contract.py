"""The contract every source passes against its fake (infra/local/replay/), as Singer's standard tap tests do.

Each check is a function of a case and a source, run on every registered source; the last tests run the same checks
on sources that skip a step of ARCHITECTURE.md's recipe, and expect them to fail.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

import shared.sources
from infra.local.replay import RecordedApi, apis_by_host
from shared.adapters.http import UpstreamClient
from shared.domain.departments import DEPARTMENTS, Department, by_slug
from shared.domain.raw_record import RawRecordMessage
from shared.domain.timeutil import LONDON
from shared.sources import SOURCE_CLASSES, SOURCE_NAMES, get_source
from shared.sources.base import ListRequest, Paginator, PoisonRecordError, RecordReader, Source
from shared.sources.incremental import FetchedRecord
from shared.sources.written_questions import WrittenQuestionsSource
from tests.contract.cases import CASES, SourceCase

FETCHED_AT = datetime(2026, 11, 30, tzinfo=UTC)


def fetch(
    case: SourceCase,
    api: RecordedApi,
    source: Source | None = None,
    departments: Sequence[Department] = DEPARTMENTS,
    since: datetime | None = None,
    until: datetime | None = None,
    known: Any = None,
) -> list[FetchedRecord]:
    client = UpstreamClient(transport=api.transport(), sleep=lambda _: None)
    source = source or get_source(case.source)
    return list(source.fetch(client, departments, since or case.since, until or case.until, known))


def keys(source: Source, fetched: Sequence[FetchedRecord]) -> list[str]:
    return [source.record_key(record.listed or record.record) for record in fetched]


def parse(source: Source, fetched: FetchedRecord) -> Any:
    message = RawRecordMessage(
        source=source.name, record=fetched.record, department=fetched.department, fetched_at=FETCHED_AT
    )
    return source.parse(message)


# --- The checks ---------------------------------------------------------------------------------------------------


def check_pages_to_exhaustion(case: SourceCase, source: Source) -> None:
    """Pages of one record each give every record that one large page gives, in as many requests as it takes."""
    whole = keys(source, fetch(case, case.fake(page_cap=None), source))
    paged_api = case.fake(page_cap=1)
    paged = keys(source, fetch(case, paged_api, source))
    assert len(whole) > 1, "the recordings must hold several records for paging to mean anything"
    assert sorted(paged) == sorted(whole), "pages of one record lost or added records"
    if case.pages:
        assert len(paged_api.list_requests()) > len(whole) // 3, "one-record pages were not followed"


def check_asked_department_filter(case: SourceCase, source: Source) -> None:
    """Only the records of the departments asked for come back, even from an API that ignores its filter."""
    department = by_slug(case.department)
    everyone = keys(source, fetch(case, case.fake(), source))
    honest = fetch(case, case.fake(), source, [department])
    broken = fetch(case, case.fake(honour_filters=False), source, [department])
    assert honest, f"the recordings hold no record of {case.department}"
    assert len(everyone) > len(honest), "the recordings must hold other departments' records too"
    assert set(keys(source, broken)) <= set(keys(source, honest)), "another department's records came back"
    if not case.attributed_by_query:
        # Records that name their department are all still found: only the others are dropped.
        assert sorted(keys(source, broken)) == sorted(keys(source, honest)), "the department's own records were lost"
    for fetched in broken:
        item = parse(source, fetched)
        assert case.department in {ref.slug for ref in item.departments}, item.id


def check_each_record_once(case: SourceCase, source: Source) -> None:
    """A record listed several times (pages that shift while read) comes back once."""
    once = keys(source, fetch(case, case.fake(), source))
    repeated = keys(source, fetch(case, case.fake(repeat=3), source))
    assert len(repeated) == len(set(repeated)), "a record came back more than once"
    assert sorted(repeated) == sorted(once)


def check_window_edges(case: SourceCase, source: Source) -> None:
    """A window of one day gets every record of that day (none lost at the edges) and nothing from well outside it;
    a window after every record gets nothing."""
    api = case.fake()
    everything = fetch(case, api, source)
    recorded_days = sorted({day for fetched in everything for day in case.days(fetched.listed or fetched.record)})
    assert recorded_days, "the recordings carry no dates the window can be checked against"
    for day in (recorded_days[0], recorded_days[-1]):
        since = datetime.combine(day, time(0, 0), LONDON)
        until = datetime.combine(day, time(23, 59), LONDON)
        window = fetch(case, case.fake(), source, since=since, until=until)
        first, last = day - case.lookbehind, day + case.lookahead
        expected = {
            source.record_key(f.listed or f.record)
            for f in everything
            if any(day <= d <= day + case.lookahead for d in case.days(f.listed or f.record))
        }
        got = set(keys(source, window))
        assert expected <= got, f"records of {day} missed: {sorted(expected - got)}"
        for fetched in window:
            days = case.days(fetched.listed or fetched.record)
            assert any(first <= d <= last for d in days), f"{source.record_key(fetched.record)} is outside {day}"
    after = recorded_days[-1] + case.lookahead + timedelta(days=400)
    late = datetime.combine(after, time(9), LONDON)
    assert fetch(case, case.fake(), source, since=late, until=late + timedelta(hours=1)) == []


def check_detail_completion(case: SourceCase, source: Source) -> None:
    """A record the list cuts comes back completed from its detail endpoint; a known one costs no detail request."""
    if not source.has_detail:
        return
    api = case.fake()
    fetched = fetch(case, api, source)
    cut = [f for f in fetched if f.listed is not None and source.detail_url(f.listed)]
    assert cut, "the fake lists no record cut short: nothing shows that details are read"
    asked = {str(detail_id) for detail_id in api.detail_ids()}
    for record in cut:
        assert record.listed is not None
        key = source.record_key(record.listed)
        assert key in asked, f"the detail of {key} was not read"
        assert record.origin == source.detail_url(record.listed), f"{key} is not the detail's record"
    assert all(f.listed is not None for f in fetched), "a source with details marks every record as listed"
    known_api = case.fake()
    known = fetch(case, known_api, source, known=lambda record: True)
    assert known_api.detail_requests() == [], "a record the fetcher knows needs no detail request"
    assert all(f.known for f in known)


def check_bad_record_fails_alone(case: SourceCase, source: Source) -> None:
    """A record that can never be an item is passed on for the processor to refuse with a reason; the rest parse."""
    good = fetch(case, case.fake(), source)
    with_bad = fetch(case, case.fake(extra=[case.bad_record]), source)
    bad_key = source.record_key(case.bad_record)
    assert bad_key in keys(source, with_bad), "the bad record was not passed on (the processor reports it)"
    assert set(keys(source, good)) <= set(keys(source, with_bad)), "a bad record stopped the others"
    for fetched in with_bad:
        if source.record_key(fetched.record) == bad_key:
            with pytest.raises(PoisonRecordError):
                parse(source, fetched)
        else:
            parse(source, fetched)


CHECKS = (
    check_pages_to_exhaustion,
    check_asked_department_filter,
    check_each_record_once,
    check_window_edges,
    check_detail_completion,
    check_bad_record_fails_alone,
)


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__.removeprefix("check_"))
@pytest.mark.parametrize("name", SOURCE_NAMES)
def test_every_source_keeps_the_contract(name: str, check: Any) -> None:
    # GIVEN a registered source and its case (its fake over its recordings)
    assert name in CASES, f"source {name} has no case in tests/contract/cases.py"
    # WHEN the check runs it against its fake / THEN it holds
    check(CASES[name], get_source(name))


# --- The recipe: a source is registered, has a case and a fake -----------------------------------------------------


def _source_classes() -> list[type[Source]]:
    found = []
    for module in pkgutil.iter_modules(shared.sources.__path__):
        loaded = importlib.import_module(f"shared.sources.{module.name}")
        found += [
            value
            for value in vars(loaded).values()
            if inspect.isclass(value)
            and issubclass(value, Source)
            and not inspect.isabstract(value)
            and value.__module__ == loaded.__name__
        ]
    return found


def test_every_source_class_is_registered_and_has_a_case() -> None:
    # GIVEN every concrete Source subclass in shared/sources/
    classes = _source_classes()
    # THEN each is in the registry under its name, and has a contract case
    registered = {f"{cls.__module__}:{cls.__name__}" for cls in classes}
    assert registered == set(SOURCE_CLASSES.values())
    assert set(CASES) == set(SOURCE_NAMES)


@pytest.mark.parametrize("name", SOURCE_NAMES)
def test_every_source_s_hosts_are_served_by_its_fake_in_the_demo(name: str) -> None:
    # GIVEN the fakes the demo serves, by host
    served = apis_by_host()
    # WHEN the source polls its case's fake
    api = CASES[name].fake()
    fetch(CASES[name], api)
    # THEN every host it asked is one the demo serves (the offline demo reaches every source)
    hosts = {request.url.host for request in api.requests}
    assert hosts and hosts <= set(served)


# --- A source that skips a step of the recipe fails the contract ----------------------------------------------------


class _FirstPageOnly(Paginator):
    """A pager that forgets to follow the pages."""

    def __init__(self, inner: Paginator) -> None:
        self._inner = inner

    def pages(self, http: UpstreamClient, request: ListRequest, read: RecordReader) -> Any:
        yield next(iter(self._inner.pages(http, request, read)))


class _NoFilter(WrittenQuestionsSource):
    def asked(self, departments: Sequence[Department]) -> Any:
        return lambda record: True


class _NoPaging(WrittenQuestionsSource):
    paginator = _FirstPageOnly(WrittenQuestionsSource.paginator)


class _NoDetail(WrittenQuestionsSource):
    def detail_url(self, record: dict[str, Any]) -> str | None:
        return None


class _LeaksListedOrder(WrittenQuestionsSource):
    """Asks only for the first of its three date windows: answers of older questions go missing."""

    def list_requests(self, departments: Sequence[Department], since: datetime, until: datetime) -> Any:
        return list(super().list_requests(departments, since, until))[:1]


@pytest.mark.parametrize(
    ("broken", "check"),
    [
        (_NoFilter(), check_asked_department_filter),
        (_NoPaging(), check_pages_to_exhaustion),
        (_NoDetail(), check_detail_completion),
        (_LeaksListedOrder(), check_window_edges),
    ],
    ids=["no asked-department filter", "no paging", "no detail completion", "a date field not asked"],
)
def test_a_source_that_skips_a_step_fails_the_contract(broken: Source, check: Any) -> None:
    # GIVEN the written-questions source with one step of the recipe skipped
    case = CASES["written-questions"]
    # WHEN the contract check of that step runs on it / THEN it fails
    with pytest.raises(AssertionError):
        check(case, broken)


def test_the_window_check_reads_the_listed_days_of_a_record() -> None:
    # GIVEN a What's On event over two days
    days = CASES["whatson-events"].days({"StartDate": "2024-04-23T00:00:00", "EndDate": "2024-04-24T00:00:00"})
    # THEN both days place it in a window
    assert days == {date(2024, 4, 23), date(2024, 4, 24)}
