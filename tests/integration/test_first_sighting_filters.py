"""A filter on an event means what it says, whatever deptwatch saw of the item before (issue #11, first sighting).

An item first seen already answered, corrected, withdrawn or cancelled (answered before the first poll or between two
polls, or found by a backfill) is one message: its first version, whose `event` attribute is the String.Array of every
event it stands for (["new", "answered"]). SQS queues subscribed with `deptwatch subscribe`, as the README shows, stand
for subscribers; moto's SNS applies their filter policies element by element, as SNS does.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from infra.local.stack import STACK_NAME
from shared.adapters.aws import aws_client
from shared.domain.raw_record import RawRecordMessage
from tests.helpers import queue_raw, recorded
from tests.integration.test_subscriptions import new_queue, received

DFE = "department-for-education"
DHSC = "department-of-health-and-social-care"
T0 = datetime(2024, 4, 26, 9, 0, tzinfo=UTC)
LORDS_FIRST_SEEN_ANSWERED = 1690002
COMMONS_FIRST_SEEN_CORRECTED = 1690003
CANCELLED_SESSION = 51420
"""A DfE select committee session that What's On lists already cancelled (CancelledDate set)."""
CORRECTED_STATEMENT = 1701205
"""A DHSC statement that corrects an earlier one (linkType CorrectedStatement)."""
WITHDRAWN_TITLE = "Tutoring: guidance for academic year 2023 to 2024"


def question(detail: dict[str, Any], question_id: int, uin: str, **changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(detail), "id": question_id, "uin": uin, **changes}


CORRECTION = {"answerIsCorrection": True, "dateAnswerCorrected": "2024-01-17T00:00:00"}


