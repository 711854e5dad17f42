"""The read side's pure parts: stored words answer queries as the watches' SearchText does; HTTP validators."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import pytest

from shared.watching.query import FIELD_BREAK, SearchText, parse_query
from shared.web.http import HTML, Response, wants_json
from shared.web.search import StoredWords

TEXTS = ["Education, Health and Care plans", "Stockport Metropolitan Borough Council", "Apprenticeships: Café"]
QUERIES = [
    "port",
    "stockport",
    '"health and care plan"',
    '"health and care plans"',
    '"plans stockport"',
    "apprentice*",
    '"borough coun*"',
    "cafe",
    "education -stockport",
    "(education OR nothing) AND NOT borough",
    "educ* AND (metropolitan OR x)",
]


@pytest.mark.parametrize("query", QUERIES)
def test_stored_words_answer_every_query_as_search_text_does(query: str) -> None:
    # GIVEN an item's words as the watches compute them, and as the index stores them
    text = SearchText.of_texts(TEXTS)
    stored = " ".join("|" if word == FIELD_BREAK else word for word in text.words)
    # WHEN a query is matched against each / THEN the answers agree (phrases never run across fields)
    parsed = parse_query(query)
    assert parsed.matches(cast(SearchText, StoredWords(stored))) == parsed.matches(text), query


def test_a_repeat_request_with_the_etag_or_date_gets_304_without_a_body() -> None:
    modified = datetime(2024, 4, 18, 9, 30, 15, 500, tzinfo=UTC)
    response = Response(200, HTML, "<p>page</p>", last_modified=modified)
    status, headers, body = response.answer({})
    assert status == 200 and body == "<p>page</p>"
    assert headers["Last-Modified"] == "Thu, 18 Apr 2024 09:30:15 GMT"
    assert response.answer({"If-None-Match": headers["ETag"]})[0] == 304
    assert response.answer({"if-none-match": f'W/{headers["ETag"]}, "other"'})[0] == 304
    assert response.answer({"If-None-Match": '"other"', "If-Modified-Since": headers["Last-Modified"]})[0] == 200
    assert response.answer({"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert response.answer({"If-Modified-Since": "Thu, 18 Apr 2024 09:30:14 GMT"})[0] == 200
    assert response.answer({"If-Modified-Since": "not a date"})[0] == 200
    assert Response(404, HTML, "gone").answer({"If-None-Match": "*"})[0] == 404


def test_json_is_asked_by_suffix_or_by_accept() -> None:
    assert wants_json("department-for-education.json", None) == ("department-for-education", True)
    assert wants_json("department-for-education", "application/json") == ("department-for-education", True)
    assert wants_json("x", "text/html,application/xhtml+xml,application/json;q=0.9")[1] is False
    assert wants_json("x", None)[1] is False
