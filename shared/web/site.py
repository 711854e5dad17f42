"""The read side's pages: each takes what the request asked and answers a Response (HTML, JSON, Atom or iCalendar).

The HTTP routing is the read API's (functions/api/app.py); everything a page does is here.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import urlencode

from shared.adapters.read_store import ReadStore, Row, timeline_key
from shared.domain.departments import DEPARTMENTS, Department, UnknownDepartmentError, by_slug
from shared.domain.kinds import Kind
from shared.domain.notification import Notification
from shared.render.base import kind_label
from shared.render.formats import long_date
from shared.render.shortened import shortened_note
from shared.watching.watch import WATCH_NAME, Watch
from shared.web.entries import Entry, entry, item_path
from shared.web.http import ATOM, CALENDAR, FEED_MAX_AGE, HTML, JSON, Response

PAGE_SIZE = 20
FEED_SIZE = 50
CALENDAR_SIZE = 500
"""A department's calendar: its latest scheduled events by start (those to come first), cancelled ones included."""
CURSOR = re.compile(r"^[0-9T:+-]{19,32}#[a-z0-9-]+:[A-Za-z0-9._:/-]{1,300}$")
"""A paging cursor is a timeline sort key (shared/pipeline/indexing.py: `sort_key`)."""
SOURCE_LABELS = {
    "written-questions": "Written questions",
    "written-statements": "Written statements",
    "govuk-publications": "GOV.UK publications",
    "deposited-papers": "Deposited papers",
    "whatson-events": "Scheduled events",
}
"""The sources a page filters by, as its links name them (an unknown source in a row is still shown)."""


