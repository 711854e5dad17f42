"""What's On (issue #11): a department handed in with a record routes only a departmental question time; committees
named without "Committee", or by a former id, resolve through the registry."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.domain.departments import by_committee
from shared.domain.raw_record import RawRecordMessage
from shared.sources.base import PoisonRecordError
from shared.sources.whatson_events import WhatsOnEventsSource
from tests.unit.trust.constructed import constructed

SOURCE = WhatsOnEventsSource()
DFE = "department-for-education"
DBIST = "department-for-business-innovation-science-and-trade"
QUESTION_TIME, DEBATE = 51301, 51290


def events(name: str) -> dict[int, dict[str, Any]]:
    return {record["Id"]: record for record in constructed(f"whatson-events/{name}")}


def parse(record: dict[str, Any], department: str | None = None):
    message = RawRecordMessage(
        source=SOURCE.name, record=record, department=department, fetched_at=datetime.now(UTC), origin="tests"
    )
    return SOURCE.parse(message)


def test_a_debate_handed_in_with_a_department_is_refused_not_routed():
    # GIVEN a Westminster Hall debate (no committee) in a message that names DfE (as `ingest --department` sends it)
    debate = events("department_answer_with_a_debate.json")[DEBATE]

    # WHEN it is parsed
    # THEN it is refused, naming its category: it is not DfE's question time
    with pytest.raises(PoisonRecordError, match=r"'Westminster Hall debate' is not a departmental question time"):
        parse(debate, DFE)


def test_a_question_time_handed_in_with_a_department_still_reaches_it():
    question_time = events("department_answer_with_a_debate.json")[QUESTION_TIME]
    assert [d.slug for d in parse(question_time, DFE).departments] == [DFE]


def test_a_committee_named_without_committee_and_a_former_committee_id_resolve():
    # GIVEN sessions of "Education" (an id the registry does not know) and of committee 367 (International Trade)
    sessions = events("committee_aliases.json")

    # WHEN they are parsed, with no department handed in
    # THEN each reaches the department its committee scrutinises
    assert [d.slug for d in parse(sessions[51501]).departments] == [DFE]
    assert [d.slug for d in parse(sessions[51502]).departments] == [DBIST]


@pytest.mark.parametrize("name", ["Education", "education select committee", "The Education Committee", "Treasury"])
def test_committee_names_match_with_or_without_committee(name):
    assert by_committee(name=name) is not None


@pytest.mark.parametrize("name", ["Public Accounts Committee", "Justice and Home Affairs Committee", "Committee"])
def test_committee_names_of_no_registered_department_still_match_nothing(name):
    assert by_committee(name=name) is None
