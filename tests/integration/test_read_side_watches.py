"""A saved watch's page and feed (/watches/<name>, .atom, .json) through the read API as API Gateway invokes it: the
items the watch's query and filters match among what the pipeline stored, newest first, paged."""

from __future__ import annotations

import json
import re

import feedparser
import markupsafe

from infra.local.stack import LocalStack
from shared.adapters.watch_store import WatchStore
from shared.watching.watch import Watch
from tests.integration.read_side import EDUCATION, get, ingest, question, question_time


def titles(html: str) -> list[str]:
    return re.findall(r'<h[23]><a href="/items/[^"]+">([^<]*)</a>', html)


def school_meals(number: int, day: int) -> dict[str, object]:
    """A question that says nothing of apprentices."""
    record = question(number, day, "School meals")
    record["questionText"] = "To ask the Secretary of State for Education, how many pupils receive free school meals."
    record["answerText"] = "<p>The figures are published each year.</p>"
    return record


def save(stack: LocalStack, watch: Watch) -> None:
    WatchStore(stack.dynamodb, stack.output("StateTableName")).put(watch)


def test_a_watch_page_lists_what_its_query_and_filters_match_newest_first(stack: LocalStack) -> None:
    # GIVEN questions about apprentices and school meals, and the Education question time (whose text names no
    # apprentices but whose kind the watch refuses anyway), and a watch of apprentice questions
    ingest(
        stack,
        "written-questions",
        [question(1, 5), school_meals(2, 9), question(3, 7), question(4, 3, "Apprenticeship levy")],
    )
    ingest(stack, "whatson-events", [question_time()])
    save(stack, Watch(name="apprentices", query="apprentic*", departments=(EDUCATION,), kinds=("written-question",)))
    # WHEN its page is read
    status, headers, html = get(stack, "/watches/apprentices")
    # THEN the matches are listed newest first as the department page lays them out, and the watch is described
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert titles(html) == ["Apprentices question 3", "Apprentices question 1", "Apprenticeship levy"]
    assert "<dt>Asked by</dt><dd>Navendu Mishra (Labour - Stockport)</dd>" in html
    assert "<dt>Query</dt><dd><code>apprentic*</code></dd>" in html
    assert "<dt>Departments</dt><dd>Department for Education</dd>" in html
    assert "<dt>Kinds</dt><dd>Written Question</dd>" in html
    assert 'href="/watches/apprentices.atom"' in html
    assert "ETag" in headers and "Last-Modified" in headers


def test_a_watch_without_a_query_selects_by_its_filters_alone(stack: LocalStack) -> None:
    # GIVEN two questions and the question time, and a watch of scheduled events in the Commons
    ingest(stack, "written-questions", [question(1, 5), question(2, 9)])
    ingest(stack, "whatson-events", [question_time()])
    save(stack, Watch(name="commons-events", kinds=("scheduled-event",), houses=("commons",)))
    # WHEN its page is read
    html = get(stack, "/watches/commons-events")[2]
    # THEN only the event is listed (every department searched), and the query is shown as everything
    assert titles(html) == ["Education (including Topical Questions)"]
    assert "<dt>Query</dt><dd>Everything</dd>" in html and "<dt>Houses</dt><dd>Commons</dd>" in html


def test_a_watch_page_pages_with_older_and_newer_links(stack: LocalStack) -> None:
    # GIVEN 23 matching questions and one that does not match
    ingest(stack, "written-questions", [question(n, 1 + n) for n in range(1, 24)] + [school_meals(30, 27)])
    save(stack, Watch(name="apprentices", query="apprentices"))
    first = get(stack, "/watches/apprentices")[2]
    assert titles(first) == [f"Apprentices question {n}" for n in range(23, 3, -1)]
    older = re.search(r'<a href="([^"]+)" rel="next">Older</a>', first)
    assert older is not None and 'rel="prev"' not in first
    # WHEN the older page is followed, then its newer link
    second = get(stack, older.group(1).replace("&amp;", "&"))[2]
    newer = re.search(r'<a href="([^"]+)" rel="prev">Newer</a>', second)
    assert newer is not None
    back = get(stack, newer.group(1).replace("&amp;", "&"))[2]
    # THEN the second page has the rest, oldest last, and newer leads back to the first page's items
    assert titles(second) == [f"Apprentices question {n}" for n in (3, 2, 1)]
    assert 'rel="next">Older</a>' not in second
    assert titles(back) == titles(first)
    # AND the JSON pages page the same way
    document = json.loads(get(stack, "/watches/apprentices.json")[2])
    assert document["watch"]["query"] == "apprentices" and len(document["items"]) == 20
    assert document["older"].startswith("/watches/apprentices.json?before=")
    rest = json.loads(get(stack, document["older"])[2])
    assert [item["title"] for item in rest["items"]] == [f"Apprentices question {n}" for n in (3, 2, 1)]


def test_a_watch_feed_is_atom_with_one_stable_entry_per_match(stack: LocalStack) -> None:
    # GIVEN two matching questions and one that does not match, and a watch
    ingest(stack, "written-questions", [question(1, 5), school_meals(2, 9), question(3, 7)])
    save(stack, Watch(name="apprentices", query='"apprentices question"'))
    # WHEN its feed is read twice and parsed by a feed reader's parser
    status, headers, body = get(stack, "/watches/apprentices.atom")
    feed = feedparser.parse(body)
    again = feedparser.parse(get(stack, "/watches/apprentices.atom")[2])
    # THEN it is well-formed Atom: one entry per match, newest first, ids stable, linked to the items
    assert status == 200 and headers["Content-Type"].startswith("application/atom+xml")
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10" and feed.feed.title == "Watch apprentices (deptwatch)"
    assert [e.title for e in feed.entries] == ["Apprentices question 3", "Apprentices question 1"]
    assert [e.id for e in feed.entries] == [e.id for e in again.entries]
    assert len(set(e.id for e in feed.entries)) == 2
    assert feed.entries[0].link == "http://example.test/items/written-questions:1700003"
    department = feedparser.parse(get(stack, f"/departments/{EDUCATION}/feed.atom")[2])
    assert {e.id for e in feed.entries} < {e.id for e in department.entries}
    # AND a reader asking again with the ETag gets a 304 without a body
    status, _, body = get(stack, "/watches/apprentices.atom", if_none_match=headers["ETag"])
    assert (status, body) == (304, "")


def test_the_watch_is_shown_escaped(stack: LocalStack) -> None:
    # GIVEN a watch whose query carries markup-like text
    save(stack, Watch(name="markup", query='"<b>bold</b>" OR apprentices'))
    # WHEN its page is read
    html = get(stack, "/watches/markup")[2]
    # THEN the query is shown as text
    assert "<b>bold" not in html
    assert str(markupsafe.escape('"<b>bold</b>" OR apprentices')) in html
    assert "Nothing stored matches this watch yet." in html


def test_an_unknown_watch_is_a_404_page(stack: LocalStack) -> None:
    save(stack, Watch(name="apprentices", query="apprentices"))
    for target in ("/watches/nobody", "/watches/nobody.atom", "/watches/Not%20a%20name"):
        status, headers, body = get(stack, target)
        assert status == 404 and headers["Content-Type"].startswith("text/html"), target
        assert "There is no watch" in body
    status, headers, body = get(stack, "/watches/nobody.json")
    assert status == 404 and json.loads(body) == {"error": "There is no watch 'nobody'."}
    status, _, _ = get(stack, "/watches/apprentices?before=not-a-cursor")
    assert status == 404