@cache
def _templates() -> Any:
    """Jinja2 with autoescape on for every template (HTML and Atom alike): no upstream string reaches a page raw."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    environment = Environment(
        loader=PackageLoader("shared.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment


def render(template: str, **context: Any) -> str:
    return str(_templates().get_template(template).render(**context))


@dataclass(frozen=True)
class Request:
    base_url: str
    """Scheme and host the client used, no trailing slash: "https://abc.execute-api.eu-west-2.amazonaws.com"."""
    query: Mapping[str, str]
    accept: str | None = None


class Site:
    def __init__(
        self, store: ReadStore, clock: Any = None, watches: Callable[[str], Watch | None] = lambda _: None
    ) -> None:
        self._store = store
        self._clock = clock or (lambda: datetime.now(UTC))
        self._watches = watches
        """A saved watch by name (shared/adapters/watch_store.py), None when there is no such watch."""

    # -- pages ------------------------------------------------------------------------------------------------------

    def home(self, request: Request, as_json: bool) -> Response:
        listed: list[tuple[Department, datetime | None]] = []
        for department in DEPARTMENTS:
            latest = self._store.page(timeline_key(department.slug), 1).rows
            listed.append((department, _notification(latest[0]).item.published_at if latest else None))
        if as_json:
            body = [
                {
                    "slug": d.slug,
                    "name": d.name,
                    "latest": at.isoformat() if at else None,
                    "path": f"/departments/{d.slug}",
                }
                for d, at in listed
            ]
            return Response(200, JSON, json.dumps({"departments": body}, ensure_ascii=False))
        shown = [
            {"name": d.name, "latest": long_date(at) if at else None, "path": f"/departments/{d.slug}"}
            for d, at in listed
        ]
        return Response(200, HTML, render("home.html", departments=shown))

    def department(self, slug: str, request: Request, as_json: bool) -> Response:
        department = _department(slug)
        if department is None:
            return self.not_found(f"There is no department {slug!r}.", as_json)
        kind = request.query.get("kind") or None
        source = request.query.get("source") or None
        if (kind and kind not in {k.value for k in Kind}) or (source and source not in SOURCE_LABELS):
            return self.not_found("There is no such filter.", as_json)
        before, after = request.query.get("before"), request.query.get("after")
        if any(cursor is not None and not CURSOR.match(cursor) for cursor in (before, after)):
            return self.not_found("That page does not exist.", as_json)
        page = self._store.page(
            timeline_key(slug, kind), PAGE_SIZE, before=before, after=after, sources=(source,) if source else ()
        )
        filters = {"kind": kind, "source": source}
        path = f"/departments/{slug}"
        older = _link(path, {**filters, "before": page.older}) if page.older else None
        newer = _link(path, {**filters, "after": page.newer}) if page.newer else None
        notifications = [_notification(row) for row in page.rows]
        last_modified = _last_modified(page.rows)
        if as_json:
            document = {
                "department": {"slug": department.slug, "name": department.name},
                "items": [n.item.model_dump(mode="json") for n in notifications],
                **_json_page_links(path, older, newer),
            }
            return Response(200, JSON, json.dumps(document, ensure_ascii=False), last_modified=last_modified)
        body = render(
            "department.html",
            department=department,
            entries=[entry(n) for n in notifications],
            older=older,
            newer=newer,
            filters=_filter_links(path, kind, source),
            filtered=bool(kind or source),
            feed=f"{path}/feed.atom",
            calendar=f"{path}/calendar.ics",
        )
        return Response(200, HTML, body, last_modified=last_modified)

    def feed(self, slug: str, request: Request) -> Response:
        department = _department(slug)
        if department is None:
            return self.not_found(f"There is no department {slug!r}.", False)
        rows = self._store.page(timeline_key(slug), FEED_SIZE).rows
        return self._feed(
            [(row, _notification(row)) for row in rows],
            request,
            feed_id=_urn("department", slug),
            title=f"{department.name} (deptwatch)",
            path=f"/departments/{slug}",
            self_path=f"/departments/{slug}/feed.atom",
        )

    def _feed(
        self,
        rows: Sequence[tuple[Row, Notification]],
        request: Request,
        *,
        feed_id: str,
        title: str,
        path: str,
        self_path: str,
    ) -> Response:
        """An Atom feed of these rows (newest first), one entry per item, its id stable."""
        entries = []
        for row, notification in rows:
            entries.append(
                {
                    "id": _urn("item", row.item_id),
                    "entry": entry(notification),
                    "updated": _rfc3339(row.version_at),
                    "published": notification.item.published_at.isoformat(),
                    "page": request.base_url + item_path(row.item_id),
                    "summary": notification.item.summary or notification.item.body or notification.item.title,
                    "kind_label": kind_label(notification.item.kind),
                }
            )
        updated = max((str(e["updated"]) for e in entries), default=_rfc3339(self._clock().isoformat()))
        body = render(
            "feed.atom",
            feed_id=feed_id,
            title=title,
            updated=updated,
            self_url=request.base_url + self_path,
            page_url=request.base_url + path,
            entries=entries,
        )
        last_modified = _last_modified([row for row, _ in rows])
        return Response(200, ATOM, body, max_age=FEED_MAX_AGE, last_modified=last_modified)

    def calendar(self, slug: str, request: Request) -> Response:
        from shared.web.calendar import calendar

        department = _department(slug)
        if department is None:
            return self.not_found(f"There is no department {slug!r}.", False)
        rows = self._store.page(timeline_key(slug, Kind.SCHEDULED_EVENT), CALENDAR_SIZE).rows
        events = [(_notification(r), r.version_at, request.base_url + item_path(r.item_id)) for r in rows]
        body = calendar(f"{department.name} (deptwatch)", events)
        return Response(200, CALENDAR, body, max_age=FEED_MAX_AGE, last_modified=_last_modified(rows))

    def item(self, item_id: str, request: Request, as_json: bool) -> Response:
        rows = self._store.versions(item_id)
        if not rows:
            return self.not_found(f"deptwatch has no item {item_id!r}.", as_json)
        versions = [_notification(row) for row in rows]
        last_modified = _last_modified(rows[:1])
        if as_json:
            document = {
                "item": versions[0].item.model_dump(mode="json"),
                "shortened": shortened_note(versions[0]),
                "versions": [json.loads(v.to_json()) for v in versions],
            }
            return Response(200, JSON, json.dumps(document, ensure_ascii=False), last_modified=last_modified)
        latest = versions[0].item
        body = render(
            "item.html",
            entry=entry(versions[0]),
            item=latest,
            versions=[(entry(v), v) for v in versions],
            json_path=item_path(item_id, ".json"),
        )
        return Response(200, HTML, body, last_modified=last_modified)

    def item_calendar(self, item_id: str, request: Request) -> Response:
        from shared.web.calendar import calendar

        rows = self._store.versions(item_id)
        notification = _notification(rows[0]) if rows else None
        if notification is None or notification.item.kind != Kind.SCHEDULED_EVENT:
            return self.not_found(f"deptwatch has no scheduled event {item_id!r}.", False)
        body = calendar(
            notification.item.title, [(notification, rows[0].version_at, request.base_url + item_path(item_id))]
        )
        return Response(200, CALENDAR, body, max_age=FEED_MAX_AGE, last_modified=_last_modified(rows[:1]))

    def search(self, request: Request, as_json: bool) -> Response:
        from shared.watching.query import QuerySyntaxError, parse_query
        from shared.web.search import search

        text = (request.query.get("q") or "").strip()
        slug = request.query.get("department") or None
        source = request.query.get("source") or None
        context: dict[str, Any] = {
            "q": text,
            "department": slug,
            "source": source,
            "departments": DEPARTMENTS,
            "sources": SOURCE_LABELS,
            "entries": [],
            "error": None,
            "searched": False,
        }
        if (slug and _department(slug) is None) or (source and source not in SOURCE_LABELS):
            return self.not_found("There is no such department or source.", as_json)
        status = 200
        items: list[Notification] = []
        if text:
            try:
                query = parse_query(text)
            except QuerySyntaxError as error:
                context["error"] = f"That search cannot be read {error}."
                status = 400
            else:
                slugs = [slug] if slug else [d.slug for d in DEPARTMENTS]
                matches, _ = search(self._store, query, slugs, (source,) if source else ())
                rows = self._store.rows([(m.partition, m.sk) for m in matches])
                items = [_notification(row) for row in rows]
                context["searched"] = True
        if as_json:
            if status != 200:
                return Response(status, JSON, json.dumps({"error": context["error"]}))
            document = {"query": text, "items": [n.item.model_dump(mode="json") for n in items]}
            return Response(200, JSON, json.dumps(document, ensure_ascii=False))
        context["entries"] = [entry(n) for n in items]
        return Response(status, HTML, render("search.html", **context))

    def watch(self, name: str, request: Request, as_json: bool) -> Response:
        """The stored items a saved watch matches, newest first, paged as a department's page."""
        from shared.web.watches import watch_page

        watch = self._watch(name)
        if watch is None:
            return self.not_found(f"There is no watch {name!r}.", as_json)
        before, after = request.query.get("before"), request.query.get("after")
        if any(cursor is not None and not CURSOR.match(cursor) for cursor in (before, after)):
            return self.not_found("That page does not exist.", as_json)
        page = watch_page(self._store, watch, PAGE_SIZE, before=before, after=after)
        path = f"/watches/{name}"
        older = _link(path, {"before": page.older}) if page.older else None
        newer = _link(path, {"after": page.newer}) if page.newer else None
        last_modified = _last_modified([row for row, _ in page.rows])
        if as_json:
            document = {
                "watch": watch.stored(),
                "items": [n.item.model_dump(mode="json") for _, n in page.rows],
                **_json_page_links(path, older, newer),
            }
            return Response(200, JSON, json.dumps(document, ensure_ascii=False), last_modified=last_modified)
        body = render(
            "watch.html",
            watch=watch,
            filters=_watch_filters(watch),
            entries=[entry(n) for _, n in page.rows],
            older=older,
            newer=newer,
            feed=f"{path}.atom",
            first_page=before is None and after is None,
        )
        return Response(200, HTML, body, last_modified=last_modified)

    def watch_feed(self, name: str, request: Request) -> Response:
        from shared.web.watches import watch_page

        watch = self._watch(name)
        if watch is None:
            return self.not_found(f"There is no watch {name!r}.", False)
        return self._feed(
            watch_page(self._store, watch, FEED_SIZE).rows,
            request,
            feed_id=_urn("watch", name),
            title=f"Watch {name} (deptwatch)",
            path=f"/watches/{name}",
            self_path=f"/watches/{name}.atom",
        )

    def _watch(self, name: str) -> Watch | None:
        """The watch, or None: a name no watch could have is not looked up."""
        return self._watches(name) if WATCH_NAME.match(name) else None

    def not_found(self, message: str, as_json: bool) -> Response:
        if as_json:
            return Response(404, JSON, json.dumps({"error": message}))
        return Response(404, HTML, render("error.html", title="Not found", message=message))


