"""The watch query language: every construct, precedence, whole-word matching, and malformed queries refused with
where and what was expected."""

from __future__ import annotations

import pytest

from shared.watching.query import (
    All,
    AnyOf,
    Not,
    QuerySyntaxError,
    SearchText,
    Term,
    parse_query,
    words,
)


def matches(query: str, *texts: str) -> bool:
    return parse_query(query).matches(SearchText.of_texts(texts))


# -- reading ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("port", Term(("port",))),
        ('"Parliamentary Estate"', Term(("parliamentary", "estate"))),
        ("apprentice*", Term(("apprentice",), prefix=True)),
        ("co-operation", Term(("co", "operation"))),
        ("a AND b", All((Term(("a",)), Term(("b",))))),
        ("a b", All((Term(("a",)), Term(("b",))))),
        ("a OR b", AnyOf((Term(("a",)), Term(("b",))))),
        ("NOT a", Not(Term(("a",)))),
        ("-a", Not(Term(("a",)))),
        ('-"a b"', Not(Term(("a", "b")))),
        ("a -(b OR c)", All((Term(("a",)), Not(AnyOf((Term(("b",)), Term(("c",)))))))),
        # lower-case link words are words
        ("school and college", All((Term(("school",)), Term(("and",)), Term(("college",))))),
    ],
)
def test_each_construct_reads_as_its_tree(query: str, tree: object) -> None:
    # GIVEN a query using one construct / WHEN it is parsed / THEN it is that tree
    assert parse_query(query).root == tree


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        # NOT binds tighter than AND, AND (and juxtaposition) tighter than OR
        ("a OR b AND c", AnyOf((Term(("a",)), All((Term(("b",)), Term(("c",))))))),
        ("a b OR c", AnyOf((All((Term(("a",)), Term(("b",)))), Term(("c",))))),
        ("NOT a AND b", All((Not(Term(("a",))), Term(("b",))))),
        ("NOT a OR b", AnyOf((Not(Term(("a",))), Term(("b",))))),
        ("(a OR b) c", All((AnyOf((Term(("a",)), Term(("b",)))), Term(("c",))))),
        ("a OR b OR c", AnyOf((Term(("a",)), Term(("b",)), Term(("c",))))),
    ],
)
def test_precedence(query: str, tree: object) -> None:
    assert parse_query(query).root == tree


@pytest.mark.parametrize(
    ("query", "position", "expected"),
    [
        ("", 0, "a word"),
        ("   ", 0, "a word"),
        ('"health and care', 16, 'a closing "'),
        ("(a OR b", 7, ") to close the ( at character 1"),
        ("a OR b)", 6, "AND, OR, a term or the end"),
        ("a AND", 5, "a word"),
        ("a OR", 4, "a word"),
        ("OR a", 0, "a word"),
        ("AND", 0, "a word"),
        ("NOT", 3, "a word"),
        ("a AND OR b", 6, "a word"),
        ("()", 1, "a word"),
        ("apprent*ce", 7, "* only at the end"),
        ("*", 0, "a word with a letter or digit"),
        ('""', 0, "a phrase with a letter or digit"),
        ("a & b", 2, "a word with a letter or digit"),
    ],
)
def test_a_malformed_query_is_refused_with_where_and_what_was_expected(
    query: str, position: int, expected: str
) -> None:
    # GIVEN a malformed query / WHEN it is parsed
    with pytest.raises(QuerySyntaxError) as raised:
        parse_query(query)
    # THEN the one error type says where (0-based offset; 1-based in the message) and what was expected there
    assert raised.value.position == position
    assert expected in raised.value.expected
    assert f"at character {position + 1}" in str(raised.value)


# -- matching -----------------------------------------------------------------------------------------------------


def test_words_are_whole_case_and_accent_insensitive() -> None:
    assert words("Café, CAFÉ's naïve—Stockport") == ["cafe", "cafe", "s", "naive", "stockport"]
    assert not matches("port", "Navendu Mishra (Labour - Stockport)")
    assert matches("stockport", "Navendu Mishra (Labour - Stockport)")
    assert matches("cafe", "The Café Quarter")
    assert matches("Café", "the cafe quarter")


def test_phrases_match_across_punctuation_and_never_across_fields() -> None:
    assert matches('"health and care plan"', "Education, Health and Care plan reviews")
    assert matches('"education health"', "Education, Health and Care plan")
    assert not matches('"care plan"', "health care", "plan")  # two fields
    assert not matches('"plan care"', "health and care plan")


def test_the_seed_pages_own_example() -> None:
    text = "To ask the Speaker's Committee, what steps are being taken to improve security on the Parliamentary Estate."
    assert matches('"Parliamentary Estate"', text)
    assert matches('"parliamentary estate" AND security', text)
    assert not matches('"Estate Parliamentary"', text)
    assert matches("Parliamentary OR bananas", text)
    assert not matches("Parliamentary AND bananas", text)


def test_prefix_matches_the_start_of_a_word_only() -> None:
    assert matches("apprentice*", "Apprenticeships in England")
    assert matches("apprentice*", "an apprentice")
    assert not matches("apprentice*", "preapprentice schemes")
    assert matches("co-operat*", "international co-operation")
    # inside a phrase * is punctuation, like any other: ignored
    assert matches('"degree apprentice*"', "degree apprentice")
    assert not matches('"degree apprentice*"', "degree apprenticeships")


def test_exclusion() -> None:
    assert matches("schools -academies", "Free schools")
    assert not matches("schools -academies", "Schools and academies")
    assert not matches("schools NOT (academies OR colleges)", "schools and colleges")
    assert matches("NOT academies", "anything else")


def test_an_items_fields_are_searched() -> None:
    from shared.domain.item import Attachment, DepartmentRef, Item, Person

    item = Item(
        id="written-questions:1",
        source="written-questions",
        kind="written-question",
        departments=(DepartmentRef(slug="department-for-education", name="Department for Education"),),
        title="Schools: Buildings",
        url="https://questions-statements.parliament.uk/written-questions/detail/1",
        published_at="2026-01-05T10:00:00+00:00",
        updated_at="2026-01-05T10:00:00+00:00",
        state="tabled",
        summary="About RAAC",
        body="What steps is the department taking?",
        people=(Person(role="asked-by", name="Navendu Mishra"),),
        attachments=(Attachment(title="Annex A: survey", url="https://www.parliament.uk/a.pdf"),),
    )
    text = SearchText.of(item)
    for query in ("buildings", "raac", '"department taking"', "mishra", "survey", "annex"):
        assert parse_query(query).matches(text), query
    assert not parse_query("tabled").matches(text)  # the state is not searched
