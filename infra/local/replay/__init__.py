"""A loopback HTTP server that answers like the upstream APIs, from recorded responses shipped in the repo.

`make demo` points the fetcher at it (UPSTREAM_OVERRIDES), so the offline pipeline runs the very same HTTP code as the
live one. Each module of this package emulates one upstream API over the recordings in `infra/local/recordings/` and
exposes `recorded_api() -> RecordedApi`; the server finds them by itself.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

RECORDED = Path(__file__).resolve().parent.parent / "recordings"
"""The recorded upstream responses, one folder per source: shipped with the package (package data)."""


class RecordedApi(Protocol):
    host: str
    """The upstream host it stands in for, e.g. "questions-statements-api.parliament.uk"."""

    def handle(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any] | None:
        """Status and JSON body for a GET of `path` (without the host), or None for a path of another API."""
        ...

    def earliest(self) -> date | None:
        """The date of the oldest recording, so that a demo backfill can reach it."""
        ...


def recorded_apis() -> list[RecordedApi]:
    apis = []
    for module in pkgutil.iter_modules(__path__):
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        if hasattr(loaded, "recorded_api"):
            apis.append(loaded.recorded_api())
    return apis


def load_recording(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def answer(apis: dict[str, list[RecordedApi]], host: str, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
    """What the recorded APIs of `host` answer (several APIs can share a host, each with its own paths)."""
    for api in apis.get(host, []):
        if (response := api.handle(path, query)) is not None:
            return response
    return 404, {"title": "Not Found", "host": host, "path": path}


def apis_by_host() -> dict[str, list[RecordedApi]]:
    grouped: dict[str, list[RecordedApi]] = {}
    for api in recorded_apis():
        grouped.setdefault(api.host, []).append(api)
    return grouped


class _Handler(BaseHTTPRequestHandler):
    apis: dict[str, list[RecordedApi]]

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        host, _, path = parts.path.lstrip("/").partition("/")
        self._reply(*answer(self.apis, host, "/" + path, parse_qs(parts.query)))

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
def replay_server() -> Iterator[tuple[dict[str, str], date | None]]:
    """Serve the recordings on 127.0.0.1.

    Yields the UPSTREAM_OVERRIDES mapping that points the fetcher at them, and the date of the oldest recording.
    """
    apis = apis_by_host()
    handler = type("Handler", (_Handler,), {"apis": apis})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    earliest = [day for group in apis.values() for api in group if (day := api.earliest())]
    try:
        yield {f"https://{host}": f"{base}/{host}" for host in apis}, min(earliest, default=None)
    finally:
        server.shutdown()
        server.server_close()


def replay_transport() -> Any:
    """An httpx transport that answers from the recordings in-process (for tests, where sockets are off)."""
    import httpx

    apis = apis_by_host()

    def handle(request: httpx.Request) -> httpx.Response:
        query = parse_qs(request.url.query.decode(), keep_blank_values=True)
        status, body = answer(apis, request.url.host, request.url.path, query)
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handle)
