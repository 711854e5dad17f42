"""Upstream HTML and text made safe for plain-text notifications (shared/text.py)."""

from __future__ import annotations

import re

import pytest

from shared.domain.links import shown_link
from shared.domain.text import (
    clean_text,
    html_to_text,
    neutralise,
    normalise_whitespace,
    one_line,
    plain_text,
)

TAG = re.compile(r"</?[A-Za-z][^>]*>")
FJAA_REGISTER = "https://www.gov.uk/government/publications/flexi-job-apprenticeships/flexi-job-apprenticeship-agencies"
STATISTICS = "https://explore-education-statistics.service.gov.uk/find-statistics/apprenticeships-and-traineeships"


# --- The real detail answer ---


def test_real_detail_answer_becomes_plain_paragraphs_with_its_links(detail_record):
    # GIVEN the real HTML answer of question 1679416 (paragraphs, empty <p> </p> spacers, two links)
    html = detail_record["answerText"]
    assert "<p>" in html and "<a href=" in html

    # WHEN it is turned into text
    text = html_to_text(html)

    # THEN no tag is left, and no entity or stray markup character either
    assert not TAG.search(text)
    assert "&" not in text and "<" not in text and ">" not in text
    # AND each link's target survives as a URL (once: its label was the same URL)
    assert text.count(FJAA_REGISTER) == 1
    assert text.count(STATISTICS) == 1
    assert "target=" not in text
    # AND the four real paragraphs are kept apart by one blank line, the empty spacer paragraphs gone
    paragraphs = text.split("\n\n")
    assert len(paragraphs) == 4
    assert paragraphs[0].startswith("The department is supporting sectors")
    assert paragraphs[1].startswith("In July 2021, the government created a £7 million fund")
    assert paragraphs[3].endswith("in due course.")
    assert all(p == p.strip() and p for p in paragraphs)


def test_entities_are_decoded():
    # GIVEN HTML with named, decimal and hexadecimal character references
    html = "<p>R&amp;D costs &pound;5 &ndash; it&#8217;s &#x201C;fine&#x201D;&nbsp;now</p>"

    # WHEN it is turned into text
    text = html_to_text(html)

    # THEN the characters are there, not the references (and a non-breaking space is an ordinary space)
    assert text == "R&D costs £5 \u2013 it\u2019s \u201cfine\u201d now"


def test_a_link_with_other_text_keeps_text_and_shows_the_real_target():
    # GIVEN a link whose label is not its target (a label can even pretend to be another URL)
    html = '<p>See <a href="https://www.gov.uk/a">the guidance</a> or <a href="https://evil.example/">https://gov.uk</a></p>'

    # WHEN it is turned into text
    text = html_to_text(html)

    # THEN the label is followed by the target the reader would really reach
    assert text == "See the guidance (https://www.gov.uk/a) or https://gov.uk (https://evil.example/)"


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        " javascript:alert(1)",
        "java\u200bscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "/relative/path",
        "//no-scheme.example/x",
        "https://exa mple.com/space",
    ],
)
def test_unsafe_or_relative_link_targets_are_dropped_but_the_label_kept(href):
    # GIVEN a link to something that is not an absolute http(s) URL
    html = f'<p>Read <a href="{href}">this</a> now</p>'

    # WHEN it is turned into text
    text = html_to_text(html)

    # THEN only the label remains
    assert text == "Read this now"
    assert shown_link(href) is None


def test_script_style_and_other_non_content_is_dropped():
    # GIVEN HTML with script, style, template and iframe contents around real text
    html = (
        "<head><title>Page title</title><style>p { color: red }</style></head>"
        "<p>Before</p><script>alert('x'); var a = '<p>not text</p>';</script>"
        "<noscript>enable js</noscript><iframe>frame</iframe><template><p>tpl</p></template><p>After</p>"
    )

    # WHEN it is turned into text
    text = html_to_text(html)

    # THEN only the content text is left
    assert text == "Before\n\nAfter"


def test_block_elements_and_line_breaks_shape_the_text():
    # GIVEN list items, a heading and a line break
    html = "<h2>Title</h2><ul><li>one</li><li>two</li></ul>line one<br>line two<br/>line three"

    # WHEN it is turned into text
    # THEN blocks are paragraphs and <br> is a line break
    assert html_to_text(html) == "Title\n\none\n\ntwo\n\nline one\nline two\nline three"


