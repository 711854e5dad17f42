"""The read side through its real entry points: records through the pipeline on the local stack, then the read API
invoked as API Gateway invokes it; feeds and calendars read by real parsers."""

from __future__ import annotations

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import feedparser
import icalendar
import markupsafe

from infra.local.stack import LocalStack
from tests.integration.read_side import EDUCATION, HOSTILE_TITLE, get, ingest, later, question, question_time

PAGE = f"/departments/{EDUCATION}"


def titles(html: str) -> list[str]:
    return re.findall(r'<h[23]><a href="/items/[^"]+">([^<]*)</a>', html)


def test_the_department_page_lists_what_was_ingested_newest_first_with_the_seeds_parts(stack: LocalStack) -> None:
    # GIVEN three questions tabled on different days and the Education question time
    ingest(stack, "written-questions", [question(1, 5), question(2, 9), question(3, 7)])
    ingest(stack, "whatson-events", [question_time()])
    # WHEN the department page is read
    status, headers, html = get(stack, PAGE)
    # THEN it lists them newest first, as the seed does: kind, title, date, people, links, "Add to calendar"
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert titles(html) == [
        "Education (including Topical Questions)",
        "Apprentices question 2",
        "Apprentices question 3",
        "Apprentices question 1",
    ]
    assert "Scheduled Event - 29 Apr 2024, 2:30 p.m." in html
    assert "Commons - Oral questions - Main Chamber" in html
    assert 'href="/items/whatson-events:51301.ics">Add to calendar' in html
    assert "Written Question" in html
    assert "<dt>Asked by</dt><dd>Navendu Mishra (Labour - Stockport)</dd>" in html
    assert "<dt>Answered by</dt><dd>David Johnston (Conservative - Wantage)</dd>" in html
    assert 'Source page: <a href="https://questions-statements.parliament.uk/' in html
    assert '<meta name="viewport"' in html and '<html lang="en-GB">' in html


def test_every_upstream_string_is_escaped(stack: LocalStack) -> None:
    # GIVEN a question whose title is hostile markup
    ingest(stack, "written-questions", [question(1, 5, heading=HOSTILE_TITLE)])
    # WHEN its department page, its item page, the search and the feed are read
    pages = [
        get(stack, PAGE)[2],
        get(stack, "/items/written-questions:1700001")[2],
        get(stack, f"/search?q=apprentices&department={EDUCATION}")[2],
        get(stack, f"{PAGE}/feed.atom")[2],
    ]
    # THEN none carries markup from it: the title as stored (the model already defuses tags) is escaped in each
    stored = json.loads(get(stack, "/items/written-questions:1700001.json")[2])["item"]["title"]
    assert "&" in stored and '"' in stored
    for page in pages:
        assert "<script" not in page and "<img" not in page and "onerror" not in page
        assert str(markupsafe.escape(stored)) in page
    assert feedparser.parse(pages[3]).entries[0].title == stored


def test_paging_and_filters_are_links(stack: LocalStack) -> None:
    # GIVEN 23 questions and an event: two pages of 20
    ingest(stack, "written-questions", [question(n, 1 + n) for n in range(1, 24)])
    ingest(stack, "whatson-events", [question_time()])
    first = get(stack, PAGE)[2]
    assert len(titles(first)) == 20
    older = re.search(r'<a href="([^"]+)" rel="next">Older</a>', first)
    assert older is not None
    # WHEN the older page is followed
    second = get(stack, older.group(1).replace("&amp;", "&"))[2]
    # THEN it has the rest, oldest last, and a way back
    assert titles(second) == [f"Apprentices question {n}" for n in (4, 3, 2, 1)]
    assert 'rel="prev">Newer</a>' in second
    # WHEN the kind filter is followed / THEN only that kind is listed
    events = get(stack, f"{PAGE}?kind=scheduled-event")[2]
    assert titles(events) == ["Education (including Topical Questions)"]
    by_source = get(stack, f"{PAGE}?source=whatson-events")[2]
    assert titles(by_source) == ["Education (including Topical Questions)"]


def test_json_is_the_notification_item_shape(stack: LocalStack) -> None:
    ingest(stack, "written-questions", [question(1, 5)])
    status, headers, body = get(stack, f"{PAGE}.json")
    same = get(stack, PAGE, accept="application/json")[2]
    assert status == 200 and headers["Content-Type"] == "application/json" and body == same
    document = json.loads(body)
    item = document["items"][0]
    assert item["id"] == "written-questions:1700001" and item["version"] == 1
    assert item["department"] == {"slug": EDUCATION, "name": "Department for Education"}
    assert {"title", "url", "published_at", "updated_at", "people", "details", "state"} <= set(item)


def test_the_atom_feed_has_one_entry_per_item_updated_with_each_version(stack: LocalStack) -> None:
    # GIVEN two questions, then a new version of one of them
    ingest(stack, "written-questions", [question(1, 5), question(2, 6)])
    first = feedparser.parse(get(stack, f"{PAGE}/feed.atom")[2])
    changed = question(1, 5)
    changed["answerText"] = "<p>A corrected answer.</p>"
    ingest(stack, "written-questions", [changed], fetched_at=later(1))
    # WHEN the feed is parsed
    status, headers, body = get(stack, f"{PAGE}/feed.atom")
    feed = feedparser.parse(body)
    # THEN it is well-formed Atom with one entry per item, ids stable, the changed one updated later
    assert status == 200 and headers["Content-Type"].startswith("application/atom+xml")
    assert not feed.bozo and feed.version == "atom10"
    assert len(feed.entries) == 2
    ids = {entry.title: entry.id for entry in feed.entries}
    assert ids == {entry.title: entry.id for entry in first.entries}
    updated = {entry.title: entry.updated_parsed for entry in feed.entries}
    before = {entry.title: entry.updated_parsed for entry in first.entries}
    assert updated["Apprentices question 1"] > before["Apprentices question 1"]
    assert updated["Apprentices question 2"] == before["Apprentices question 2"]
    assert all(entry.link.startswith("http://example.test/items/") for entry in feed.entries)


