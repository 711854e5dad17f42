"""A watch's query, in the seed's search syntax: parsed once, matched against many items.

Syntax: words, "exact phrases", `AND`, `OR` and `NOT` (upper-case link words; lower-case they are words), a leading
`-` to exclude, parentheses, a trailing `*` for a prefix (`apprentice*`). Terms side by side mean AND. Precedence:
NOT (and `-`) > AND (and juxtaposition) > OR.

Matching is on whole words, case- and accent-insensitive, punctuation ignored: a text and a query term are both cut
into the same normalised words (`words`), so `port` never matches "Stockport" and `"health and care plan"` matches
"Education, Health and Care plan". An item's words are computed once (`SearchText`) and shared by every watch.

Hand-written recursive descent rather than lark or pyparsing: the notifier imports this module on every cold start,
and `python -X importtime` measured lark at 41-93 ms (plus 28-53 ms to build the grammar) and pyparsing at 78-170 ms
against nothing here (`re` and `unicodedata` are loaded already); the grammar is six rules, and the errors (position,
what was expected) are ours to word either way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

WORD = re.compile(r"[^\W_]+")
"""A word: a run of letters and digits (Unicode), after accents are removed; everything else separates words."""
FIELD_BREAK = "\x00"
"""Between two searched fields: no word can equal it, so a phrase never runs from one field into the next."""
OPERATORS = {"AND", "OR", "NOT"}
TERM_EXPECTED = 'a word, a "phrase" or ('


def words(text: str) -> list[str]:
    """The normalised words of a text: accents removed (NFKD, combining marks dropped), case folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return WORD.findall(plain.casefold())


class QuerySyntaxError(ValueError):
    """A query that cannot be read: where (0-based character offset) and what was expected there."""

    def __init__(self, query: str, position: int, expected: str, found: str | None = None) -> None:
        self.query = query
        self.position = position
        self.expected = expected
        found_text = f", found {found}" if found else ""
        super().__init__(f"at character {position + 1}: expected {expected}{found_text}")


# -- the parsed query ---------------------------------------------------------------------------------------------


class Searchable(Protocol):
    """What a query reads of an item (the stored `Item` and a notification's item both have it)."""

    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str | None: ...
    @property
    def body(self) -> str | None: ...
    @property
    def people(self) -> Sequence[_Named]: ...
    @property
    def attachments(self) -> Sequence[_Titled]: ...


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class _Titled(Protocol):
    @property
    def title(self) -> str: ...


@dataclass(frozen=True)
class SearchText:
    """An item's searched fields as one list of normalised words (fields apart), with where each word occurs."""

    words: tuple[str, ...]
    positions: dict[str, tuple[int, ...]] = field(repr=False)

    @classmethod
    def of(cls, item: Searchable) -> SearchText:
        """Title, summary, body, attachment titles and people's names."""
        texts = [item.title, item.summary or "", item.body or ""]
        texts += [attachment.title for attachment in item.attachments]
        texts += [person.name for person in item.people]
        return cls.of_texts(texts)

    @classmethod
    def of_texts(cls, texts: Iterable[str]) -> SearchText:
        all_words: list[str] = []
        for text in texts:
            all_words += [*words(text), FIELD_BREAK]
        positions: dict[str, list[int]] = {}
        for position, word in enumerate(all_words):
            positions.setdefault(word, []).append(position)
        return cls(tuple(all_words), {word: tuple(at) for word, at in positions.items()})

    def has_phrase(self, phrase: Sequence[str]) -> bool:
        first, rest = phrase[0], phrase[1:]
        for start in self.positions.get(first, ()):
            if tuple(self.words[start + 1 : start + 1 + len(rest)]) == tuple(rest):
                return True
        return False

    def has_prefix(self, prefix: str) -> bool:
        return any(word.startswith(prefix) for word in self.positions if word != FIELD_BREAK)


class Node(Protocol):
    def matches(self, text: SearchText) -> bool: ...
    def terms(self) -> Iterator[Term]: ...


@dataclass(frozen=True)
class Term:
    """A word or a phrase (its words in order); `prefix`: its last word may be the start of a longer one."""

    words: tuple[str, ...]
    prefix: bool = False

    def matches(self, text: SearchText) -> bool:
        if not self.prefix:
            return text.has_phrase(self.words)
        *whole, start = self.words
        if not whole:
            return text.has_prefix(start)
        after = len(whole)
        return any(
            list(text.words[at : at + after]) == whole
            and at + after < len(text.words)
            and text.words[at + after].startswith(start)
            for at in text.positions.get(whole[0], ())
        )

    def terms(self) -> Iterator[Term]:
        yield self


@dataclass(frozen=True)
class Not:
    part: Node

    def matches(self, text: SearchText) -> bool:
        return not self.part.matches(text)

    def terms(self) -> Iterator[Term]:
        yield from self.part.terms()


