"""The hostile and broken upstream corpus: how each file in tests/corpus/files/ is made, and what deptwatch must do
with it. `python -m tests.corpus.build_corpus` writes the files again (they are committed; the tests read them).

Every file is an upstream response body as the API would return it (a list page, or raw bytes), built from the real
recorded records in infra/local/recordings/ with only the hostile fields changed. Good records sit beside the bad
ones so that a test can see that a bad record fails alone. The 2 MB answer is not committed: `huge_answer_response()`
builds it at test time (it compresses to nothing, but a 2 MB file in the tree helps nobody).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.local.replay import RECORDED

FIXTURES = RECORDED
FILES = Path(__file__).resolve().parent / "files"

WQ, WS, GOVUK = "written-questions", "written-statements", "govuk-publications"
BIDI_AND_INVISIBLE = (
    "\u202e\u202d\u202a\u202b\u202c\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\u200c\u200d\u2060\ufeff"
)
C0_CONTROLS = "".join(chr(code) for code in range(32) if chr(code) not in "\n\t")
UNSAFE_MARKERS = ("<script", "</script", "javascript:", "vbscript:", "data:text/html", "onerror", "<iframe", "<img")
"""Text that must never reach a notification (JSON message, email, subject), compared case-insensitively."""


@dataclass
class CorpusFile:
    source: str
    name: str
    what: str
    body: Any = None
    """The response body (JSON-serialised into the file), or bytes written as they are."""
    good: list[int | str] = field(default_factory=list)
    """Upstream ids that must be delivered."""
    bad: dict[int, str] = field(default_factory=dict)
    """Position in the response → words the reason must contain."""
    file_error: str | None = None
    """Words the file-level error must contain (the file is not a response at all)."""
    xfail: str | None = None
    """Why this file cannot pass yet (a production bug), with the fix."""

    @property
    def path(self) -> Path:
        return FILES / self.source / self.name

    def content(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, ensure_ascii=False, indent=1).encode("utf-8")


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def question(number: int, **changes: Any) -> dict[str, Any]:
    """The real detail record of question 1679416 (DfE, full HTML answer) as question 1_990_000 + number."""
    record = copy.deepcopy(_load("written-questions/detail_1679416.json")["value"])
    record.update(id=1_990_000 + number, uin=str(79_000 + number), heading=f"{record['heading']} ({number})")
    record.update(changes)
    return record


def without(record: dict[str, Any], *names: str) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key not in names}


def page(*records: dict[str, Any]) -> dict[str, Any]:
    return {
        "totalResults": len(records),
        "results": [{"value": r, "links": [{"rel": "self", "href": f"/Questions/{r.get('id')}"}]} for r in records],
    }


def statement(number: int, **changes: Any) -> dict[str, Any]:
    """The real-shaped detail record of statement 1701201 (DfE, HTML text, a PDF) as statement 1_890_000 + number."""
    record = copy.deepcopy(_load("written-statements/detail_1701201.json")["value"])
    record.update(id=1_890_000 + number, uin=f"HCWS{7000 + number}", title=f"{record['title']} ({number})")
    record.update(changes)
    return record


def nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"a": value}
    return value


def huge_answer_response(number: int = 99) -> dict[str, Any]:
    """A 2 MB answer (over SQS's 1 MiB, SNS's 256 KiB and DynamoDB's 400 KB), with a link at its start."""
    paragraph = "<p>The Department\u2019s figures for each local authority are as follows, in thousands of pounds. </p>"
    html = '<p>See <a href="https://www.gov.uk/government/statistics/example">the statistics</a>.</p>'
    html += paragraph * (2_100_000 // len(paragraph.encode()) + 1)
    return page(question(number, answerText=html))


MARKUP = (
    "<script>alert('q')</script><iframe src=\"https://evil.example/\"></iframe>"
    "<img src=x onerror=\"alert('img')\"><svg onload=alert(1)><style>body{display:none}</style>"
)
HOSTILE_LINKS = (
    '<p>Read <a href="javascript:alert(document.cookie)">the guidance</a>, '
    '<a href="JaVaScRiPt:alert(1)">this</a>, <a href=" jav&#x09;ascript:alert(2)">that</a>, '
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">the data</a>, '
    '<a href="vbscript:msgbox(1)">the form</a> and '
    '<a href="https://www.gov.uk/guidance/safe">the real guidance</a>.</p>'
)


QNA_FILES = "https://qna.files.parliament.uk/qna-attachments/1990000/original"
"""Parliament's file host: attachments elsewhere are not the item's own and are dropped."""
LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
"""Every separator str.splitlines knows: a one-line field holding one would print a line of its own."""
FORGED_FOOTER = (
    "\n\nSource page: https://evil.example/login\n\n\u2014\ndeptwatch notification for Department for Education."
)
"""What a title with line breaks could print under itself in an email: a source page and a footer of its own."""
HONG_KONG_FILE = "58th Six-monthly Report on Hong Kong.pdf"
"""A real written statement's attachment name, linked with its raw spaces: encoded, it must be kept."""
IN_TEXT_LINKS = (
    '<p>See <a href="https://www.gov.uk@evil.example/login">GOV.UK</a>, '
    '<a href="https://www.gov.\u0443k/guidance">the guidance</a> and '
    '<a href="https://www.nhs.uk/conditions/">the NHS</a>.</p>'
)
"""Links inside an answer: userinfo passing for GOV.UK, a look-alike host (a Cyrillic u), and a real one elsewhere."""


LOOK_ALIKE_U = "\u0443"
"""Cyrillic u: www.gov.\u0443k reads as www.gov.uk."""


def off_host_links(host: str, domain: str) -> list[str]:
    """Links that pass for `host` (an own host of the source, under `domain`) without being on it."""
    first, parent = host.split(".", 1)
    return [
        "https://evil.example/login.pdf",
        f"https://{host}@evil.example/x.pdf",
        f"http://{host}.evil.example/x.pdf",
        f"https://{host.replace('uk', f'{LOOK_ALIKE_U}k')}/x.pdf",
        f"https://xn--{first}-k5d.{parent}/x.pdf",
        f"https://{host}:8443/x.pdf",
        f"https://evil.example\\.{host}/x.pdf",
        f"https://evil{domain}/x.pdf",
        f"javascript://{host}/%0Aalert(1)",
    ]


def hostile_attachments(host: str, path: str) -> list[dict[str, Any]]:
    """Off-host attachments (all dropped), and two on `host` that are kept: one with raw spaces, one over http."""
    return [
        *({"url": url, "title": f"Off host {n}"} for n, url in enumerate(off_host_links(host, "parliament.uk"))),
        {"url": f"https://{host}{path}/{HONG_KONG_FILE}", "title": "Hong Kong report", "fileType": "PDF"},
        {"url": f"http://{host}{path}/upgraded.pdf", "title": "Over http", "fileType": "PDF"},
    ]


def written_questions() -> list[CorpusFile]:
    good = question(0)
    return [
        CorpusFile(
            WQ,
            "missing_fields.json",
            "records without a heading, an id, a UIN, a tabled date, an answering body; an empty record",
            page(
                good,
                without(question(1), "heading"),
                without(question(2), "id"),
                without(question(3), "uin"),
                without(question(4), "dateTabled"),
                without(question(5), "answeringBodyId"),
                {},
            ),
            good=[good["id"]],
            bad={
                1: "heading: Field required",
                2: "id: Field required",
                3: "uin: Field required",
                4: "dateTabled: Field required",
                5: "answeringBodyId: Field required",
                6: "Field required",
            },
        ),
        CorpusFile(
            WQ,
            "wrong_types.json",
            "fields of the wrong type: a text id, a list of answering bodies, a word for a date, a number for a "
            "heading, a word for a flag, a string for the attachments, a string for the asking member",
            page(
                question(10),
                question(11, id="abc"),
                question(12, answeringBodyId=[60]),
                question(13, dateTabled="yesterday"),
                question(14, heading=42),
                question(15, isWithdrawn="maybe"),
                question(16, attachments="none"),
                question(17, askingMember="Ms A. Member"),
            ),
            good=[question(10)["id"]],
            bad={
                1: "id",
                2: "answeringBodyId",
                3: "dateTabled",
                4: "heading",
                5: "isWithdrawn",
                6: "attachments",
                7: "askingMember",
            },
        ),
        CorpusFile(
            WQ,
            "impossible_dates.json",
            "dates that do not exist: 31 February, month 13, 31 April at 25:61",
            page(
                question(20),
                question(21, dateTabled="2024-02-31T00:00:00"),
                question(22, dateAnswered="2024-13-01T00:00:00"),
                question(23, dateForAnswer="2024-04-31T25:61:00"),
            ),
            good=[question(20)["id"]],
            bad={1: "dateTabled", 2: "dateAnswered", 3: "dateForAnswer"},
        ),
        CorpusFile(
            WQ,
            "markup_injection.json",
            "script, iframe, img onerror, svg onload and style markup in the heading, question, answer, member name "
            "and attachment title",
            page(
                question(
                    30,
                    heading=f"Schools {MARKUP}funding",
                    questionText=f"To ask {MARKUP}the Secretary of State about schools.",
                    answerText=f"<p>An answer.</p>{MARKUP}<p>The end.</p>",
                    answeringMember={"id": 1, "name": "A <script>alert(1)</script>Minister", "party": "Labour"},
                    attachments=[{"url": f"{QNA_FILES}/a.pdf", "title": f"<b onerror=alert(1)>Table</b>{MARKUP}"}],
                ),
                question(31),
            ),
            good=[question(30)["id"], question(31)["id"]],
        ),
        CorpusFile(
            WQ,
            "hostile_links.json",
            "javascript:, data: and vbscript: links (also in mixed case and with an encoded tab) in the answer, and "
            "as attachment URLs",
            page(
                question(
                    40,
                    answerText=HOSTILE_LINKS,
                    attachments=[
                        {"url": "javascript:alert(1)", "title": "script"},
                        {"url": "data:text/html,<script>alert(1)</script>", "title": "data"},
                        {"url": "vbscript:msgbox(1)", "title": "vb"},
                        {"url": f"{QNA_FILES}/b.pdf", "title": "Real table"},
                    ],
                ),
            ),
            good=[question(40)["id"]],
        ),
        CorpusFile(
            WQ,
            "control_and_bidi.json",
            "right-to-left override, zero-width and isolate characters, and every C0 control, in the heading, "
            "question, answer and member name",
            page(
                question(
                    50,
                    heading=f"Pupil{BIDI_AND_INVISIBLE} numbers{C0_CONTROLS}",
                    questionText=f"To ask about \u202etxet desrever\u202c and{C0_CONTROLS} nulls\u0000.",
                    answerText=f"<p>Answer{BIDI_AND_INVISIBLE}{C0_CONTROLS} text.</p>",
                    answeringMember={"id": 2, "name": f"Min\u202eister\u200b{C0_CONTROLS}", "party": "Labour"},
                ),
            ),
            good=[question(50)["id"]],
        ),
        CorpusFile(
            WQ,
            "escaped_markup.json",
            "markup written as HTML entities (&lt;script&gt;…) in the heading, question and answer: decoded, it is "
            "markup again",
            page(
                question(
                    60,
                    heading="&lt;script&gt;alert(1)&lt;/script&gt;Funding",
                    questionText="To ask &lt;img src=x onerror=alert(2)&gt; about funding.",
                    answerText="<p>&lt;iframe src=javascript:alert(3)&gt;&lt;/iframe&gt;An answer.</p>",
                ),
            ),
            good=[question(60)["id"]],
        ),
        CorpusFile(
            WQ,
            "member_fields.json",
            "markup, bidi and control characters in the fields passed through as they are: member party and "
            "constituency, grouped questions, attachment file type",
            page(
                question(
                    70,
                    answeringMember={
                        "id": 3,
                        "name": "A Minister",
                        "party": "<script>alert('party')</script>Labour\u202e",
                        "memberFrom": "Town\u0000\u200b<img src=x onerror=alert(1)>",
                    },
                    groupedQuestions=["<script>alert('grouped')</script>", "7927\u202e"],
                    attachments=[{"url": f"{QNA_FILES}/c.pdf", "title": "Table", "fileType": "<script>PDF"}],
                ),
            ),
            good=[question(70)["id"]],
        ),
        CorpusFile(
            WQ,
            "duplicate_ids.json",
            "the same question twice with different answers, and another twice identical, in one response",
            page(
                question(80, answerText="<p>The first answer.</p>"),
                question(80, answerText="<p>The second answer, a different one.</p>"),
                question(81),
                question(81),
            ),
            good=[question(80)["id"], question(81)["id"]],
        ),
        CorpusFile(
            WQ,
            "nested_depth_5000.json",
            "JSON nested 5000 deep (more than any parser's recursion allows)",
            ("[" * 5000 + "]" * 5000).encode(),
            file_error="nested",
        ),
        CorpusFile(
            WQ,
            "nested_field_depth_300.json",
            "a good record, and one with an extra field nested 300 deep (parseable, ignored by the model)",
            page(question(90), question(91, extra=nested(300))),
            good=[question(90)["id"]],
            bad={1: "nested"},
        ),
        CorpusFile(
            WQ,
            "not_utf8.bin",
            "a response in Windows-1252 with a stray byte: not UTF-8",
            json.dumps(page(question(95, heading="Caf\u00e9 culture \u2013 funding")), ensure_ascii=False).encode(
                "cp1252"
            )
            + b"\x81",
            file_error="utf-8",
        ),
        CorpusFile(
            WQ,
            "truncated.json",
            "a response cut off mid-way",
            json.dumps(page(question(96)))[:700].encode(),
            file_error="not JSON",
        ),
        CorpusFile(
            WQ,
            "not_a_response.json",
            "JSON that is not a response of the API",
            [1, 2, 3],
            file_error="not a written-questions response",
        ),
        CorpusFile(
            WQ,
            "own_links_and_line_breaks.json",
            "attachments off Parliament's hosts (another host, userinfo, a host that starts with ours, a look-alike, "
            "punycode, a port, a backslash, a longer name), one with raw spaces and one over http; links inside the "
            "answer with userinfo and a look-alike host; every line separator in the heading and the member fields",
            page(
                question(
                    100,
                    heading=f"Urgent{FORGED_FOOTER}",
                    answerText=IN_TEXT_LINKS,
                    answeringMember={
                        "id": 4,
                        "name": f"A Minister{LINE_BREAKS}Source page: https://evil.example/",
                        "party": "Labour\u2028Source page: https://evil.example/",
                        "memberFrom": f"Town{LINE_BREAKS}",
                    },
                    attachments=hostile_attachments("qna.files.parliament.uk", "/qna-attachments/1990100/original"),
                ),
                question(101, heading=f"Schools{LINE_BREAKS}funding"),
            ),
            good=[question(100)["id"], question(101)["id"]],
        ),
    ]


def written_statements() -> list[CorpusFile]:
    return [
        CorpusFile(
            WS,
            "missing_fields.json",
            "statements without a title, an id, a date made, an answering body",
            page(
                statement(0),
                without(statement(1), "title"),
                without(statement(2), "id"),
                without(statement(3), "dateMade"),
                without(statement(4), "answeringBodyId"),
            ),
            good=[statement(0)["id"]],
            bad={
                1: "title: Field required",
                2: "id: Field required",
                3: "dateMade: Field required",
                4: "answeringBodyId: Field required",
            },
        ),
        CorpusFile(
            WS,
            "markup_links_and_bidi.json",
            "script markup, hostile links, bidi and control characters in the title, text, member role and attachments",
            page(
                statement(
                    10,
                    title=f"Childcare{BIDI_AND_INVISIBLE} {MARKUP}expansion{C0_CONTROLS}",
                    text=f"<p>Today{MARKUP}</p>{HOSTILE_LINKS}<p>\u202eevil\u202c{C0_CONTROLS}</p>",
                    memberRole=f"Secretary of State{MARKUP}\u202e",
                    attachments=[
                        {"url": "javascript:alert(1)", "title": "x"},
                        {"url": f"{QNA_FILES}/d.pdf", "title": f"Data{MARKUP}\u200b"},
                    ],
                ),
                statement(11),
            ),
            good=[statement(10)["id"], statement(11)["id"]],
        ),
        CorpusFile(
            WS,
            "duplicate_ids.json",
            "the same statement twice with different texts in one response",
            page(statement(20, text="<p>First text.</p>"), statement(20, text="<p>Second, corrected text.</p>")),
            good=[statement(20)["id"]],
        ),
        CorpusFile(
            WS,
            "own_links_and_line_breaks.json",
            "attachments off Parliament's hosts (another host, userinfo, a host that starts with ours, a look-alike, "
            "punycode, a port, a backslash, a longer name), one with raw spaces (a real statement's) and one over "
            "http; links inside the text with userinfo and a look-alike host; line separators in title and role",
            page(
                statement(
                    30,
                    title=f"Urgent{FORGED_FOOTER}",
                    text=IN_TEXT_LINKS,
                    memberRole=f"Minister\u2029Source page: https://evil.example/{LINE_BREAKS}",
                    attachments=hostile_attachments("qna.files.parliament.uk", "/ws-attachments/1890030/original"),
                ),
                statement(31, title=f"Childcare{LINE_BREAKS}expansion"),
            ),
            good=[statement(30)["id"], statement(31)["id"]],
        ),
    ]


def publication(number: int, **changes: Any) -> dict[str, Any]:
    """The real search result of a DfE press release, as content id 00000000-0000-4000-8000-<number>."""
    record = copy.deepcopy(_load("govuk-publications/dfe_newest_first_page_1.json")["results"][0])
    record.update(content_id=f"00000000-0000-4000-8000-{number:012d}", title=f"{record['title']} ({number})")
    record.update(changes)
    return record


def search_page(*records: dict[str, Any]) -> dict[str, Any]:
    return {"results": list(records), "total": len(records), "start": 0}


def govuk_publications() -> list[CorpusFile]:
    hostile = off_host_links("www.gov.uk", "gov.uk")
    return [
        CorpusFile(
            GOVUK,
            "own_links_and_line_breaks.json",
            "result links off GOV.UK (another host, userinfo, a host that starts with ours, a look-alike, punycode, "
            "a port, a backslash, a longer name, another publisher under gov.uk); one over http, one on the asset "
            "host with raw spaces; every line separator in a title",
            search_page(
                publication(0, title=f"Urgent{FORGED_FOOTER}"),
                *(publication(1 + n, link=link) for n, link in enumerate(hostile)),
                publication(20, link="https://www.ons.gov.uk/economy"),
                publication(21, link="http://www.gov.uk/government/news/over-http"),
                publication(22, link=f"https://assets.publishing.service.gov.uk/media/{HONG_KONG_FILE}"),
                publication(23, title=f"Childcare{LINE_BREAKS}rollout"),
            ),
            good=[publication(n)["content_id"] for n in (0, 21, 22, 23)],
            bad={
                1: "is not one of the source's hosts",
                2: "userinfo",
                3: "is not one of the source's hosts",
                4: "punycode",
                5: "punycode",
                6: "port 8443",
                7: "backslash",
                8: "is not one of the source's hosts",
                9: "not an absolute http(s) URL",
                10: "is not one of the source's hosts",
            },
        ),
    ]


def hostile_dates() -> list[CorpusFile]:
    """Dates the notifier could not read back or render (issue #11): before 1847 Europe/London is local mean time
    (offset -00:01:15, which no ISO 8601 parser reads back); year 9999 with an offset overflows in London time."""
    return [
        CorpusFile(
            WQ,
            "hostile_dates.json",
            "a question tabled in 1800 (London's LMT offset), one answered on 31 December 9999, one due in 1066",
            page(
                question(110),
                question(111, dateTabled="1800-01-01T00:00:00"),
                question(112, dateAnswered="9999-12-31T23:00:00"),
                question(113, dateForAnswer="1066-10-14T00:00:00"),
            ),
            good=[question(110)["id"]],
            bad={1: "outside the years 1900 to 2100", 2: "outside the years 1900 to 2100", 3: "dateForAnswer"},
        ),
        CorpusFile(
            WS,
            "hostile_dates.json",
            "a statement made in 1820 (London's LMT offset) and one made in 9999",
            page(
                statement(110),
                statement(111, dateMade="1820-06-01T00:00:00"),
                statement(112, dateMade="9999-12-31T23:00:00"),
            ),
            good=[statement(110)["id"]],
            bad={1: "outside the years 1900 to 2100", 2: "outside the years 1900 to 2100"},
        ),
        CorpusFile(
            GOVUK,
            "hostile_dates.json",
            "timestamps of 9999-12-31T23:00:00-05:00, of 1800 with London's LMT offset -00:01:15, with an LMT-like "
            "offset in 2024, and first published in 1066",
            search_page(
                publication(110),
                publication(111, public_timestamp="9999-12-31T23:00:00-05:00"),
                publication(112, first_published_at="1800-01-01T00:00:00-00:01:15"),
                publication(113, public_timestamp="2024-04-19T00:01:00+00:01:15"),
                publication(114, first_published_at="1066-10-14T09:00:00+00:00"),
            ),
            good=[publication(110)["content_id"]],
            bad={
                1: "outside the years 1900 to 2100",
                2: "first_published_at",
                3: "public_timestamp",
                4: "outside the years 1900 to 2100",
            },
        ),
    ]


def paper(number: int, **changes: Any) -> dict[str, Any]:
    """The real detail record of deposited paper 6212 (DfE, one attached letter) as paper 1_790_000 + number."""
    record = copy.deepcopy(_load("deposited-papers/detail_6212.json")["value"])
    record.update(paperId=1_790_000 + number, title=f"{record['title']} ({number})")
    record.update(changes)
    return record


def papers_page(*records: dict[str, Any]) -> dict[str, Any]:
    return {"items": [{"value": r, "links": []} for r in records], "totalResults": len(records), "links": []}


def event(number: int, **changes: Any) -> dict[str, Any]:
    """The real What's On evidence session 51234 (the Education Committee's) as event 1_690_000 + number."""
    events = _load("whatson-events/2024-04-15_list.json")
    record = copy.deepcopy(next(e for e in events if e["Id"] == 51234))
    record.update(Id=1_690_000 + number)
    record.update(changes)
    return record


WRONG_ID = "Input should be a valid integer"


def wrong_typed_ids() -> list[CorpusFile]:
    """Ids the APIs give as JSON integers, given as true, a float or a numeric string: read leniently, `true` is
    record (or answering body, or committee) 1 and 1990100.0 or "1990100" is the good record's id, a forged version
    of it. Each is refused with the field named."""
    good_question, good_statement, good_paper, good_event = question(100), statement(40), paper(0), event(0)
    committee = good_event["Committee"]
    return [
        CorpusFile(
            WQ,
            "wrong_typed_ids.json",
            "ids of the wrong type: true, a float and a numeric string for the id (the latter two the good record's "
            "id), and for the answering body",
            page(
                good_question,
                question(101, id=True),
                question(102, id=float(good_question["id"]), heading="Forged (float id)"),
                question(103, id=str(good_question["id"]), heading="Forged (string id)"),
                question(104, answeringBodyId=True),
                question(105, answeringBodyId=60.0),
                question(106, answeringBodyId="60"),
            ),
            good=[good_question["id"]],
            bad={
                1: f"id: {WRONG_ID}",
                2: f"id: {WRONG_ID}",
                3: f"id: {WRONG_ID}",
                4: f"answeringBodyId: {WRONG_ID}",
                5: f"answeringBodyId: {WRONG_ID}",
                6: f"answeringBodyId: {WRONG_ID}",
            },
        ),
        CorpusFile(
            WS,
            "wrong_typed_ids.json",
            "ids of the wrong type: true and a numeric string for the id, true for the answering body, a numeric "
            "string for a linked statement",
            page(
                good_statement,
                statement(41, id=True),
                statement(42, id=str(good_statement["id"]), title="Forged (string id)"),
                statement(43, answeringBodyId=True),
                statement(44, linkedStatements=[{"linkedStatementId": "1701203", "linkType": "CorrectedStatement"}]),
            ),
            good=[good_statement["id"]],
            bad={
                1: f"id: {WRONG_ID}",
                2: f"id: {WRONG_ID}",
                3: f"answeringBodyId: {WRONG_ID}",
                4: f"linkedStatementId: {WRONG_ID}",
            },
        ),
        CorpusFile(
            "deposited-papers",
            "wrong_typed_ids.json",
            "paper ids of the wrong type: true, a float and a numeric string (the latter two the good paper's id)",
            papers_page(
                good_paper,
                paper(1, paperId=True),
                paper(2, paperId=float(good_paper["paperId"]), title="Forged (float id)"),
                paper(3, paperId=str(good_paper["paperId"]), title="Forged (string id)"),
            ),
            good=[good_paper["paperId"]],
            bad={1: f"paperId: {WRONG_ID}", 2: f"paperId: {WRONG_ID}", 3: f"paperId: {WRONG_ID}"},
        ),
        CorpusFile(
            "whatson-events",
            "wrong_typed_ids.json",
            "event and committee ids of the wrong type: true and a numeric string for the event (the latter the good "
            "event's), true and a numeric string for the committee that routes it to its department",
            [
                good_event,
                event(1, Id=True),
                event(2, Id=str(good_event["Id"]), Description="Forged (string id)"),
                event(3, Committee={**committee, "Id": True}),
                event(4, Committee={**committee, "Id": str(committee["Id"])}),
            ],
            good=[good_event["Id"]],
            bad={
                1: f"Id: {WRONG_ID}",
                2: f"Id: {WRONG_ID}",
                3: f"Committee.Id: {WRONG_ID}",
                4: f"Committee.Id: {WRONG_ID}",
            },
        ),
    ]


# --- issue #15: committee publications and oral questions ---

CP = "committee-publications"


def committee_publication(number: int, **changes: Any) -> dict[str, Any]:
    """The real Education Committee report 46004 as publication 1_460_000 + number."""
    recorded = _load("committee-publications/real_education_2024-12-10_2024-12-17.json")["items"]
    record = copy.deepcopy(next(r for r in recorded if r["id"] == 46004))
    record.update(id=1_460_000 + number, description=f"{record['description']} ({number})")
    record.update(changes)
    return record


def publications_page(*records: dict[str, Any]) -> dict[str, Any]:
    return {"items": list(records), "totalResults": len(records), "itemsPerPage": 30, "links": []}


def committee_publications() -> list[CorpusFile]:
    good = committee_publication(0)
    hostile = committee_publication(
        1,
        description='<script>alert(1)</script>Report\u202e on <img src=x onerror="alert(1)">schools'
        "\u2028Source page: x",
    )
    hostile["documents"] = [
        {"documentId": 900_000 + n, "files": [{"fileName": f"Doc {n}\u2029.pdf", "fileDataFormat": "Pdf", "url": url}]}
        for n, url in enumerate(off_host_links("committees.parliament.uk", "parliament.uk"))
    ]
    hostile["committee"] = {**hostile["committee"], "name": "Education\u200b Committee<iframe>"}
    return [
        CorpusFile(
            CP,
            "hostile_and_broken.json",
            "markup, bidi and line separators in the title, file names and committee name, file links off Parliament "
            "(replaced by the document's own page); ids of the wrong type, no date, a date in 9999 and in 1800, an "
            "unregistered committee",
            publications_page(
                good,
                hostile,
                committee_publication(2, id=True),
                committee_publication(3, id=str(good["id"]), description="Forged (string id)"),
                committee_publication(4, publicationStartDate=None),
                committee_publication(5, publicationStartDate="9999-12-31T23:00:00-05:00"),
                committee_publication(6, publicationStartDate="1800-01-01T00:00:00"),
                committee_publication(7, committee={"id": 127, "name": "Public Accounts Committee"}),
                committee_publication(8, committee={"id": "203", "name": "Education Committee"}),
            ),
            good=[good["id"], hostile["id"]],
            bad={
                2: f"id: {WRONG_ID}",
                3: f"id: {WRONG_ID}",
                4: "no publicationStartDate",
                5: "9999",
                6: "1800",
                7: "scrutinises no registered department",
                8: f"committee.id: {WRONG_ID}",
            },
        ),
    ]


OQ = "oral-questions"


def oral_question(number: int, **changes: Any) -> dict[str, Any]:
    """The constructed DfE oral question 60001 as question 1_600_000 + number."""
    recorded = _load("oral-questions/constructed_2024-04-29_2024-04-30.json")["Response"]
    record = copy.deepcopy(next(r for r in recorded if r["Id"] == 60001))
    record.update(Id=1_600_000 + number, QuestionText=f"{record['QuestionText']} ({number})")
    record.update(changes)
    return record


def oral_questions() -> list[CorpusFile]:
    good = oral_question(0)
    hostile = oral_question(
        1,
        QuestionText='<script>alert(1)</script>What steps\u202e <img src=x onerror="alert(1)">she is taking',
        HansardLink="javascript:alert(1)",
        AnsweringMinisterTitle="Secretary of State\u2029for Education<iframe>",
    )
    hostile["AskingMember"] = {
        **hostile["AskingMember"],
        "Name": "A\u200b Member\nSource page: x",
        "Party": "<b>Labour</b>",
    }
    records = [
        good,
        hostile,
        oral_question(2, Id=True),
        oral_question(3, Id=str(good["Id"])),
        oral_question(4, AnsweringBodyId="60"),
        oral_question(5, QuestionText=None),
        oral_question(6, AnsweringWhen="2024-02-31T00:00:00"),
        oral_question(7, TabledWhen="9999-12-31T23:00:00-05:00"),
        oral_question(8, AnsweringBodyId=999),
    ]
    return [
        CorpusFile(
            OQ,
            "hostile_and_broken.json",
            "markup, bidi and line separators in the question, member and minister title, a javascript: Hansard link; "
            "ids of the wrong type, no text, an impossible date, a date in 9999, an unknown answering body",
            {"PagingInfo": {"Skip": 0, "Take": 100, "Total": len(records)}, "Success": True, "Response": records},
            good=[good["Id"], hostile["Id"]],
            bad={
                2: f"Id: {WRONG_ID}",
                3: f"Id: {WRONG_ID}",
                4: f"AnsweringBodyId: {WRONG_ID}",
                5: "QuestionText",
                6: "AnsweringWhen",
                7: "9999",
                8: "not in the department registry",
            },
        ),
    ]


# --- bills: built from the recorded bills, themselves built from the API's OpenAPI document ---------------------

BILLS = "bills"


def bill(number: int, **changes: Any) -> dict[str, Any]:
    """The recorded DfE bill 3501 as bill 9_990_000 + number, with `changes`."""
    record = json.loads((RECORDED / BILLS / "bill_3501.json").read_text(encoding="utf-8"))
    return {**copy.deepcopy(record), "billId": 9_990_000 + number, **changes}


def bills_page(*records: dict[str, Any]) -> dict[str, Any]:
    return {"items": list(records), "totalResults": len(records), "itemsPerPage": 50}


def bills_corpus() -> list[CorpusFile]:
    good = bill(0)
    hostile = bill(1, shortTitle=f"Schools Bill{MARKUP}{LINE_BREAKS}{BIDI_AND_INVISIBLE}{FORGED_FOOTER}")
    hostile["longTitle"] = f"A Bill{MARKUP}{C0_CONTROLS}"
    hostile["summary"] = HOSTILE_LINKS
    hostile["sponsors"][0]["member"]["name"] = f"Bridget{BIDI_AND_INVISIBLE} Phillipson{LINE_BREAKS}Source page: x"
    hostile["stages"][0]["description"] = f"1st reading{LINE_BREAKS}<script>alert(1)</script>"
    hostile["publications"][0]["links"] = [
        {"title": "evil", "url": url}
        for url in (
            "javascript:alert(1)",
            "https://publications.parliament.uk.evil.example/x.pdf",
            "https://user@publications.parliament.uk/x.pdf",
            f"https://publications.parliament.{LOOK_ALIKE_U}k/x.pdf",
            "https://publications.parliament.uk:8443/x.pdf",
        )
    ]
    not_a_department = bill(2)
    not_a_department["sponsors"][0]["organisation"] = {
        "name": "Department for Educati0n",
        "url": "https://evil.example/",
    }
    return [
        CorpusFile(
            BILLS,
            "hostile_and_broken.json",
            "a bill with markup, script links, line breaks, bidi and control characters in its titles, summary, "
            "sponsor and stage, and publication links passing for Parliament's hosts (dropped); bills with ids of the "
            "wrong type, no or an impossible or out-of-range update, no title, and a sponsor department not in the "
            "registry",
            bills_page(
                good,
                hostile,
                bill(3, billId=True),
                bill(4, billId=str(good["billId"]), shortTitle="Forged (string id)"),
                bill(5, lastUpdate=None),
                bill(6, lastUpdate="2024-02-31T00:00:00"),
                bill(7, lastUpdate="9999-12-31T23:00:00-05:00"),
                bill(8, shortTitle=""),
                not_a_department,
            ),
            good=[good["billId"], hostile["billId"]],
            bad={
                2: f"billId: {WRONG_ID}",
                3: f"billId: {WRONG_ID}",
                4: "lastUpdate",
                5: "lastUpdate",
                6: "outside the years",
                7: "shortTitle",
                8: "not a government bill",
            },
        ),
        CorpusFile(
            BILLS,
            "not_a_response.json",
            "JSON that is not a Bills API answer",
            {"value": []},
            file_error="not a bills response",
        ),
    ]


# --- statutory instruments: built from the recorded ones, themselves built from the API's OpenAPI document ---------

SIS = "statutory-instruments"


def instrument(number: int, **changes: Any) -> dict[str, Any]:
    """The recorded DfE instrument AbCd1234 as instrument Zz{number:06d}, with `changes`."""
    path = RECORDED / SIS / "instrument_AbCd1234.json"
    record = json.loads(path.read_text(encoding="utf-8"))["value"]
    return {**copy.deepcopy(record), "id": f"Zz{number:06d}", **changes}


def instruments_page(*records: dict[str, Any]) -> dict[str, Any]:
    return {"items": [{"value": r, "links": []} for r in records], "totalResults": len(records), "itemsPerPage": 100}


def statutory_instruments_corpus() -> list[CorpusFile]:
    good = instrument(0)
    hostile = instrument(1, name=f"The Regulations{MARKUP}{LINE_BREAKS}{BIDI_AND_INVISIBLE}{FORGED_FOOTER}")
    hostile["paperComingIntoForceNote"] = f"In force{MARKUP}{C0_CONTROLS}"
    hostile["procedure"] = {"id": "x", "name": f"Made negative{LINE_BREAKS}<script>alert(1)</script>"}
    hostile["businessItems"][0]["steps"] = [f"Laid{LINE_BREAKS}{BIDI_AND_INVISIBLE}", None, "<img src=x onerror=1>"]
    hostile["link"] = "javascript:alert(1)"
    off_host = instrument(2, link=f"https://www.legislation.gov.{LOOK_ALIKE_U}k/uksi/2024/1")
    return [
        CorpusFile(
            SIS,
            "hostile_and_broken.json",
            "an instrument with markup, line breaks, bidi and control characters in its name, note, procedure and "
            "steps, and a script or look-alike link as its wording (dropped); instruments with an id not the API's, "
            "no name, an impossible date, no laying or made date, and a laying body not in the registry",
            instruments_page(
                good,
                hostile,
                off_host,
                instrument(3, id="../../etc"),
                instrument(4, name=""),
                instrument(5, commonsLayingDate="2024-02-30T00:00:00"),
                instrument(6, commonsLayingDate=None, lordsLayingDate=None, paperMadeDate=None),
                instrument(7, layingBody={"name": "Department for Educati0n"}),
            ),
            good=[good["id"], hostile["id"], off_host["id"]],
            bad={
                3: "id",
                4: "name",
                5: "commonsLayingDate",
                6: "no laying or made date",
                7: "not a department in the registry",
            },
        ),
        CorpusFile(
            SIS,
            "not_a_response.json",
            "JSON that is not a Statutory Instruments API answer",
            {"items": [1, 2]},
            file_error="not a statutory-instruments response",
        ),
    ]


CORPUS: list[CorpusFile] = [
    *written_questions(),
    *written_statements(),
    *govuk_publications(),
    *hostile_dates(),
    *wrong_typed_ids(),
    *committee_publications(),
    *oral_questions(),
    *bills_corpus(),
    *statutory_instruments_corpus(),
]


def main() -> None:
    for corpus_file in CORPUS:
        corpus_file.path.parent.mkdir(parents=True, exist_ok=True)
        corpus_file.path.write_bytes(corpus_file.content())
        print(f"{corpus_file.path.relative_to(FILES)}: {corpus_file.what}")


if __name__ == "__main__":
    main()