def test_bidi_overrides_zero_width_and_control_characters_are_removed():
    # GIVEN text with a right-to-left override, isolates, zero-width and control characters
    text = "safe\u202etxt.exe\u200b \u2066iso\u2069 bell\x07 nul\x00 bom\ufeff cr\rdel\x7f"

    # WHEN it is cleaned (directly, and as part of HTML or plain text)
    cleaned = clean_text(text)

    # THEN none of those characters is left, and the visible ones are in order
    assert cleaned == "safetxt.exe iso bell nul bom crdel"
    assert html_to_text(f"<p>{text}</p>") == cleaned
    assert plain_text(text) == cleaned


def test_clean_text_keeps_newlines_tabs_and_non_latin_letters():
    assert clean_text("a\nb\tc — Cymraeg: ŵ ŷ, Ελληνικά, 中文") == "a\nb\tc — Cymraeg: ŵ ŷ, Ελληνικά, 中文"


@pytest.mark.parametrize("html", [None, "", "   ", "<p> </p><p>\u00a0</p>", "<script>x</script>"])
def test_empty_or_contentless_html_gives_empty_text(html):
    assert html_to_text(html) == ""


def test_plain_text_strips_markup_from_text_fields_and_keeps_plain_text_as_is():
    # GIVEN a heading with markup and one without
    # WHEN they are made plain
    # THEN markup is gone and ordinary characters (including a bare ampersand) are kept
    assert plain_text("<b>Schools:</b> Funding &amp; Staff") == "Schools: Funding & Staff"
    assert plain_text("Fish & Chips") == "Fish & Chips"
    assert plain_text("  Roads:\n\n  Potholes  ") == "Roads:\n\nPotholes"
    assert plain_text(None) == ""


# --- one_line ---


def test_one_line_collapses_whitespace_to_a_single_line():
    assert one_line("  Roads:\n\n Potholes\tand   bridges \r\n") == "Roads: Potholes and bridges"


@pytest.mark.parametrize("limit", [1, 2, 10, 99, 100])
def test_one_line_cuts_long_text_with_an_ellipsis_within_the_limit(limit):
    # GIVEN a text longer than the limit
    text = "word " * 100

    # WHEN it is put on one line with a limit
    line = one_line(text, limit)

    # THEN it fits, ends with an ellipsis, and is a prefix of the text
    assert len(line) <= limit
    assert line.endswith("…")
    assert text.startswith(line[:-1])


def test_one_line_leaves_text_within_the_limit_untouched():
    # GIVEN a text of exactly the limit
    text = "x" * 100

    # WHEN it is put on one line with that limit
    # THEN it is not cut
    assert one_line(text, 100) == text
    assert one_line(text + "y", 100) == "x" * 99 + "…"


def test_one_line_does_not_end_a_cut_line_with_a_space():
    # GIVEN a text whose cut would fall just after a space
    # WHEN it is cut
    # THEN the space is not kept before the ellipsis
    assert one_line("abcd efgh", 6) == "abcd…"


# --- neutralise and normalise_whitespace (they run on every text of every record) ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see javascript:alert(1)", "see javascript :alert(1)"),
        ("JavaScript  :x and VBScript\n:y", "JavaScript :x and VBScript :y"),
        ("(data:text/html,x) livescript:z", "(data :text/html,x) livescript :z"),
        ("javascript:javascript:", "javascript :javascript :"),
        ("metadata: kept, xjavascript: kept, _data: kept", "metadata: kept, xjavascript: kept, _data: kept"),
        ("https://www.gov.uk/a?b=c at 10:30", "https://www.gov.uk/a?b=c at 10:30"),
        ('<img src=x onerror="go()">', '\u2039img src=x on-error="go()">'),
        ("ONLOAD =x, onClick\t= y", "on-LOAD =x, on-Click\t= y"),
        ("upon= on1= onx= a = b", "upon= on1= onx= a = b"),
        ("</p><!-- x --><?php", "\u2039/p>\u2039!-- x -->\u2039?php"),
        ("a < b, 3<4", "a < b, 3<4"),
    ],
)
def test_neutralise_defuses_markup_script_schemes_and_event_handlers_only(text, expected):
    # GIVEN text that reads (or does not read) as markup, a script link or an event-handler attribute
    # WHEN it is neutralised
    # THEN exactly the dangerous constructs are broken, everything else is left as it was
    assert neutralise(text) == expected
    assert neutralise(expected) == expected  # and doing it again changes nothing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  one  \t two\u00a0 three  ", "one two three"),
        ("a\n \t\nb", "a\n\nb"),
        ("a\n\n\n\n  b\nc  \n\n", "a\n\nb\nc"),
        ("\n\u2003\n a \r\n b", "a\nb"),
        ("a\u2003\u2003b", "a\u2003\u2003b"),
        ("", ""),
    ],
)
def test_normalise_whitespace_keeps_paragraphs_and_lines_and_collapses_spaces(text, expected):
    assert normalise_whitespace(text) == expected