@dataclass(frozen=True)
class All:
    parts: tuple[Node, ...]

    def matches(self, text: SearchText) -> bool:
        return all(part.matches(text) for part in self.parts)

    def terms(self) -> Iterator[Term]:
        for part in self.parts:
            yield from part.terms()


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Node, ...]

    def matches(self, text: SearchText) -> bool:
        return any(part.matches(text) for part in self.parts)

    def terms(self) -> Iterator[Term]:
        for part in self.parts:
            yield from part.terms()


@dataclass(frozen=True)
class Query:
    """A parsed query: `matches` an item's `SearchText`."""

    text: str
    root: Node

    def matches(self, text: SearchText) -> bool:
        return self.root.matches(text)

    def terms(self) -> tuple[Term, ...]:
        """Every term the query names (an index of watches by term starts here)."""
        return tuple(self.root.terms())


# -- reading it ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str
    """"(", ")", "AND", "OR", "NOT", "-", "term", or "end"."""
    position: int
    text: str
    term: Term | None = None

    def described(self) -> str:
        if self.kind == "end":
            return "the end of the query"
        return f"{self.kind}" if self.kind in OPERATORS else repr(self.text)


def _tokens(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    at = 0
    while at < len(query):
        char = query[at]
        if char.isspace():
            at += 1
        elif char in "()":
            tokens.append(_Token(char, at, char))
            at += 1
        elif char == "-" and (at + 1 < len(query) and not query[at + 1].isspace()):
            tokens.append(_Token("-", at, char))  # a leading "-": exclude what follows
            at += 1
        elif char == '"':
            end = query.find('"', at + 1)
            if end < 0:
                raise QuerySyntaxError(query, len(query), f'a closing " for the phrase opened at character {at + 1}')
            phrase = words(query[at + 1 : end])
            if not phrase:
                raise QuerySyntaxError(query, at, "a phrase with a letter or digit in it", repr(query[at : end + 1]))
            tokens.append(_Token("term", at, query[at : end + 1], Term(tuple(phrase))))
            at = end + 1
        else:
            end = at
            while end < len(query) and not query[end].isspace() and query[end] not in '()"':
                end += 1
            tokens.append(_word_token(query, at, query[at:end]))
            at = end
    tokens.append(_Token("end", len(query), ""))
    return tokens


def _word_token(query: str, at: int, text: str) -> _Token:
    if text in OPERATORS:
        return _Token(text, at, text)
    prefix = text.endswith("*")
    stem = text.removesuffix("*") if prefix else text
    if "*" in stem:
        raise QuerySyntaxError(query, at + stem.index("*"), "* only at the end of a word", repr(text))
    found = words(stem)
    if not found:
        raise QuerySyntaxError(query, at, "a word with a letter or digit in it", repr(text))
    # "co-operation" is the words "co operation" in a text, and so in a query: a phrase
    return _Token("term", at, text, Term(tuple(found), prefix))


class _Parser:
    """query := or end;  or := and ("OR" and)*;  and := unary (["AND"] unary)*;  unary := ("NOT" | "-") unary | primary;
    primary := term | "(" or ")"."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _tokens(query)
        self.at = 0

    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def fail(self, expected: str) -> QuerySyntaxError:
        token = self.peek()
        return QuerySyntaxError(self.query, token.position, expected, token.described())

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise QuerySyntaxError(self.query, 0, TERM_EXPECTED, "an empty query")
        node = self.either()
        if self.peek().kind != "end":
            raise self.fail("AND, OR, a term or the end of the query")
        return node

    def either(self) -> Node:
        parts = [self.both()]
        while self.peek().kind == "OR":
            self.take()
            parts.append(self.both())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def both(self) -> Node:
        parts = [self.unary()]
        while self.peek().kind in ("AND", "NOT", "-", "term", "("):
            if self.peek().kind == "AND":
                self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else All(tuple(parts))

    def unary(self) -> Node:
        if self.peek().kind in ("NOT", "-"):
            self.take()
            return Not(self.unary())
        return self.primary()

    def primary(self) -> Node:
        token = self.peek()
        if token.kind == "term" and token.term is not None:
            self.take()
            return token.term
        if token.kind == "(":
            self.take()
            node = self.either()
            if self.peek().kind != ")":
                if self.peek().kind == "end":
                    raise QuerySyntaxError(
                        self.query, len(self.query), f") to close the ( at character {token.position + 1}"
                    )
                raise self.fail(")")
            self.take()
            return node
        raise self.fail(TERM_EXPECTED)


def parse_query(query: str) -> Query:
    """The query read, or QuerySyntaxError saying where and what was expected."""
    return Query(query, _Parser(query).parse())
