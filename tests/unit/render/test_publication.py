"""How a GOV.UK publication reads in an email: the recorded results, parsed by their source, rendered."""

from __future__ import annotations

from typing import Any

import pytest

from shared.domain.item import Item
from shared.domain.kinds import Kind
from shared.domain.notification import Notification
from shared.render.email import email_text
from shared.render.registry import renderer_for
from shared.sources.govuk_publications import GovukPublicationsSource
from tests.unit.real_question import TAG

SOURCE = GovukPublicationsSource()
RENDERER = renderer_for(Kind.PUBLICATION)
PAGE_1 = "govuk-publications/dfe_newest_first_page_1.json"
PAGE_2 = "govuk-publications/dfe_newest_first_page_2.json"
PRESS_RELEASE = "/government/news/landmark-childcare-rollout-on-track"
JOINT_GUIDANCE = "/government/publications/send-code-of-practice-0-to-25"
WITHDRAWN = "/government/publications/tutoring-guidance-for-academic-year-2023-to-2024"


@pytest.fixture
def by_link(recorded) -> dict[str, dict[str, Any]]:
    """The 12 recorded results of the two current-style DfE pages, by link."""
    return {result["link"]: result for page in (PAGE_1, PAGE_2) for result in recorded(page)["results"]}


@pytest.fixture
def parse(raw_message):
    def run(record: dict[str, Any]) -> Item:
        return SOURCE.parse(raw_message(record, source=SOURCE.name))

    return run


def notify(item: Item, department: int = 0, event: str = "new") -> Notification:
    return Notification.for_department(item, 1, event, item.departments[department])  # type: ignore[arg-type]


def test_email_reads_like_the_department_page(parse, by_link):
    # GIVEN the notification of the recorded press release
    item = parse(by_link[PRESS_RELEASE])

    # WHEN its email is rendered
    text = email_text(notify(item))

    # THEN it reads like the department page: headline with category, title, department, date, source page and
    # document, then GOV.UK's summary and the link
    assert text.splitlines()[:10] == [
        "Departmental Publication (News and Communications)",
        "Landmark childcare rollout on track",
        "Department: Department for Education",
        "Apr. 19 2024",
        "",
        "Source Page: Landmark childcare rollout on track",
        "Document: Landmark childcare rollout on track (webpage)",
        "",
        by_link[PRESS_RELEASE]["description"],
        "",
    ]
    assert "Source page: https://www.gov.uk/government/news/landmark-childcare-rollout-on-track" in text
    assert not TAG.search(text)


def test_email_of_a_joint_publication_names_each_topic_department(parse, by_link):
    # GIVEN the joint DfE and DHSC guidance
    item = parse(by_link[JOINT_GUIDANCE])

    # WHEN it is rendered for each department's topic
    # THEN each email names its own department, under the guidance's category
    for position, name in enumerate(("Department for Education", "Department of Health and Social Care")):
        lines = email_text(notify(item, position)).splitlines()
        assert lines[:4] == [
            "Departmental Publication (Guidance and Regulation)",
            "SEND code of practice: 0 to 25 years",
            f"Department: {name}",
            "Apr. 17 2024",
        ]


def test_email_of_statistics_and_of_a_withdrawal(parse, by_link):
    statistics = parse(by_link["/government/statistics/a-level-and-other-16-to-18-results-2023-revised"])
    assert email_text(notify(statistics)).startswith("Departmental Publication (Statistics)\n")

    # GIVEN the withdrawn guidance, notified as a withdrawal
    text = email_text(notify(parse(by_link[WITHDRAWN]), event="withdrawn"))

    # THEN the email says it is withdrawn
    assert "What changed: withdrawn (version 1)" in text
    assert "Withdrawn: GOV.UK marks this publication as no longer current." in text


def test_headline_without_a_category(parse, by_link):
    item = parse({**by_link[PRESS_RELEASE], "content_purpose_supergroup": None, "content_store_document_type": None})
    assert RENDERER.headline(notify(item)) == "Departmental Publication"
