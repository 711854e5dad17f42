"""`deptwatch serve --offline` and `deptwatch ingest … --serve PORT` as a person runs them: a process that prints its
URL and serves the read side until interrupted (Ctrl-C: SIGINT), then exits 0."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from queue import Empty, Queue

from tests.integration.read_side import EDUCATION, question

URL = re.compile(r"deptwatch read side: (http://127\.0\.0\.1:\d+/) \(Ctrl-C to stop\)")
STARTUP_SECONDS = 240
"""The offline poll of every recorded source on moto, on a busy 2-core machine."""


@contextmanager
def running(*arguments: str) -> Iterator[tuple[str, list[str]]]:
    """`deptwatch ARGUMENTS` in its own process until it prints its URL: yields the URL and what it printed; then
    interrupts it as Ctrl-C does and checks that it stops cleanly."""
    process = subprocess.Popen(  # noqa: S603 (our own command, fixed arguments)
        [sys.executable, "-m", "infra.cli", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    lines: Queue[str] = Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or ()], daemon=True).start()
    printed: list[str] = []
    try:
        while (found := URL.search(printed[-1] if printed else "")) is None:
            try:
                printed.append(lines.get(timeout=STARTUP_SECONDS))
            except Empty:
                raise AssertionError(f"no URL printed in {STARTUP_SECONDS} s: {printed}") from None
        yield found.group(1), printed
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def fetch(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (the loopback server just started)
        return response.status, response.headers["Content-Type"], response.read().decode()


def fetch_status(url: str) -> int:
    try:
        return fetch(url)[0]
    except urllib.error.HTTPError as error:
        return error.code


def test_serve_offline_polls_the_recordings_and_serves_them_until_interrupted() -> None:
    # GIVEN `deptwatch serve --offline` on any free port
    with running("serve", "--offline", "--port", "0") as (base, _):
        # WHEN its pages are fetched over HTTP
        status, content_type, home = fetch(base)
        page_status, _, page = fetch(f"{base}departments/{EDUCATION}")
        feed_status, feed_type, _ = fetch(f"{base}departments/{EDUCATION}/feed.atom")
        # THEN the recorded Education items are there, and an unknown page is a 404
        assert (status, content_type) == (200, "text/html; charset=utf-8") and "Department for Education" in home
        assert page_status == 200 and 'href="/items/' in page
        assert (feed_status, feed_type) == (200, "application/atom+xml; charset=utf-8")
        assert fetch_status(f"{base}departments/no-such-department") == 404


def test_ingest_then_serve_shows_what_was_just_ingested(tmp_path: Path) -> None:
    # GIVEN a file of two questions ingested with --serve on any free port
    path = tmp_path / "questions.json"
    records = [question(1, 5, "Served question one"), question(2, 9, "Served question two")]
    path.write_text(json.dumps({"totalResults": 2, "results": [{"value": r, "links": []} for r in records]}))
    with running("ingest", "--source", "written-questions", str(path), "--serve", "0") as (base, printed):
        # WHEN the department page and one item are fetched
        _, _, page = fetch(f"{base}departments/{EDUCATION}")
        status, content_type, item = fetch(f"{base}items/written-questions:1700002.json")
        # THEN they are the questions just ingested, newest first, after the deliveries were printed
        assert re.findall(r'<h2><a href="/items/[^"]+">([^<]*)</a>', page) == [
            "Served question two",
            "Served question one",
        ]
        assert (status, content_type) == (200, "application/json")
        assert json.loads(item)["item"]["title"] == "Served question two"
        assert any("Served question" in line for line in printed[:-1])