def first_poll(detail: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(source, record) of everything deptwatch sees for the first time, each already past its first state."""
    [cancelled] = [e for e in recorded("whatson-events/2024-04-25_list.json") if e["Id"] == CANCELLED_SESSION]
    assert cancelled["CancelledDate"]
    publications = recorded("govuk-publications/dfe_newest_first_page_2.json")["results"]
    assert any(p.get("is_withdrawn") for p in publications)
    statements = [entry["value"] for entry in recorded("written-statements/list_2024-04-18.json")["results"]]
    return [
        ("written-questions", question(detail, LORDS_FIRST_SEEN_ANSWERED, "HL1791", house="Lords")),
        ("written-questions", question(detail, COMMONS_FIRST_SEEN_CORRECTED, "7927", **CORRECTION)),
        ("whatson-events", cancelled),
        *(("govuk-publications", publication) for publication in publications),
        *(("written-statements", statement) for statement in statements),
    ]


def second_poll(detail: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The Lords question's answer, already notified as answered, is corrected."""
    edited = detail["answerText"].replace("There are now 44 FJAAs", "There are now 45 FJAAs")
    lords = question(detail, LORDS_FIRST_SEEN_ANSWERED, "HL1791", house="Lords", answerText=edited, **CORRECTION)
    return [("written-questions", lords)]


def send(stack: Any, records: list[tuple[str, dict[str, Any]]], fetched_at: datetime) -> list[Any]:
    queue_raw(
        stack,
        [
            RawRecordMessage(source=source, record=record, fetched_at=fetched_at, origin="tests/first-sighting")
            for source, record in records
        ],
    )
    stack.drain()
    assert stack.dead_letters() == []
    return stack.collect_deliveries()


def got(envelopes: list[dict[str, Any]]) -> list[tuple[str, int, list[str]]]:
    """(item id, version, events) of each message a subscriber received, sorted (a message without `events`, as
    published before the field was added, stands for its `event`)."""
    messages = [json.loads(envelope["Message"]) for envelope in envelopes]
    return sorted((m["item"]["id"], m["item"]["version"], m.get("events", [m["event"]])) for m in messages)


def test_a_subscriber_filtering_on_an_event_hears_once_of_every_item_that_reaches_it(stack, deptwatch, detail_record):
    # GIVEN subscribers made with `deptwatch subscribe`: the README's own example (answered written questions from
    # the Lords), and one per event: answered, corrected (DfE and DHSC), withdrawn, cancelled and new
    queues: dict[str, str] = {}

    def subscribe(name: str, department: str, *flags: str) -> None:
        url, arn = new_queue(stack, name)
        queues[name] = url
        base = ("subscribe", "--stack", STACK_NAME, "--department", department, "--protocol", "sqs")
        code, _, err = deptwatch(*base, "--endpoint", arn, *flags)
        assert code == 0, err

    subscribe("lords-answered", DFE, "--kind", "written-question", "--event", "answered", "--house", "lords")
    subscribe("answered", DFE, "--event", "answered")
    subscribe("corrected", DFE, "--event", "corrected")
    subscribe("corrected", DHSC, "--event", "corrected")
    subscribe("withdrawn", DFE, "--event", "withdrawn")
    subscribe("cancelled", DFE, "--event", "cancelled")
    subscribe("new", DFE, "--event", "new")

    # WHEN deptwatch first sees items already past their first state, then one of them changes, then a backfill
    # brings everything again as it now is
    first = send(stack, first_poll(detail_record), T0)
    second = send(stack, second_poll(detail_record), T0 + timedelta(hours=1))
    current = [*first_poll(detail_record)[1:], *second_poll(detail_record)]  # the Lords question as it is now
    backfill = send(stack, current, T0 + timedelta(hours=2))
    inbox = {name: got(received(stack, url)) for name, url in queues.items()}

    # THEN the README's subscriber gets the Lords question first seen answered: one message, new and answered
    lords = f"written-questions:{LORDS_FIRST_SEEN_ANSWERED}"
    commons = f"written-questions:{COMMONS_FIRST_SEEN_CORRECTED}"
    assert inbox["lords-answered"] == [(lords, 1, ["new", "answered"])]
    # AND a question first seen corrected was answered too (only an answer can be corrected)
    assert inbox["answered"] == [(lords, 1, ["new", "answered"]), (commons, 1, ["new", "answered", "corrected"])]
    # AND the corrected subscriber gets the first-seen corrections and the later correction, once each
    assert inbox["corrected"] == [
        (lords, 2, ["corrected"]),
        (commons, 1, ["new", "answered", "corrected"]),
        (f"written-statements:{CORRECTED_STATEMENT}", 1, ["new", "corrected"]),
    ]
    # AND a session What's On lists already cancelled, and a publication first seen withdrawn, reach theirs
    assert inbox["cancelled"] == [(f"whatson-events:{CANCELLED_SESSION}", 1, ["new", "cancelled"])]
    [(withdrawn_id, version, withdrawn_events)] = inbox["withdrawn"]
    assert (version, withdrawn_events) == (1, ["new", "withdrawn"])
    [publication] = [d for d in first if d.message["item"]["id"] == withdrawn_id]
    assert publication.message["item"]["title"] == WITHDRAWN_TITLE
    # AND `new` still means every first version, and only first versions
    dfe_first_versions = sorted((d.message["item"]["id"], 1, d.message["events"]) for d in first if d.department == DFE)
    assert inbox["new"] == dfe_first_versions
    # AND nothing was notified twice: one message per version, and the backfill of unchanged records sends nothing
    assert len(second) == 1 and backfill == []
    # AND each message's JSON names its `event` among its `events`, the list its `event` attribute carries
    for delivery in first + second:
        assert delivery.message["event"] in delivery.message["events"] == delivery.attributes["event"]


def test_the_event_attribute_is_a_string_array_in_the_envelope_and_with_raw_delivery(stack, detail_record):
    # GIVEN a subscriber with raw message delivery (SQS message attributes, no SNS envelope) filtering on `answered`
    url, arn = new_queue(stack, "raw-answered")
    aws_client("sns").subscribe(
        TopicArn=stack.topic_arns()[DFE],
        Protocol="sqs",
        Endpoint=arn,
        Attributes={
            "RawMessageDelivery": "true",
            "FilterPolicyScope": "MessageAttributes",
            "FilterPolicy": json.dumps({"event": ["answered"]}),
        },
    )

    # WHEN a question first seen answered is published
    [delivery] = send(stack, first_poll(detail_record)[:1], T0)

    # THEN the envelope (read by the stack's own inbox) carried a String.Array, and the raw subscriber got the message
    # with the attribute as SQS message attribute of that type, its value the JSON array
    assert delivery.attributes["event"] == ["new", "answered"]
    [message] = aws_client("sqs").receive_message(QueueUrl=url, MessageAttributeNames=["All"], WaitTimeSeconds=0)[
        "Messages"
    ]
    assert message["MessageAttributes"]["event"] == {"DataType": "String.Array", "StringValue": '["new", "answered"]'}
    assert json.loads(message["Body"])["events"] == ["new", "answered"]
