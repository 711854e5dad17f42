"""The watch index: it narrows the watches to ask, and never loses a match (checked on random queries and items)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.domain.departments import by_slug
from shared.domain.events import Event
from shared.domain.notification import Notification
from shared.watching.index import Anchor, WatchIndex, anchors_of
from shared.watching.query import SearchText, parse_query
from shared.watching.watch import Watch

VOCABULARY = (
    "port", "stockport", "health", "care", "plan", "apprentice", "apprenticeship", "école", "ecole", "raac",
    "school", "schools", "the", "and", "a", "co", "operation", "2024",
)  # fmt: skip
DEPARTMENTS = ("department-for-education", "hm-treasury", "home-office")


def _with_text(notification: Notification, **item: Any) -> Notification:
    return notification.model_copy(update={"item": notification.item.model_copy(update=item)})


def names(watches: list[Watch]) -> list[str]:
    return [watch.name for watch in watches]


# -- anchors ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "anchors"),
    [
        ("raac", {Anchor("raac")}),
        ('"the health plan"', {Anchor("health")}),  # a phrase: its least common-looking word
        ("apprentice*", {Anchor("apprentice", prefix=True)}),
        ("school-apprentice*", {Anchor("school")}),  # the words "school apprentice…": a whole word beats a prefix
        ('"degree apprentice*"', {Anchor("apprentice")}),  # in quotes "*" is punctuation: a phrase
        ("the AND raac", {Anchor("raac")}),  # AND: the rarest-looking part
        ("raac OR apprentice*", {Anchor("raac"), Anchor("apprentice", prefix=True)}),  # OR: every part
        ("school -raac", {Anchor("school")}),  # an exclusion beside a term: the term
        ("(raac OR -school) AND plan", {Anchor("plan")}),
        ("-raac", None),  # only an exclusion: no word is required
        ("raac OR -school", None),
        ("NOT (raac AND school)", None),
    ],
)
def test_anchors_are_words_one_of_which_a_match_needs(query: str, anchors: set[Anchor] | None) -> None:
    found = anchors_of(parse_query(query).root)
    assert found == (frozenset(anchors) if anchors is not None else None)


def test_only_watches_anchored_on_the_items_words_or_unanchored_are_asked(notification: Notification) -> None:
    # GIVEN watches on words, a prefix, a phrase, an exclusion and filters alone
    education, treasury = by_slug("department-for-education"), by_slug("hm-treasury")
    item = _with_text(
        notification, title="Apprenticeships in schools", summary=None, body="Funding.", attachments=(), people=(),
        department=education, departments=(education,),
    )  # fmt: skip
    index = WatchIndex(
        [
            Watch(name="raac", query="raac"),
            Watch(name="apprentice", query="apprentice*"),
            Watch(name="phrase", query='"school funding"'),
            Watch(name="not-raac", query="-raac"),
            Watch(name="treasury", departments=("hm-treasury",)),
            Watch(name="education", departments=(education.slug,)),
            Watch(name="everything"),
            Watch(name="treasury-excluding", query="-raac", departments=(treasury.slug,)),
        ]
    )
    text = SearchText.of(item.item)
    # THEN the candidates leave out what cannot match (no "raac", another department); the phrase's anchor
    # ("funding") is there, so it is asked, and does not match ("school" is not)
    assert names(index.candidates(item, text)) == ["apprentice", "phrase", "not-raac", "education", "everything"]
    assert names(index.matching(item, text)) == ["apprentice", "not-raac", "education", "everything"]
    assert len(index) == 8 and names(list(index)) == names(list(index.watches))


def test_matching_reports_every_frequency(notification: Notification) -> None:
    index = WatchIndex(
        [Watch(name="now"), Watch(name="daily", frequency="daily"), Watch(name="weekly", frequency="weekly")]
    )
    assert names(index.matching(notification, SearchText.of(notification.item))) == ["now", "daily", "weekly"]


# -- never a lost match -------------------------------------------------------------------------------------------

leaf = st.one_of(
    st.sampled_from(VOCABULARY),
    st.lists(st.sampled_from(VOCABULARY), min_size=2, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"'),
    st.sampled_from(VOCABULARY).flatmap(lambda w: st.integers(1, len(w)).map(lambda n: w[:n] + "*")),
    st.lists(st.sampled_from(VOCABULARY), min_size=2, max_size=2).map(lambda ws: f'"{ws[0]} {ws[1][:2]}*"'),
)


def _combined(parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(parts, parts).map(lambda p: f"({p[0]} AND {p[1]})"),
        st.tuples(parts, parts).map(lambda p: f"({p[0]} {p[1]})"),
        st.tuples(parts, parts).map(lambda p: f"({p[0]} OR {p[1]})"),
        parts.map(lambda p: f"-{p}"),
        parts.map(lambda p: f"NOT {p}"),
    )


queries = st.recursive(leaf, _combined, max_leaves=6)
watches = st.lists(
    st.builds(
        lambda query, departments, kinds, frequency: (query, departments, kinds, frequency),
        st.none() | queries,
        st.lists(st.sampled_from(DEPARTMENTS), max_size=2),
        st.lists(st.sampled_from(("written-question", "publication")), max_size=1),
        st.sampled_from(("immediate", "daily")),
    ),
    min_size=1,
    max_size=8,
)
texts = st.lists(st.sampled_from(VOCABULARY), max_size=8).flatmap(
    lambda ws: st.lists(st.sampled_from((" ", ", ", "-", ". ", '"')), min_size=len(ws), max_size=len(ws)).map(
        lambda seps: "".join(w + s for w, s in zip(ws, seps, strict=True))
    )
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    specs=watches,
    title=texts,
    body=texts,
    departments=st.lists(st.sampled_from(DEPARTMENTS), min_size=1, max_size=2, unique=True),
)
def test_the_index_never_loses_a_match(
    notification: Notification, specs: list[tuple[Any, ...]], title: str, body: str, departments: list[str]
) -> None:
    # GIVEN random watches and a random item version
    watch_list = [
        Watch(name=f"w{n}", query=query, departments=tuple(wanted), kinds=tuple(kinds), frequency=frequency)
        for n, (query, wanted, kinds, frequency) in enumerate(specs)
    ]
    in_departments = tuple(by_slug(slug) for slug in departments)
    version = _with_text(
        notification, title=title or "x", body=body, summary=None, department=in_departments[0],
        departments=in_departments,
    )  # fmt: skip
    version = version.model_copy(update={"events": (Event.NEW,)})
    text = SearchText.of(version.item)
    # WHEN the index is asked
    index = WatchIndex(watch_list)
    exact = [watch for watch in watch_list if watch.matches(version, text)]
    # THEN its candidates hold every watch that matches, and its answer is the plain loop's
    assert set(names(exact)) <= set(names(index.candidates(version, text)))
    assert index.matching(version, text) == exact
