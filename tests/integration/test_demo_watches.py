"""`make demo`'s watches: `deptwatch run --offline --watches <demo file> --digest daily` on the local stack shows the
keyword watch's messages and the Department for Education's daily digest (issue #13).

What the keyword watch should match is worked out here from the department messages of the same run (the recorded
items as the pipeline stored them), with a plain regular expression rather than the query engine under test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema

from infra.codegen.schema import DIGEST_SCHEMA_FILE
from infra.local.replay import RECORDED
from tests.integration.deployed import Deptwatch

DEMO_WATCHES = RECORDED / "demo-watches.json"
DFE = "department-for-education"
KEYWORD_QUERY = '"Skills Bootcamps" OR apprentice*'
KEYWORD_PATTERN = re.compile(r"\bskills\W+bootcamps\b|\bapprentice", re.IGNORECASE)
"""The keyword watch's query as a regular expression: the phrase across any punctuation, or a word starting so."""


def _demo_watches() -> dict[str, dict[str, Any]]:
    return {watch["name"]: watch for watch in json.loads(DEMO_WATCHES.read_text(encoding="utf-8"))}


def _searched_text(item: dict[str, Any]) -> str:
    texts = [item["title"], item.get("summary") or "", item.get("body") or ""]
    texts += [attachment["title"] for attachment in item.get("attachments", [])]
    texts += [person["name"] for person in item.get("people", [])]
    return "\n".join(texts)


def test_the_demo_shows_the_keyword_watch_and_the_department_daily_digest(deptwatch: Deptwatch) -> None:
    # GIVEN the demo's watches file: one keyword watch, delivered at once, and the DfE's daily digest
    watches = _demo_watches()
    keyword = next(watch for watch in watches.values() if watch.get("query"))
    digest = next(watch for watch in watches.values() if watch.get("frequency") == "daily")
    assert keyword["query"] == KEYWORD_QUERY and keyword.get("frequency", "immediate") == "immediate"
    assert digest["departments"] == [DFE] and not digest.get("query")
    # WHEN the offline demo runs with them
    code, out, err = deptwatch(
        "run", "--offline", "--quiet", "--json", "--watches", str(DEMO_WATCHES), "--digest", "daily"
    )
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    department_lines = [line for line in lines if "watch" not in line]
    items = {line["message"]["item"]["id"]: line["message"]["item"] for line in department_lines}
    matching = {item_id for item_id, item in items.items() if KEYWORD_PATTERN.search(_searched_text(item))}
    assert 2 <= len(matching) < len(items) / 4, "the demo's query should pick out a few items"
    # THEN the keyword watch got one message for exactly each item its query matches
    keyword_lines = [line for line in lines if line.get("watch") == keyword["name"]]
    assert sorted(line["message"]["item"]["id"] for line in keyword_lines) == sorted(matching)
    assert all("digest" not in line for line in keyword_lines)
    # AND one daily digest for the DfE, in the digest schema, with every item on the DfE's topic once
    digest_lines = [line for line in lines if "digest" in line]
    assert [(line["watch"], line["digest"]) for line in digest_lines] == [(digest["name"], "daily")]
    message = digest_lines[0]["message"]
    assert message["schema"] == "deptwatch.digest/1"
    jsonschema.validate(message, json.loads(DIGEST_SCHEMA_FILE.read_text(encoding="utf-8")))
    on_dfe_topic = {line["message"]["item"]["id"] for line in department_lines if line["department"] == DFE}
    digested = [item["id"] for item in message["items"]]
    assert len(digested) == len(set(digested)) and set(digested) == on_dfe_topic
    assert message["total"] == len(on_dfe_topic) and message["omitted"] == 0


def test_the_demo_text_shows_the_digest_email_grouped(deptwatch: Deptwatch) -> None:
    # WHEN the offline demo runs as `make demo` does (text, not JSON)
    code, out, err = deptwatch("run", "--offline", "--quiet", "--watches", str(DEMO_WATCHES), "--digest", "daily")
    assert code == 0, err
    # THEN the keyword watch's messages and the digest e-mail are shown, the e-mail grouped by kind
    watches = _demo_watches()
    keyword = next(name for name, watch in watches.items() if watch.get("query"))
    assert f"=== Watch {keyword}: " in out
    digest = out[out.index("=== Watch education-daily: 1 notification(s) ===") :]
    assert "deptwatch daily digest: education-daily" in digest
    sections = re.findall(r"^\s*== (.+?) \(\d+\) ==$", digest, re.MULTILINE)
    assert len(sections) == len(set(sections)) >= 4, sections
    assert sections.index("Written statements") < sections.index("Written questions: answered")


def test_a_bad_watches_file_or_digest_with_polling_is_refused_in_one_line(deptwatch: Deptwatch, tmp_path: Path) -> None:
    # GIVEN a watches file with a malformed query
    bad = tmp_path / "watches.json"
    bad.write_text(json.dumps([{"name": "broken", "query": '"unbalanced'}]), encoding="utf-8")
    # WHEN run is given it, or a digest with --watch
    code, _, err = deptwatch("run", "--offline", "--watches", str(bad))
    again, _, polling = deptwatch("run", "--offline", "--watch", "--digest", "daily")
    # THEN each exits 2 with one line naming the problem, before any stack is started
    assert code == 2 and err.count("\n") == 1 and "broken" in err and "Traceback" not in err
    assert again == 2 and polling.count("\n") == 1 and "--watch" in polling
