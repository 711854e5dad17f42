"""What a page answers over HTTP: the response, its validators (ETag, Last-Modified) and how long it may be kept."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

HTML = "text/html; charset=utf-8"
JSON = "application/json"
ATOM = "application/atom+xml; charset=utf-8"
CALENDAR = "text/calendar; charset=utf-8"

PAGE_MAX_AGE = 60
"""Seconds a browser may keep a page or a JSON answer: new versions arrive every few minutes at most."""
FEED_MAX_AGE = 300
"""Feed readers and calendar clients poll every few minutes: within five minutes they re-validate (a 304, no body)."""


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: str
    max_age: int = PAGE_MAX_AGE
    last_modified: datetime | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body.encode()).hexdigest()[:32] + '"'

    def answer(self, request_headers: Mapping[str, str]) -> tuple[int, dict[str, str], str]:
        """Status, headers and body for a request: 304 without a body when the client's copy is still this one
        (If-None-Match first, as RFC 9110 says; If-Modified-Since only without it)."""
        headers = {
            "Content-Type": self.content_type,
            "Cache-Control": f"public, max-age={self.max_age}",
            "X-Content-Type-Options": "nosniff",
            **self.headers,
        }
        if self.status != 200:
            return self.status, headers, self.body
        etag = self.etag()
        headers["ETag"] = etag
        if self.last_modified is not None:
            headers["Last-Modified"] = format_datetime(self.last_modified.astimezone(UTC), usegmt=True)
        lowered = {name.lower(): value for name, value in request_headers.items()}
        if "if-none-match" in lowered:
            tags = {tag.strip().removeprefix("W/") for tag in lowered["if-none-match"].split(",")}
            if etag in tags or "*" in tags:
                return 304, headers, ""
        elif "if-modified-since" in lowered and self.last_modified is not None:
            since = _http_date(lowered["if-modified-since"])
            if since is not None and self.last_modified.replace(microsecond=0) <= since:
                return 304, headers, ""
        return 200, headers, self.body


def _http_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def wants_json(path_name: str, accept: str | None) -> tuple[str, bool]:
    """The name without a `.json` suffix, and whether JSON is asked for (the suffix, or an Accept header that
    prefers application/json to HTML)."""
    if path_name.endswith(".json"):
        return path_name.removesuffix(".json"), True
    accept = (accept or "").lower()
    return path_name, JSON in accept and "text/html" not in accept
