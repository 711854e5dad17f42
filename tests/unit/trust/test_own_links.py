"""An item's own links (its page, its attachments) are https on its source's hosts; links inside its texts show where
they really go (shared/domain/links.py, and where the sources and the Item model use it)."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from shared.domain.item import Attachment, DepartmentRef, Item
from shared.domain.links import GOVUK_HOSTS, PARLIAMENT_HOSTS, LinkRefused, OwnHosts, own_link, shown_link
from shared.domain.text import html_to_text
from shared.sources import SOURCE_NAMES, get_source
from shared.sources.base import PoisonRecordError
from shared.sources.deposited_papers import PaperDocument
from shared.sources.questions_statements_api import AttachmentViewModel, attachments

CYRILLIC_U = "\u0443"
HONG_KONG = "https://qna.files.parliament.uk/ws-attachments/1/original/58th Six-monthly Report on Hong Kong.pdf"
HONG_KONG_ENCODED = (
    "https://qna.files.parliament.uk/ws-attachments/1/original/58th%20Six-monthly%20Report%20on%20Hong%20Kong.pdf"
)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://evil.example/login", "not one of the source's hosts"),
        ("https://www.gov.uk@evil.example/x", "userinfo"),
        ("https://user:pass@www.gov.uk/x", "userinfo"),
        ("https://www.gov.uk\\@evil.example/x", "backslash"),
        ("http://www.gov.uk.evil.example/x", "not one of the source's hosts"),
        (f"https://www.gov.{CYRILLIC_U}k/x", "look-alike"),
        ("https://xn--www-k5d.gov.uk/x", "punycode"),
        ("https://www.gov.uk:8443/x", "port 8443"),
        ("https://www.gov.uk:99999/x", "not a port"),
        ("https://evil.example\\.www.gov.uk/x", "backslash"),
        ("https://evilgov.uk/x", "not one of the source's hosts"),
        ("https://www.ons.gov.uk/economy", "not one of the source's hosts"),
        ("https://www.gov.uk./x", "not a DNS name"),
        ("https://[::1]/x", "not a DNS name"),
        ("javascript:alert(1)", "not an absolute http(s) URL"),
        ("//www.gov.uk/x", "not an absolute http(s) URL"),
        ("/government/news/x", "not an absolute http(s) URL"),
        ("ftp://www.gov.uk/x", "not an absolute http(s) URL"),
        ("", "not an absolute http(s) URL"),
        (None, "not an absolute http(s) URL"),
    ],
)
def test_a_link_off_the_sources_hosts_or_passing_for_one_is_refused_with_its_reason(url, reason):
    # GIVEN a link that is not on GOV.UK's hosts, or only looks as if it were
    # WHEN it is checked as an item's own link
    # THEN it is refused, and the reason says why
    with pytest.raises(LinkRefused, match=re.escape(reason)):
        own_link(url, GOVUK_HOSTS)


@pytest.mark.parametrize(
    ("url", "hosts", "expected"),
    [
        ("https://www.gov.uk/government/news/x", GOVUK_HOSTS, "https://www.gov.uk/government/news/x"),
        ("http://www.gov.uk/government/news/x", GOVUK_HOSTS, "https://www.gov.uk/government/news/x"),
        ("https://WWW.GOV.UK:443/x?a=1&b=2#part", GOVUK_HOSTS, "https://www.gov.uk/x?a=1&b=2#part"),
        ("  https://gov.uk/x  ", GOVUK_HOSTS, "https://gov.uk/x"),
        ("https://assets.publishing.service.gov.uk/media/a b.pdf", GOVUK_HOSTS, None),
        (HONG_KONG, PARLIAMENT_HOSTS, HONG_KONG_ENCODED),
        (HONG_KONG_ENCODED, PARLIAMENT_HOSTS, HONG_KONG_ENCODED),
        ("https://data.parliament.uk/f/100%.pdf", PARLIAMENT_HOSTS, "https://data.parliament.uk/f/100%25.pdf"),
        ('https://parliament.uk/x<y>"z', PARLIAMENT_HOSTS, "https://parliament.uk/x%3Cy%3E%22z"),
        ("http://data.parliament.uk:80/x", PARLIAMENT_HOSTS, "https://data.parliament.uk/x"),
        ("https://a.b.parliament.uk/caf\u00e9", PARLIAMENT_HOSTS, "https://a.b.parliament.uk/caf%C3%A9"),
    ],
)
def test_a_link_on_the_sources_hosts_is_https_and_encoded_once(url, hosts, expected):
    # GIVEN a link on one of the source's hosts: over http, with the default port, raw spaces or other characters
    # WHEN it is checked as an item's own link
    # THEN it is the https link, with what a URL may not hold raw percent-encoded and what was encoded left so
    assert own_link(url, hosts) == (expected or url.replace(" ", "%20"))


def test_a_domain_covers_its_subdomains_and_a_name_only_itself():
    hosts = OwnHosts.of("www.gov.uk", "*.parliament.uk")
    assert "www.gov.uk" in hosts and "a.www.gov.uk" not in hosts and "gov.uk" not in hosts
    assert "qna.files.parliament.uk" in hosts and "parliament.uk" not in hosts
    assert "evilparliament.uk" not in hosts and "parliament.uk.evil.example" not in hosts


@pytest.mark.parametrize(
    ("href", "shown"),
    [
        ("https://www.gov.uk@evil.example/login", "https://evil.example/login"),
        (f"https://www.gov.{CYRILLIC_U}k/guidance", "https://www.gov.xn--k-bub/guidance"),
        ("https://www.nhs.uk/conditions/", "https://www.nhs.uk/conditions/"),
        ("http://www.ons.gov.uk/a file.xlsx", "http://www.ons.gov.uk/a%20file.xlsx"),
        ("https://example.org:8443/x", "https://example.org:8443/x"),
        ("https://evil.example\\.www.gov.uk/", None),
        ("javascript:alert(1)", None),
    ],
)
def test_a_link_inside_a_text_shows_its_real_target(href, shown):
    # GIVEN a link inside an upstream text (a minister's answer may link anywhere)
    # WHEN it is shown beside its words
    # THEN it shows where it really goes: no userinfo passing for a host, a look-alike host in its xn-- form
    assert shown_link(href) == shown
    text = html_to_text(f'<p>See <a href="{href}">GOV.UK</a>.</p>')
    assert text == (f"See GOV.UK ({shown})." if shown else "See GOV.UK.")


def test_every_source_declares_its_own_hosts_and_its_pages_are_on_them():
    # GIVEN every registered source
    for name in SOURCE_NAMES:
        source = get_source(name)
        # THEN it says which hosts its items' own links may be on, and its page links are there
        assert isinstance(source.own_hosts, OwnHosts), name
    module_urls = {
        "written-questions": "https://questions-statements.parliament.uk/written-questions/detail/2024-01-05/1",
        "written-statements": "https://questions-statements.parliament.uk/written-statements/detail/2024-01-05/1",
        "whatson-events": "https://whatson.parliament.uk/event/cal1",
        "deposited-papers": "https://depositedpapers.parliament.uk/depositedpaper/1/details",
        "govuk-publications": "https://www.gov.uk/government/news/x",
    }
    for name, url in module_urls.items():
        assert own_link(url, get_source(name).own_hosts) == url


def test_questions_and_statements_keep_attachments_on_parliament_encoded_and_drop_the_rest():
    # GIVEN attachments as the questions-statements API lists them: one with raw spaces (a real statement's), one
    # over http, and links passing for Parliament's file host
    listed = [
        AttachmentViewModel(url=HONG_KONG, title="58th Six-monthly Report on Hong Kong", file_type="pdf"),
        AttachmentViewModel(url="http://qna.files.parliament.uk/x.pdf", title="Over http"),
        AttachmentViewModel(url="https://qna.files.parliament.uk@evil.example/x.pdf", title="Userinfo"),
        AttachmentViewModel(url="https://www.gov.uk/x.pdf", title="Another source's host"),
        AttachmentViewModel(url=None, title="No link"),
    ]

    # WHEN they become the item's attachments
    kept = attachments(listed, PARLIAMENT_HOSTS, 1701201)

    # THEN the first two are kept, encoded and upgraded; the others are dropped
    assert [a.url for a in kept] == [HONG_KONG_ENCODED, "https://qna.files.parliament.uk/x.pdf"]


def test_a_deposited_papers_document_off_parliament_is_dropped_and_one_named_without_a_link_gets_the_librarys():
    assert PaperDocument(url="https://evil.example/DEP.pdf").attachment("DEP2024-0001", PARLIAMENT_HOSTS, 1) is None
    named = PaperDocument(fileName="DB Letter.pdf").attachment("DEP2024-0001", PARLIAMENT_HOSTS, 1)
    assert named is not None
    assert named.url == "https://data.parliament.uk/DepositedPapers/Files/DEP2024-0001/DB%20Letter.pdf"


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/government/news/x",
        "https://www.gov.uk@evil.example/x",
        "http://www.gov.uk.evil.example/x",
        f"https://www.gov.{CYRILLIC_U}k/x",
        "javascript://www.gov.uk/%0Aalert(1)",
    ],
)
def test_a_govuk_result_linking_off_govuk_is_refused_with_its_reason(recorded, raw_message, link):
    # GIVEN a real GOV.UK search result whose link is not GOV.UK's (no page can be built from its content id)
    record = copy.deepcopy(recorded("govuk-publications/dfe_newest_first_page_1.json")["results"][0])
    source = get_source("govuk-publications")

    # WHEN it is parsed
    # THEN it is a poison record whose reason names the link
    with pytest.raises(PoisonRecordError, match="link: "):
        source.parse(raw_message({**record, "link": link}, source=source.name))


@pytest.mark.parametrize(
    "url",
    [
        "http://www.gov.uk/x",
        "https://www.gov.uk@evil.example/x",
        "https://www.gov.uk/a b.pdf",
        f"https://www.gov.{CYRILLIC_U}k/x",
        "javascript:alert(1)",
    ],
)
def test_the_item_model_refuses_an_own_link_that_is_not_plain_https(url):
    # GIVEN an item or attachment link that a source failed to check
    # WHEN an Item or Attachment is made with it
    # THEN the model refuses it (the last line of defence: which hosts is each source's check)
    item = {
        "id": "govuk-publications:x",
        "source": "govuk-publications",
        "kind": "publication",
        "departments": (DepartmentRef(slug="department-for-education", name="Department for Education"),),
        "title": "A title",
        "published_at": datetime(2024, 4, 18, tzinfo=UTC),
        "updated_at": datetime(2024, 4, 18, tzinfo=UTC),
        "state": "published",
    }
    assert Item(**item, url="https://www.gov.uk/x").url == "https://www.gov.uk/x"
    with pytest.raises(ValidationError, match="url"):
        Item(**item, url=url)
    with pytest.raises(ValidationError, match="url"):
        Attachment(title="a", url=url)
