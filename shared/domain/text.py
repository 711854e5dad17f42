"""Upstream HTML and text made safe for plain-text notifications.

The standard library's tolerant HTMLParser is enough: we keep text and http(s) link targets and drop everything else,
so there is no markup left to sanitise.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from html.parser import HTMLParser

from shared.domain.links import shown_link

_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section"}
)
_DROPPED_TAGS = frozenset({"script", "style", "head", "title", "template", "noscript", "iframe", "object", "svg"})
_PARAGRAPH = "\n\n"
_HORIZONTAL_SPACE = re.compile(r"(?: [ \t\u00a0]|[\t\u00a0])[ \t\u00a0]*")
"""Runs of spaces, tabs and no-break spaces, except the single spaces that need no change."""


_LINE_SEPARATORS = {"\u2028": "\n", "\u2029": "\n\n"}
"""Unicode's line and paragraph separators, as the newlines they are: a renderer (and `str.splitlines`, and mail
clients) breaks lines there, so a text that kept them would carry line breaks our layout never sees (a forged
"Source page:" line in the middle of a paragraph, a JSON line split in two)."""


def clean_text(text: str) -> str:
    """Text without control, format (bidi overrides, zero-width) or unassigned characters; newlines and tabs kept,
    line and paragraph separators made newlines."""
    if text.replace("\n", "").replace("\t", "").replace("\u00a0", "").isprintable():
        return text  # the usual case, checked at C speed: nothing to remove
    return "".join(
        _LINE_SEPARATORS.get(char, char)
        for char in text
        if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )


_MARKUP = re.compile(r"<(?=[A-Za-z/!?])")
_SCRIPT_SCHEME_END = re.compile(r"(?i)\b(?:javascript|vbscript|livescript|data)\Z")
_EVENT_HANDLER_END = re.compile(r"(?i)\bon(?=[a-z]{3,}\Z)")
_LONGEST_EVENT_HANDLER = 40
"""Characters searched before an `=` for an event-handler name (the longest real ones are about 20)."""


def neutralise(text: str) -> str:
    """Plain text that cannot turn into markup or a script link if a subscriber's tool renders it as HTML.

    Entities decode to characters (`&lt;script&gt;` becomes `<script>`), so what reads as a tag gets a look-alike
    angle bracket, a script URL scheme (any case, spaces allowed before its colon) one space before its colon, and an
    event-handler attribute (`onload=`) a hyphen.
    """
    if "<" in text:
        text = _MARKUP.sub("\u2039", text)
    if ":" in text:
        text = _defuse_before(text, ":", _SCRIPT_SCHEME_END, len("javascript"), lambda piece, head, at: head + " ")
    if "=" in text:
        text = _defuse_before(text, "=", _EVENT_HANDLER_END, _LONGEST_EVENT_HANDLER, _hyphenate_handler)
    return text


def _hyphenate_handler(piece: str, head: str, at: int) -> str:
    return f"{piece[:at]}on-{piece[at + 2 :]}"


def _defuse_before(
    text: str, separator: str, word_end: re.Pattern[str], longest: int, defuse: Callable[[str, str, int], str]
) -> str:
    """`text` with each word that `word_end` finds just before a `separator` (spaces between allowed) defused.

    Searching only the few characters before each separator keeps this linear and cheap; a case-insensitive regex
    run over the whole text costs ~100 µs per answer.
    """
    pieces = text.split(separator)
    for index in range(len(pieces) - 1):
        piece = pieces[index]
        head = piece.rstrip()
        match = word_end.search(head, max(len(head) - longest, 0))
        if match:
            pieces[index] = defuse(piece, head, match.start())
    return separator.join(pieces)


def safe_text(text: str) -> str:
    """Any upstream string that reaches a notification: no control or format characters, nothing markup-like."""
    return neutralise(clean_text(text))


def single_line(text: str) -> str:
    """`safe_text` on one line: each run of line and paragraph separators (every one `str.splitlines` knows: \\n \\r
    \\v \\f \\x1c-\\x1e \\x85 U+2028 U+2029), with the spaces around it, becomes one space. For the fields a
    rendering prints as one line (titles, names, roles): a line break in one would start a line of its own choosing."""
    lines = text.splitlines()
    if len(lines) > 1 or (lines and lines[0] != text):
        text = " ".join(stripped for line in lines if (stripped := line.strip()))
    return safe_text(text)


def normalise_whitespace(text: str) -> str:
    """Paragraphs separated by one blank line, runs of spaces collapsed, no empty paragraphs."""
    paragraphs: list[str] = []
    lines: list[str] = []
    for line in _HORIZONTAL_SPACE.sub(" ", text).split("\n"):
        line = line.strip()
        if line:
            lines.append(line)
        elif lines:  # a blank line ends a paragraph
            paragraphs.append("\n".join(lines))
            lines = []
    if lines:
        paragraphs.append("\n".join(lines))
    return _PARAGRAPH.join(paragraphs)


def html_to_text(html: str | None) -> str:
    """Plain-text paragraphs from upstream HTML; a link becomes "text (url)", or just the url when they are the same."""
    if not html:
        return ""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return normalise_whitespace(safe_text(parser.text()))


def plain_text(text: str | None) -> str:
    """Upstream text that should be plain (question text, titles): any markup in it is removed too."""
    return html_to_text(text) if text and ("<" in text or "&" in text) else normalise_whitespace(safe_text(text or ""))


def one_line(text: str | None, limit: int | None = None) -> str:
    """A single line (subjects, SMS): whitespace collapsed, cut with an ellipsis at `limit` characters."""
    line = re.sub(r"\s+", " ", plain_text(text)).strip()
    if limit is not None and len(line) > limit:
        line = line[: max(limit - 1, 0)].rstrip() + "…"
    return line


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._parts: list[str] = []
        self._dropping = 0
        self._links: list[tuple[str | None, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED_TAGS:
            self._dropping += 1
        elif tag == "br":
            self._parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self._parts.append(_PARAGRAPH)
        elif tag in ("td", "th"):
            self._parts.append(" ")
        elif tag == "a":
            self._links.append((shown_link(dict(attrs).get("href")), len(self._parts)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self._parts.append(_PARAGRAPH)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_TAGS:
            self._dropping = max(self._dropping - 1, 0)
        elif tag in _BLOCK_TAGS:
            self._parts.append(_PARAGRAPH)
        elif tag == "a" and self._links:
            href, start = self._links.pop()
            label = "".join(self._parts[start:]).strip()
            if href and href.rstrip("/") != label.rstrip("/"):
                self._parts.append(f" ({href})" if label else href)

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self._parts.append(data)

    def text(self) -> str:
        return "".join(self._parts)
