"""The hostile own-link and line-break files (own_links_and_line_breaks.json) through `deptwatch ingest --json`: what
each must keep, beyond what every corpus file is held to (no own link off the source's hosts, one-line fields)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.corpus.build_corpus import CORPUS, HONG_KONG_FILE
from tests.corpus.test_corpus import ingest  # noqa: F401 (the fixture)

FILE_NAME = "own_links_and_line_breaks.json"


@pytest.mark.parametrize("source", ["written-questions", "written-statements", "govuk-publications"])
def test_the_attachment_named_with_raw_spaces_is_kept_encoded_and_the_http_one_upgraded(ingest, source):  # noqa: F811
    # GIVEN the file of hostile links of this source
    corpus_file = next(f for f in CORPUS if f.source == source and f.name == FILE_NAME)

    # WHEN it is ingested
    run = ingest("--source", source, corpus_file.path)

    # THEN the link with raw spaces (a real statement's file) is delivered percent-encoded, the http one as https,
    # and nothing else of the off-host links is left
    own = [url for line in run.lines for item in [line["message"]["item"]] for url in item_links(item)]
    assert sum(url.endswith("/" + quote(HONG_KONG_FILE)) for url in own) == 1, own
    assert [url for url in own if url.startswith("http://")] == []
    assert any(url.endswith(("/upgraded.pdf", "/over-http")) and url.startswith("https://") for url in own), own
    for line in run.lines:
        assert "evil" not in " ".join(item_links(line["message"]["item"]))


@pytest.mark.parametrize("source", ["written-questions", "written-statements"])
def test_links_inside_the_text_show_their_real_target(ingest, source):  # noqa: F811
    # GIVEN a text linking "GOV.UK" to www.gov.uk@evil.example, and to a look-alike host, and the NHS
    corpus_file = next(f for f in CORPUS if f.source == source and f.name == FILE_NAME)

    # WHEN it is ingested
    run = ingest("--source", source, corpus_file.path)

    # THEN the words are followed by where the links really go: evil.example, the look-alike's xn-- name, the NHS
    [body] = [
        line["message"]["item"]["body"] for line in run.lines if "the NHS" in (line["message"]["item"]["body"] or "")
    ]
    assert "GOV.UK (https://evil.example/login)" in body
    assert "the guidance (https://www.gov.xn--k-bub/guidance)" in body
    assert "the NHS (https://www.nhs.uk/conditions/)" in body
    assert "@" not in body and "\u0443" not in body


def item_links(item: dict) -> list[str]:
    return [item["url"], *(attachment["url"] for attachment in item["attachments"])]
