"""A loopback HTTP server that answers like the upstream APIs, from recorded responses shipped in the repo.

`make demo` points the fetcher at it (UPSTREAM_OVERRIDES), so the offline pipeline runs the very same HTTP code as the
live one. It serves the written-questions list (filters, date windows, paging capped like a real API) and detail
endpoints from the records found in `tests/fixtures/upstream/written-questions/`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

RECORDED = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "upstream"
QUESTIONS_HOST = "questions-statements-api.parliament.uk"
QUESTIONS_PATH = "/api/writtenquestions/questions"
PAGE_CAP = 20
"""Pages are capped below what is asked for, as some Parliament endpoints do: clients must page by what they get."""


def _is_fuller(candidate: dict[str, Any], current: dict[str, Any]) -> bool:
    def length(record: dict[str, Any]) -> int:
        return len(record.get("questionText") or "") + len(record.get("answerText") or "")

    return length(candidate) > length(current)


class RecordedQuestions:
    """The recorded written questions, by id; where a record was recorded twice, the fuller text is kept."""

    def __init__(self, directory: Path = RECORDED / "written-questions") -> None:
        self.records: dict[int, dict[str, Any]] = {}
        for path in sorted(directory.glob("*.json")):
            body = json.loads(path.read_text(encoding="utf-8"))
            entries = body["results"] if "results" in body else [body]
            for entry in entries:
                record = entry["value"]
                current = self.records.get(record["id"])
                if current is None or _is_fuller(record, current):
                    self.records[record["id"]] = record

    def earliest(self) -> date:
        return min(date.fromisoformat(r["dateTabled"][:10]) for r in self.records.values())

    def search(self, query: dict[str, list[str]]) -> dict[str, Any]:
        bodies = {int(b) for b in query.get("answeringBodies", [])}
        matches = []
        for record in self.records.values():
            if bodies and record["answeringBodyId"] not in bodies:
                continue
            if record.get("isWithdrawn") and query.get("includeWithdrawn", ["false"])[0] != "true":
                continue
            if not all(self._in_window(record, query, name) for name in ("tabled", "answered", "corrected")):
                continue
            matches.append(record)
        skip = int(query.get("skip", ["0"])[0])
        take = min(int(query.get("take", ["20"])[0]), PAGE_CAP)
        page = [{"value": _as_listed(r), "links": _links(r)} for r in matches[skip : skip + take]]
        return {"totalResults": len(matches), "results": page}

    @staticmethod
    def _in_window(record: dict[str, Any], query: dict[str, list[str]], name: str) -> bool:
        field = {"tabled": "dateTabled", "answered": "dateAnswered", "corrected": "dateAnswerCorrected"}[name]
        start, end = query.get(f"{name}WhenFrom", [None])[0], query.get(f"{name}WhenTo", [None])[0]
        if start is None and end is None:
            return True
        value = (record.get(field) or "")[:10]
        return bool(value) and (start is None or value >= start) and (end is None or value <= end)

    def detail(self, question_id: int) -> dict[str, Any] | None:
        record = self.records.get(question_id)
        return {"value": record, "links": _links(record)} if record else None


def _links(record: dict[str, Any]) -> list[dict[str, str]]:
    return [{"rel": "self", "href": f"/Questions/{record['id']}", "method": "GET"}]


def _as_listed(record: dict[str, Any]) -> dict[str, Any]:
    """The list endpoint's form of a record: question cut at 255 characters, answer HTML-stripped and cut + "..."."""
    from shared.text import html_to_text

    listed = dict(record)
    listed["questionText"] = (record.get("questionText") or "")[:255]
    answer = record.get("answerText")
    if answer and "<" in answer:
        flat = html_to_text(answer).replace("\n", "")
        listed["answerText"] = flat[:255] + "..." if len(flat) > 258 else flat
    return listed


class _Handler(BaseHTTPRequestHandler):
    questions: RecordedQuestions

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        prefix = f"/{QUESTIONS_HOST}{QUESTIONS_PATH}"
        if parts.path == prefix:
            self._reply(200, self.questions.search(query))
        elif parts.path.startswith(prefix + "/") and parts.path[len(prefix) + 1 :].isdigit():
            detail = self.questions.detail(int(parts.path[len(prefix) + 1 :]))
            self._reply(200, detail) if detail else self._reply(404, {"title": "Not Found"})
        else:
            self._reply(404, {"title": "Not Found", "path": parts.path})

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def replay_server() -> Iterator[tuple[dict[str, str], RecordedQuestions]]:
    """Serve the recordings on 127.0.0.1; yields the UPSTREAM_OVERRIDES mapping that points the fetcher at them."""
    questions = RecordedQuestions()
    handler = type("Handler", (_Handler,), {"questions": questions})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield {f"https://{QUESTIONS_HOST}": f"{base}/{QUESTIONS_HOST}"}, questions
    finally:
        server.shutdown()
        server.server_close()