def _watch_filters(watch: Watch) -> list[tuple[str, str]]:
    """A watch's filters as a page lists them: (what, the values it accepts), the departments by name."""
    names = {department.slug: department.name for department in DEPARTMENTS}
    filters = [
        ("Departments", ", ".join(names.get(slug, slug) for slug in watch.departments) or "Every department"),
        ("Sources", ", ".join(SOURCE_LABELS.get(source, source) for source in watch.sources)),
        ("Kinds", ", ".join(kind_label(kind) for kind in watch.kinds)),
        ("Events", ", ".join(watch.events)),
        ("Houses", ", ".join(house.title() for house in watch.houses)),
        ("Categories", ", ".join(watch.categories)),
        ("Organisations", ", ".join(watch.organisations)),
        ("Delivered", watch.frequency.value),
    ]
    return [(what, values) for what, values in filters if values]


def _department(slug: str) -> Department | None:
    try:
        return by_slug(slug)
    except UnknownDepartmentError:
        return None


def _notification(row: Row) -> Notification:
    return Notification.model_validate_json(row.notification)


def _last_modified(rows: Sequence[Row]) -> datetime | None:
    return max((datetime.fromisoformat(row.version_at) for row in rows), default=None)


def _rfc3339(value: str) -> str:
    moment = datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _urn(kind: str, name: str) -> str:
    """A stable Atom id: a name-based UUID (RFC 4122 version 5) of what it identifies."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'deptwatch:{kind}:{name}')}"


def _link(path: str, query: Mapping[str, str | None]) -> str:
    given = {name: value for name, value in query.items() if value}
    return f"{path}?{urlencode(given)}" if given else path


def _filter_links(path: str, kind: str | None, source: str | None) -> dict[str, list[tuple[str, str, bool]]]:
    """Each filter's choices as (label, link, chosen); choosing one keeps the other filter and starts at page one."""
    kinds = [("All kinds", _link(path, {"source": source}), kind is None)]
    kinds += [(k.label, _link(path, {"kind": k.value, "source": source}), kind == k.value) for k in Kind]
    sources = [("All sources", _link(path, {"kind": kind}), source is None)]
    sources += [(label, _link(path, {"kind": kind, "source": s}), source == s) for s, label in SOURCE_LABELS.items()]
    return {"Kind": kinds, "Source": sources}


__all__ = ["Entry", "Request", "Site"]


def _json_page_links(path: str, older: str | None, newer: str | None) -> dict[str, str | None]:
    """A paged JSON view's links to its older and newer pages: the HTML page links, to the same page as JSON."""
    return {
        "older": older and older.replace(path, f"{path}.json", 1),
        "newer": newer and newer.replace(path, f"{path}.json", 1),
    }
