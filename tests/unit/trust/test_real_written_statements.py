"""Written statements as the real API gives them (issue #11): a Lords statement's "JointStatement" link is its Commons
twin, not a second department; null links, notice number 0, lower-case file types, trailing spaces, newest first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from shared.adapters.http import UpstreamClient
from shared.domain.departments import by_slug
from shared.domain.item import Item
from shared.domain.notification import Notification
from shared.render.email import email_text
from shared.sources.written_statements import WrittenStatementsSource
from tests.unit.trust.constructed import constructed

SOURCE = WrittenStatementsSource()
LIST = "written-statements/real_shapes_list.json"
LORDS, COMMONS, DHSC_STATEMENT = 1800502, 1800501, 1800499
TWIN_PAGE = "https://questions-statements.parliament.uk/written-statements/detail/2025-05-22/HCWS640"


@pytest.fixture
def records() -> dict[int, dict[str, Any]]:
    return {entry["value"]["id"]: entry["value"] for entry in constructed(LIST)["results"]}


def parse(raw_message, record: dict[str, Any]) -> Item:
    return SOURCE.parse(raw_message(record, source=SOURCE.name))


def email(item: Item) -> str:
    return email_text(Notification.for_department(item, 1, "new", item.departments[0]))


def test_a_lords_statement_joint_with_its_commons_twin_claims_no_house_the_link_does_not_give(raw_message, records):
    # GIVEN the Lords statement the real API links to its Commons twin with "JointStatement" (id and date only)
    item = parse(raw_message, records[LORDS])

    # WHEN its email is read
    text = email(item)

    # THEN it names the linked statement as joint, and no House (two Commons statements are linked this way too)
    assert "Joint statement, linked with statement 1800501.\n" in text
    assert "Also made in" not in text
    assert item.departments[0].slug == "department-for-education"
    assert item.details["also_made_in"] is None
    assert item.details["also_made_in_uin"] is None  # the link does not give it: no page is guessed
    assert item.details["linked_statements"] == "1800501 (JointStatement)"  # the contract's field, unchanged


def test_a_twin_link_that_gives_its_uin_links_the_twins_page(raw_message, records):
    # GIVEN the same link, should the API give the twin's UIN and House
    record = records[LORDS]
    record["linkedStatements"][0] |= {"uin": "HCWS640", "house": "Commons"}

    # WHEN it is parsed and read
    text = email(parse(raw_message, record))

    # THEN the email names the twin by its UIN and links its page (dated by the link)
    assert f"Also made in the House of Commons as HCWS640: {TWIN_PAGE}\n" in text


def test_a_joint_link_naming_another_answering_body_keeps_the_two_departments_meaning(raw_message, records):
    # GIVEN a joint link that names another department's answering body (DWP, 29)
    record = records[LORDS]
    record["linkedStatements"][0]["answeringBodyId"] = 29

    # WHEN it is parsed and read
    text = email(parse(raw_message, record))

    # THEN it is a joint statement with that department, not a twin in the other House
    assert "Joint statement with Department for Work and Pensions, linked with statement 1800501.\n" in text
    assert "Also made in" not in text


def test_an_item_stored_before_twins_were_told_apart_claims_no_house(raw_message, records):
    # GIVEN a Lords statement stored by the earlier parser: its details name the joint link only
    item = parse(raw_message, records[LORDS])
    old = {key: value for key, value in item.details.items() if not key.startswith("also_made_in")}
    stored = item.model_copy(update={"details": old})

    # WHEN the notifier renders it
    # THEN it reads the joint link without guessing the other statement's House
    assert "Joint statement, linked with statement 1800501.\n" in email(stored)


def test_real_shapes_parse_cleanly(raw_message, records):
    # GIVEN the Lords statement (notice number 0, role and title with trailing spaces, "pdf") and the Commons one
    # (linkedStatements null)
    lords = parse(raw_message, records[LORDS])
    commons = parse(raw_message, records[COMMONS])

    # THEN a Lords notice number of 0 is no notice number, the file type reads as elsewhere, spaces are gone
    assert lords.details["notice_number"] is None
    assert commons.details["notice_number"] == 7
    assert [a.file_type for a in lords.attachments] == ["PDF"]
    assert lords.title == "School Teachers' Pay Award 2025"
    assert lords.details["member_role"] == "Minister of State (Department for Education)"
    assert (
        "Made by: Baroness Smith of Malvern (Labour - Life peer), Minister of State (Department for Education)\n"
        in (email(lords))
    )
    # AND a statement without links has no joint details at all
    assert commons.details["linked_statements"] is None
    assert not any(key.startswith(("also_made_in", "joint_")) for key in commons.details)


def test_a_newest_first_list_is_fetched_whole(records):
    # GIVEN the API answering the day's list newest id first, short texts (nothing cut)
    page = constructed(LIST)
    requests: list[httpx.Request] = []

    def api(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json=page)

    # WHEN DfE and DHSC are fetched
    client = UpstreamClient(transport=httpx.MockTransport(api), sleep=lambda _: None)
    departments = [by_slug("department-for-education"), by_slug("department-of-health-and-social-care")]
    since, until = datetime(2025, 5, 22, tzinfo=UTC), datetime(2025, 5, 23, tzinfo=UTC)
    fetched = list(SOURCE.fetch(client, departments, since, until))

    # THEN every statement comes back once, in the API's order, with no detail request
    assert [f.record["id"] for f in fetched] == [LORDS, COMMONS, DHSC_STATEMENT]
    assert len(requests) == 1