def test_the_calendar_follows_a_reschedule_and_a_cancellation(stack: LocalStack) -> None:
    # GIVEN the question time, then moved to 15:30, then cancelled
    ingest(stack, "whatson-events", [question_time()])
    first = _event(get(stack, f"{PAGE}/calendar.ics")[2])
    ingest(stack, "whatson-events", [question_time(StartTime="15:30", EndTime="16:30")], fetched_at=later(1))
    moved = _event(get(stack, f"{PAGE}/calendar.ics")[2])
    ingest(
        stack,
        "whatson-events",
        [question_time(StartTime="15:30", EndTime="16:30", CancelledDate="2024-04-26T00:00:00")],
        fetched_at=later(2),
    )
    status, headers, body = get(stack, f"{PAGE}/calendar.ics")
    cancelled = _event(body)
    # THEN one event throughout (same UID), in London time, its SEQUENCE rising, then CANCELLED
    assert status == 200 and headers["Content-Type"].startswith("text/calendar")
    london = ZoneInfo("Europe/London")
    assert first["UID"] == moved["UID"] == cancelled["UID"]
    assert first.decoded("DTSTART") == datetime(2024, 4, 29, 14, 30, tzinfo=london)
    assert first["DTSTART"].params["TZID"] == "Europe/London"
    assert moved.decoded("DTSTART") == datetime(2024, 4, 29, 15, 30, tzinfo=london)
    assert int(first["SEQUENCE"]) < int(moved["SEQUENCE"]) < int(cancelled["SEQUENCE"])
    assert str(first["STATUS"]) == "CONFIRMED" and str(cancelled["STATUS"]) == "CANCELLED"
    assert "BEGIN:VTIMEZONE" in body and "TZID:Europe/London" in body
    # AND the event's own .ics is the same event
    own = _event(get(stack, "/items/whatson-events:51301.ics")[2])
    assert own["UID"] == cancelled["UID"] and str(own["STATUS"]) == "CANCELLED"


def _event(body: str) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(body)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def test_the_item_page_shows_its_versions_and_what_changed(stack: LocalStack) -> None:
    ingest(stack, "whatson-events", [question_time()])
    ingest(stack, "whatson-events", [question_time(StartTime="15:30", EndTime="16:30")], fetched_at=later(1))
    status, _, html = get(stack, "/items/whatson-events:51301")
    assert status == 200
    assert "Version 2" in html and "Version 1" in html
    assert "Was 29 Apr 2024, 2:30 p.m., now 29 Apr 2024, 3:30 p.m." in html
    document = json.loads(get(stack, "/items/whatson-events:51301.json")[2])
    assert [v["item"]["version"] for v in document["versions"]] == [2, 1]
    assert document["versions"][0]["changes"]["fields"]


def test_search_returns_exactly_the_matching_items(stack: LocalStack) -> None:
    ingest(stack, "written-questions", [question(1, 5, "Schools funding"), question(2, 6, "Teacher pay")])
    ingest(stack, "written-questions", [question(3, 7, "Schools and teachers")])
    found = json.loads(get(stack, f"/search.json?q=schools&department={EDUCATION}")[2])
    assert [i["title"] for i in found["items"]] == ["Schools and teachers", "Schools funding"]
    found = json.loads(get(stack, f"/search.json?q=teach*+-funding&department={EDUCATION}")[2])
    assert [i["title"] for i in found["items"]] == ["Schools and teachers", "Teacher pay"]
    found = json.loads(get(stack, '/search.json?q="schools and teachers"')[2])
    assert [i["title"] for i in found["items"]] == ["Schools and teachers"]
    status, _, html = get(stack, "/search?q=(schools")
    assert status == 400 and "cannot be read" in html


def test_validators_make_a_repeat_request_cost_no_body(stack: LocalStack) -> None:
    ingest(stack, "written-questions", [question(1, 5)])
    status, headers, _ = get(stack, f"{PAGE}/feed.atom")
    assert status == 200 and headers["Cache-Control"] == "public, max-age=300"
    again = get(stack, f"{PAGE}/feed.atom", if_none_match=headers["ETag"])
    assert again[0] == 304 and again[2] == ""
    since = get(stack, f"{PAGE}/feed.atom", if_modified_since=headers["Last-Modified"])
    assert since[0] == 304
    ingest(stack, "written-questions", [question(2, 6)], fetched_at=later(1))
    assert get(stack, f"{PAGE}/feed.atom", if_none_match=headers["ETag"])[0] == 200


def test_unknown_departments_items_and_pages_are_404_pages(stack: LocalStack) -> None:
    for target in ("/departments/ministry-of-nothing", "/items/written-questions:1", "/nowhere", f"{PAGE}?before=x"):
        status, headers, html = get(stack, target)
        assert status == 404 and headers["Content-Type"].startswith("text/html"), target
        assert "<h1>Not found</h1>" in html
    status, headers, body = get(stack, "/items/written-questions:1.json")
    assert status == 404 and json.loads(body)["error"]


def test_the_home_page_lists_every_department_with_its_latest_activity(stack: LocalStack) -> None:
    ingest(stack, "written-questions", [question(1, 5)])
    html = get(stack, "/")[2]
    assert f'<a href="/departments/{EDUCATION}">Department for Education</a> - latest: Friday 5th January 2024' in html
    assert "HM Treasury</a> - nothing stored yet" in html
