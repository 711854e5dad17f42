"""GOV.UK results published by an executive agency or other body (issue #11): they reach the parent department, the
agency named in the `organisation` attribute; only a result with no departmental parent is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from shared.adapters.http import UpstreamClient
from shared.adapters.sns import message_attributes
from shared.domain.departments import DEPARTMENTS, by_govuk_slug, by_slug, parent_of_govuk_organisation
from shared.domain.item import Item
from shared.domain.notification import Notification
from shared.render.email import email_text
from shared.sources.base import PoisonRecordError
from shared.sources.govuk_publications import GovukPublicationsSource
from tests.unit.trust.constructed import constructed

SOURCE = GovukPublicationsSource()
DFE, DFT = "department-for-education", "department-for-transport"
STA = "/government/publications/key-stage-2-tests-2025-access-arrangements"
ESFA = "/government/publications/esfa-update-21-may-2025"
OFS = "/government/publications/ofs-regulatory-advice"
CMA = "/government/news/cma-launches-market-study"
DVSA_AND_DFT = "/government/news/driving-test-changes"


@pytest.fixture
def results() -> dict[str, dict[str, Any]]:
    return {result["link"]: result for result in constructed("govuk-publications/agency_results.json")["results"]}


def parse(raw_message, record: dict[str, Any]) -> Item:
    return SOURCE.parse(raw_message(record, source=SOURCE.name))


def first_notification(item: Item) -> Notification:
    return Notification.for_department(item, 1, "new", item.departments[0])


def test_the_real_dvla_result_reaches_the_department_for_transport_named_as_dvla(raw_message):
    # GIVEN the real search result whose only organisation is the DVLA (no parent_organisations in it)
    (record,) = constructed("govuk-publications/real_dvla_result.json")["results"]

    # WHEN it is parsed and its notification built
    item = parse(raw_message, record)
    notification = first_notification(item)

    # THEN it reaches DfT, DVLA's parent, and subscribers can filter on the DVLA as its organisation
    assert [d.slug for d in item.departments] == [DFT]
    assert message_attributes(notification)["organisation"] == {
        "DataType": "String",
        "StringValue": "driver-and-vehicle-licensing-agency",
    }
    assert "Published by: Driver and Vehicle Licensing Agency\n" in email_text(notification)


@pytest.mark.parametrize(
    ("link", "organisation"),
    [
        (STA, "standards-and-testing-agency"),  # parent_organisations in the result, and in the registry
        (ESFA, "education-and-skills-funding-agency"),  # no parent_organisations: the registry's agencies
        (OFS, "office-for-students"),  # parent_organisations in the result only
    ],
)
def test_an_agency_or_sponsored_body_reaches_its_parent_department(raw_message, results, link, organisation):
    # GIVEN a result of one of DfE's agencies or bodies, with or without parent_organisations
    # WHEN it is parsed
    item = parse(raw_message, results[link])

    # THEN it reaches DfE, the body named as its publishing organisation
    assert [d.slug for d in item.departments] == [DFE]
    assert item.details["organisation"] == organisation
    assert message_attributes(first_notification(item))["organisation"]["StringValue"] == organisation


def test_a_body_with_no_departmental_parent_is_refused_with_a_reason(raw_message, results):
    # GIVEN a non-ministerial department (the CMA), parent_organisations empty
    # WHEN it is parsed
    # THEN it is a poison record, and the reason says why
    with pytest.raises(PoisonRecordError, match=r"competition-and-markets-authority.*has one as its parent"):
        parse(raw_message, results[CMA])


def test_a_departments_own_publication_names_no_organisation(raw_message, results):
    # GIVEN a DVSA page listed with DfT, and a press release of DfT alone
    shared = parse(raw_message, results[DVSA_AND_DFT])
    own = {**results[DVSA_AND_DFT], "organisations": results[DVSA_AND_DFT]["organisations"][1:]}

    # THEN the DVSA one (listed first) names the DVSA; DfT's own has no organisation attribute
    assert [d.slug for d in shared.departments] == [DFT]
    assert shared.details["organisation"] == "driver-and-vehicle-standards-agency"
    assert "organisation" not in message_attributes(first_notification(parse(raw_message, own)))


def test_a_poll_asks_for_the_departments_agencies_and_keeps_their_results(results):
    # GIVEN the search API answering with DfE's bodies' results (an API that filters only by what a page is tagged with)
    requests: list[httpx.Request] = []

    def api(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        asked = set(request.url.params.get_list("filter_organisations"))
        kept = [r for r in results.values() if asked & {o["slug"] for o in r["organisations"]}]
        return httpx.Response(200, json={"results": kept, "total": len(kept), "start": 0})

    # WHEN DfE is polled
    client = UpstreamClient(transport=httpx.MockTransport(api), sleep=lambda _: None)
    since = datetime(2025, 5, 15, tzinfo=UTC)
    fetched = list(SOURCE.fetch(client, [by_slug(DFE)], since, datetime(2025, 5, 23, tzinfo=UTC)))

    # THEN it asked for DfE's agencies too, and kept the ones it knows are DfE's
    asked = requests[0].url.params.get_list("filter_organisations")
    assert (
        asked[0] == DFE and "standards-and-testing-agency" in asked and "education-and-skills-funding-agency" in asked
    )
    assert {f.record["link"] for f in fetched} == {STA, ESFA}


def test_the_agency_registry_names_no_department_and_each_agency_once():
    # GIVEN every agency of the registry
    agencies = [slug for d in DEPARTMENTS for slug in d.govuk_agency_slugs]

    # THEN none is a department's own slug, each has one parent, and the examples are there
    assert len(agencies) == len(set(agencies))
    assert all(by_govuk_slug(slug) is None for slug in agencies)
    assert parent_of_govuk_organisation("driver-and-vehicle-licensing-agency") == by_slug(DFT)
    assert parent_of_govuk_organisation("education-and-skills-funding-agency") == by_slug(DFE)
    assert parent_of_govuk_organisation("standards-and-testing-agency") == by_slug(DFE)
