"""The read API on the local stack: a local HTTP server that turns each request into an API Gateway HTTP API event
(payload 2.0) and invokes ApiFunction with it, in-process, as API Gateway would."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from threading import Thread
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from infra.local.stack import ACCOUNT_ID, LocalStack

READ_API = "ApiFunction"


def http_api_event(method: str, target: str, headers: dict[str, str], host: str) -> dict[str, Any]:
    """The event API Gateway's HTTP API sends for a request (payload format 2.0): repeated query parameters joined
    with commas, header names lower-case, the raw path as sent."""
    parts = urlsplit(target)
    query: dict[str, str] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    lowered = {name.lower(): value for name, value in headers.items()}
    lowered.setdefault("host", host)
    lowered["x-forwarded-proto"] = "http"
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.path,
        "rawQueryString": parts.query,
        "headers": lowered,
        "queryStringParameters": query or None,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "domainName": lowered["host"],
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": parts.path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": False,
    }


def _handler(stack: LocalStack) -> type[BaseHTTPRequestHandler]:
    class ReadApiHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            address = self.server.server_address
            host = f"{address[0]!s}:{address[1]!s}" if isinstance(address, tuple) else str(address)
            event = http_api_event("GET", self.path, dict(self.headers.items()), host)
            result = stack.invoke(READ_API, event)
            body = result.get("body") or ""
            payload = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
            self.send_response(int(result.get("statusCode", 200)))
            for name, value in (result.get("headers") or {}).items():
                self.send_header(name, value)
            for name, values in (result.get("multiValueHeaders") or {}).items():
                for value in values:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return  # the functions' own logs say what happened

    return ReadApiHandler


def read_api_server(stack: LocalStack, port: int = 0, host: str = "127.0.0.1") -> HTTPServer:
    """One request at a time: the stack runs each function in its own environment, set around the call."""
    return HTTPServer((host, port), _handler(stack))


@contextmanager
def serving(stack: LocalStack, port: int = 0) -> Iterator[str]:
    """Serve in a background thread while the block runs; yields the base URL."""
    server = read_api_server(stack, port)
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
