"""The oral-questions source (shared/sources/oral_questions.py) against its fake and both readings of what the
API's document leaves open (enums as strings or ints, PascalCase or camelCase), and the transfer event."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from infra.local.replay import RECORDED
from infra.local.replay.oral_questions import RecordedOralQuestions
from shared.adapters.http import UpstreamClient, UpstreamResponseError
from shared.domain.departments import by_slug
from shared.domain.events import Event
from shared.domain.lifecycle import classify, events_of
from shared.domain.raw_record import RawRecordMessage
from shared.sources import get_source
from shared.sources.base import PoisonRecordError

SOURCE = get_source("oral-questions")
RECORDED_ANSWER = json.loads((RECORDED / "oral-questions/constructed_2024-04-29_2024-04-30.json").read_text())
DFE, DHSC = by_slug("department-for-education"), by_slug("department-of-health-and-social-care")


def question(number: int = 60001, **changes: Any) -> dict[str, Any]:
    record = copy.deepcopy(next(r for r in RECORDED_ANSWER["Response"] if r["Id"] == number))
    record.update(changes)
    return record


def parse(record: dict[str, Any]) -> Any:
    return SOURCE.parse(RawRecordMessage(source=SOURCE.name, record=record, fetched_at=datetime.now(UTC)))


def poll(api: RecordedOralQuestions, departments: Any) -> list[Any]:
    client = UpstreamClient(transport=api.transport(), sleep=lambda _: None)
    since, until = datetime(2024, 4, 24, tzinfo=UTC), datetime(2024, 4, 25, tzinfo=UTC)
    return list(SOURCE.fetch(client, departments, since, until))


def test_one_query_for_every_department_reads_question_times_ahead_and_leaves_drafts_out():
    api = RecordedOralQuestions.from_recordings()

    fetched = poll(api, [DFE, DHSC])

    [request] = api.list_requests()
    params = request.url.params
    assert sorted(params.get_list("parameters.answeringBodyIds")) == sorted(
        str(body) for body in {*DFE.answering_body_ids, *DHSC.answering_body_ids}
    )
    assert (params["parameters.answeringDateStart"], params["parameters.answeringDateEnd"]) == (
        "2024-04-24",
        "2024-05-16",
    )
    assert params["parameters.take"] == "100"
    # the question times of 29 and 30 April are three and four days ahead; the draft 60005 is nobody's business
    assert sorted(f.record["Id"] for f in fetched) == [60001, 60002, 60003, 60004, 60101, 60102]


def test_pages_of_100_add_up_to_the_paging_total_or_the_poll_fails():
    assert len(poll(RecordedOralQuestions.from_recordings(page_cap=2), [DFE])) == 4
    with pytest.raises(UpstreamResponseError, match="do not add up"):
        poll(RecordedOralQuestions.from_recordings(total=50), [DFE])


def test_an_answer_reporting_failure_fails_the_poll():
    class Failing(RecordedOralQuestions):
        def handle(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any] | None:
            status, body = super().handle(path, query) or (404, {})
            return status, {**body, "Success": False, "Errors": ["Invalid answering body"]}

    with pytest.raises(UpstreamResponseError, match="reports a failure"):
        poll(Failing(RECORDED_ANSWER["Response"]), [DFE])


def test_a_substantive_question_reads_with_its_member_question_time_and_minister():
    item = parse(question())
    assert [d.slug for d in item.departments] == [DFE.slug]
    assert (item.kind, item.category, item.state, item.house) == (
        "oral-question",
        "Substantive",
        "to-be-asked",
        "commons",
    )
    assert item.summary == question()["QuestionText"]
    assert item.title.startswith("What steps she is taking")
    assert item.details["question_time"] == "2024-04-29" and item.details["topical"] is False
    assert item.published_at == datetime(2024, 4, 24, 13, 32, 10, tzinfo=UTC)  # 14:32 BST
    [asker, minister] = item.people
    assert (asker.role, asker.display()) == ("asked-by", "Navendu Mishra (Labour - Stockport)")
    assert minister.role == "to-be-answered-by" and "Secretary of State for Education" in minister.display()
    assert item.url.startswith("https://oralquestionsandmotions-api.parliament.uk/oralquestions/list?")
    assert "parameters.uINs=902001" in item.url


def test_a_topical_question_is_marked_so():
    item = parse(question(60002))
    assert item.category == "Topical" and item.details["topical"] is True


@pytest.mark.parametrize(
    ("question_type", "status", "topical", "state"),
    [
        ("Topical", "Withdrawn", True, "withdrawn"),
        (1, 6, True, "withdrawn"),
        (0, 11, False, "transferred"),
        ("topical", "transferred", True, "transferred"),
        ("Ordinary", None, False, "tabled"),  # the document's 200 schema: a written question's shape
        (None, "ReadyForShuffle", False, "tabled"),
        (7, 99, False, "tabled"),
    ],
)
def test_enums_as_names_or_positions_in_the_document_s_enum(question_type, status, topical, state):
    item = parse(question(QuestionType=question_type, Status=status))
    assert (item.details["topical"], item.state) == (topical, state)


def test_camel_case_names_read_as_pascal_case():
    record = {key[:1].lower() + key[1:]: value for key, value in question().items()}
    record["askingMember"] = {k[:1].lower() + k[1:]: v for k, v in record["askingMember"].items()}
    item = parse(record)
    assert item.id == "oral-questions:60001" and item.people[0].name == "Navendu Mishra"
    assert SOURCE.record_key(record) == "60001"


def test_a_question_without_optional_fields_is_an_item():
    item = parse(
        {"Id": 1, "QuestionText": "What steps?", "AnsweringWhen": "2024-05-07T00:00:00", "AnsweringBodyId": 14}
    )
    assert [d.slug for d in item.departments] == ["hm-treasury"]
    assert item.people == () and item.published_at.date() == date(2024, 5, 7)


def test_a_hansard_link_on_parliament_is_the_question_s_page_and_one_elsewhere_is_not():
    hansard = "https://hansard.parliament.uk/Commons/2024-04-29/debates/ABC/OralAnswersToQuestions"
    assert parse(question(HansardLink=hansard)).url == hansard
    assert parse(question(HansardLink="https://evil.example/x")).url.startswith("https://oralquestionsandmotions-api")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"AnsweringBodyId": 999}, "not in the department registry"),
        ({"AnsweringBodyId": "60"}, "AnsweringBodyId"),
        ({"Id": True}, "Id"),
        ({"QuestionText": ""}, "QuestionText"),
        ({"QuestionText": "<p> </p>"}, "empty once markup"),
        ({"AnsweringWhen": None}, "AnsweringWhen"),
        ({"Status": "Draft"}, "not tabled"),
    ],
)
def test_a_question_that_can_never_be_an_item_is_refused_with_its_reason(changes, reason):
    with pytest.raises(PoisonRecordError, match=reason):
        parse(question(**changes))


def test_a_transfer_is_its_own_event_in_either_reading():
    # the status reading: the question stays with DfE, its status says Transferred
    tabled, moved = parse(question()), parse(question(Status="Transferred"))
    assert classify(tabled, moved) is Event.TRANSFERRED
    assert events_of(None, moved) == (Event.NEW, Event.TRANSFERRED)
    # the other reading: the same id names another answering body
    elsewhere = parse(question(AnsweringBodyId=17, AnsweringBody="Department of Health and Social Care"))
    assert classify(tabled, elsewhere) is Event.TRANSFERRED
    # a withdrawal is a withdrawal
    assert classify(tabled, parse(question(Status="Withdrawn"))) is Event.WITHDRAWN


@pytest.mark.parametrize("field", ["TabledWhen", "RemovedFromToBeAskedWhen", "AnsweringWhen"])
def test_a_date_in_9999_with_an_offset_is_refused_with_its_field_not_an_overflow(field):
    with pytest.raises(PoisonRecordError, match=field):
        parse(question(**{field: "9999-12-31T23:00:00-05:00"}))
