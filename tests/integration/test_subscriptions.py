"""Subscribing to department topics with filter policies (`deptwatch subscribe`) on the local stack.

SQS queues stand for subscribers: each is subscribed with its own filter policy, a mix of records with state changes
goes through the pipeline, and each queue must hold exactly what its policy asks for of what was published. What was
published is read from the stack's own unfiltered inboxes (LocalStack.collect_deliveries), one per topic.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.cli.operations import OperationError, filter_policy
from infra.cli.subscriptions import subscribe
from infra.local.stack import STACK_NAME
from shared.adapters.aws import aws_client
from shared.domain.departments import DEPARTMENTS
from shared.domain.raw_record import RawRecordMessage
from tests.helpers import queue_raw, recorded

DFE = "department-for-education"
DHSC = "department-of-health-and-social-care"
T0 = datetime(2024, 4, 20, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)


# --- the command and the subscribers ------------------------------------------------------------------------------


def new_queue(stack, name: str) -> tuple[str, str]:
    url = stack.sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = stack.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def received(stack, url: str) -> list[dict[str, Any]]:
    """Every SNS envelope on the queue (removed): {MessageId, Message, MessageAttributes, TopicArn, …}."""
    envelopes = []
    while messages := stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
        "Messages", []
    ):
        for message in messages:
            envelopes.append(json.loads(message["Body"]))
            stack.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return envelopes


def summary(envelope: dict[str, Any]) -> tuple[str, str, int, str]:
    """(topic's department, item id, version, event) of a delivered message."""
    message = json.loads(envelope["Message"])
    return (
        envelope["MessageAttributes"]["department"]["Value"],
        message["item"]["id"],
        message["item"]["version"],
        message["event"],
    )


def matches(policy: dict[str, list[str]], attributes: dict[str, str | list[str]]) -> bool:
    """SNS's rule for a policy of exact string values: every attribute named must be present with one of its values
    (for a String.Array, one of its elements)."""

    def elements(value: str | list[str] | None) -> list[str | None]:
        return value if isinstance(value, list) else [value]

    return all(set(elements(attributes.get(name))) & set(values) for name, values in policy.items())


# --- the records: a mix of sources for DfE (and DHSC), with changes between two polls -------------------------------

LORDS_ANSWERED_LATER = 1690001
LORDS_ANSWERED_AT_ONCE = 1690002


def lords_question(detail: dict[str, Any], question_id: int, uin: str, **changes: Any) -> dict[str, Any]:
    """The real DfE question, as if asked in the Lords."""
    return {**copy.deepcopy(detail), "id": question_id, "uin": uin, "house": "Lords", **changes}


UNANSWERED = {"answerText": None, "dateAnswered": None, "answeringMemberId": None}


def polls(detail: dict[str, Any]) -> tuple[list[RawRecordMessage], list[RawRecordMessage]]:
    """Two polls' worth of queue messages, as the fetcher would send them."""

    def message(source: str, record: dict[str, Any], fetched_at: datetime, department: str | None = None):
        return RawRecordMessage(
            source=source, record=record, department=department, fetched_at=fetched_at, origin="tests/subscriptions"
        )

    edited = detail["answerText"].replace("There are now 44 FJAAs", "There are now 45 FJAAs")
    statements = [entry["value"] for entry in recorded("written-statements/list_2024-04-18.json")["results"]]
    publications = [
        *recorded("govuk-publications/dfe_newest_first_page_1.json")["results"],
        *recorded("govuk-publications/dfe_newest_first_page_2.json")["results"],
    ]
    [statistics] = [p for p in publications if p["content_store_document_type"] == "national_statistics"]
    revised = {**statistics, "public_timestamp": "2024-04-20T09:30:00.000+01:00", "description": "Revised figures."}
    [session] = [e for e in recorded("whatson-events/2024-04-15_list.json") if e["Id"] == 51388]
    [moved] = [e for e in recorded("whatson-events/2024-04-25_list.json") if e["Id"] == 51388]
    [question_time] = recorded("whatson-events/2024-04-15_list_answeringBodyIds-60.json")

    first = [
        message("written-questions", {**detail, **UNANSWERED}, T0),  # Commons, tabled
        message("written-questions", lords_question(detail, LORDS_ANSWERED_LATER, "HL1790", **UNANSWERED), T0),
        message("written-questions", lords_question(detail, LORDS_ANSWERED_AT_ONCE, "HL1791"), T0),  # new, answered
        *(message("written-statements", record, T0) for record in statements),
        *(message("govuk-publications", record, T0) for record in publications),
        message("whatson-events", session, T0),
        message("whatson-events", question_time, T0, department=DFE),
    ]
    second = [
        message("written-questions", detail, T1),  # Commons: answered
        message("written-questions", lords_question(detail, LORDS_ANSWERED_LATER, "HL1790"), T1),  # Lords: answered
        message(
            "written-questions",
            lords_question(
                detail,
                LORDS_ANSWERED_AT_ONCE,
                "HL1791",
                answerText=edited,
                answerIsCorrection=True,
                dateAnswerCorrected="2024-01-17T00:00:00",
            ),
            T1,
        ),  # Lords: corrected
        message("govuk-publications", revised, T1),  # Statistics: updated
        message("whatson-events", moved, T1),  # rescheduled
    ]
    return first, second


def run_polls(stack, detail: dict[str, Any]) -> list[Any]:
    published = []
    for poll in polls(detail):
        queue_raw(stack, poll)
        stack.drain()
        published += stack.collect_deliveries()
    assert stack.dead_letters() == []
    return published


# --- the tests -------------------------------------------------------------------------------------------------------


def test_each_subscriber_receives_exactly_what_its_filter_policy_asks_for(stack, deptwatch, detail_record):
    # GIVEN four subscribers to DfE's topic, two subscribed with `deptwatch subscribe` and two with the operations API
    # (one of them also to DHSC's topic): only answered written questions from the Lords; only Statistics; only
    # written statements; everything
    lords_url, lords_arn = new_queue(stack, "lords-answered")
    statistics_url, statistics_arn = new_queue(stack, "statistics")
    statements_url, statements_arn = new_queue(stack, "statements")
    everything_url, everything_arn = new_queue(stack, "everything")
    base = ["subscribe", "--stack", STACK_NAME, "--department", DFE, "--protocol", "sqs"]
    code, out, err = deptwatch(
        *base, "--endpoint", lords_arn, "--kind", "written-question", "--event", "answered", "--house", "Lords"
    )
    assert code == 0, err
    lords_policy = {"kind": ["written-question"], "event": ["answered"], "house": ["lords"]}
    assert json.loads(out)["filter_policy"] == lords_policy  # values are lower-cased, as the notifier publishes them
    code, out, err = deptwatch(*base, "--endpoint", statistics_arn, "--kind", "publication", "--category", "statistics")
    assert code == 0, err
    statistics_policy = {"kind": ["publication"], "category": ["statistics"]}
    assert json.loads(out)["filter_policy"] == statistics_policy
    sns = aws_client("sns")
    statements_policy = filter_policy(kind=["written-statement"])
    for department in (DFE, DHSC):
        subscribe(sns, STACK_NAME, department, "sqs", statements_arn, statements_policy)
    subscribe(sns, STACK_NAME, DFE, "sqs", everything_arn, filter_policy())

    # WHEN two polls' worth of records of every source go through the pipeline, the second with changes
    published = run_polls(stack, detail_record)

    # THEN each queue holds exactly the published messages its policy selects, once each
    def published_for(departments: set[str], policy: dict[str, list[str]]) -> list[tuple[str, str, int, str]]:
        return sorted(
            (d.department, d.message["item"]["id"], d.message["item"]["version"], d.message["event"])
            for d in published
            if d.department in departments and matches(policy, d.attributes)
        )

    lords = sorted(map(summary, received(stack, lords_url)))
    statistics = sorted(map(summary, received(stack, statistics_url)))
    statements = sorted(map(summary, received(stack, statements_url)))
    everything = sorted(map(summary, received(stack, everything_url)))
    assert lords == published_for({DFE}, lords_policy)
    assert statistics == published_for({DFE}, statistics_policy)
    assert statements == published_for({DFE, DHSC}, statements_policy)
    assert everything == published_for({DFE}, {})

    # AND that is what each policy means: each Lords question once, when it is answered: the one answered after it
    # was tabled, and the one first seen already answered (its first version, `new` and `answered`); not the Commons
    # one, nor the correction of an answer already notified
    assert lords == [
        (DFE, f"written-questions:{LORDS_ANSWERED_LATER}", 2, "answered"),
        (DFE, f"written-questions:{LORDS_ANSWERED_AT_ONCE}", 1, "new"),
    ]
    # AND the three Statistics releases and the revision of one of them (not research, not the other publications)
    assert sorted((version, event) for _, _, version, event in statistics) == [(1, "new")] * 3 + [(2, "updated")]
    assert len({item_id for _, item_id, _, _ in statistics}) == 3
    # AND the statements of DfE (both Houses, and the joint one) and of DHSC, and no other department's
    assert statements == [
        (DFE, "written-statements:1701201", 1, "new"),
        (DFE, "written-statements:1701202", 1, "new"),
        (DFE, "written-statements:1701203", 1, "new"),
        (DHSC, "written-statements:1701205", 1, "new"),
    ]
    # AND the unfiltered subscriber got all of DfE's messages: every kind, every event, and nothing of DHSC alone
    assert {summary_[3] for summary_ in everything} == {"new", "answered", "corrected", "updated", "rescheduled"}
    assert len(everything) == len([d for d in published if d.department == DFE]) > len(statements) + len(statistics)


def test_topics_lists_every_department_topic_of_the_stack(stack, deptwatch):
    # GIVEN the deployed stack, WHEN `deptwatch topics --stack NAME` runs
    code, out, err = deptwatch("topics", "--stack", STACK_NAME)

    # THEN it prints one "slug<TAB>topic ARN" line per department of the registry, each the stack's topic for it
    assert code == 0, err
    listed = dict(line.split("\t") for line in out.splitlines())
    assert listed == stack.topic_arns()
    assert set(listed) == {department.slug for department in DEPARTMENTS}


def test_subscribing_to_an_unknown_department_is_a_clear_error(stack, deptwatch):
    # GIVEN a queue, WHEN subscribing it to a department that has no topic
    _, arn = new_queue(stack, "misspelt")
    code, out, err = deptwatch(
        "subscribe", "--stack", STACK_NAME, "--department", "department-of-education", "--protocol", "sqs",
        "--endpoint", arn,
    )  # fmt: skip

    # THEN exit status 2, one line naming the flag and the near miss, and no subscription anywhere
    assert code == 2
    assert out == ""
    assert err.startswith("deptwatch subscribe: argument --department: unknown department 'department-of-education'")
    assert "did you mean 'department-for-education'" in err and err.count("\n") == 1
    subscriptions = stack.sns.list_subscriptions()["Subscriptions"]
    assert arn not in {subscription["Endpoint"] for subscription in subscriptions}
    # AND the operations API raises the same error
    with pytest.raises(OperationError, match="no topic for department 'department-of-education'"):
        subscribe(aws_client("sns"), STACK_NAME, "department-of-education", "sqs", arn, {})


def test_subscribing_on_a_stack_that_does_not_exist_is_a_clear_error(stack, deptwatch):
    # GIVEN the local stack, WHEN subscribing on a stack name with no topics
    code, _, err = deptwatch(
        "subscribe", "--stack", "nonesuch", "--department", DFE, "--protocol", "email", "--endpoint", "a@example.org"
    )

    # THEN exit status 2 and the reason
    assert code == 2
    assert "no deptwatch topics found for stack 'nonesuch'" in err


def test_an_email_subscription_is_made_with_its_filter_policy(stack, deptwatch):
    # GIVEN the stack, WHEN an e-mail address is subscribed with a filter (written as a person would type it)
    code, out, err = deptwatch(
        "subscribe", "--stack", STACK_NAME, "--department", DFE, "--protocol", "email", "--endpoint",
        "someone@example.org", "--kind", "publication", "--category", "Statistics",
    )  # fmt: skip

    # THEN the command prints the subscription: its ARN, the topic and the policy
    assert code == 0, err
    printed = json.loads(out[: out.rindex("}") + 1])
    assert printed["topic_arn"] == stack.topic_arns()[DFE]
    assert printed["filter_policy"] == {"kind": ["publication"], "category": ["statistics"]}
    # AND SNS holds that policy, on the message attributes
    [created] = [s for s in stack.sns.list_subscriptions()["Subscriptions"] if s["Endpoint"] == "someone@example.org"]
    assert created["SubscriptionArn"] == printed["subscription_arn"]
    assert created["TopicArn"] == stack.topic_arns()[DFE] and created["Protocol"] == "email"
    attributes = stack.sns.get_subscription_attributes(SubscriptionArn=created["SubscriptionArn"])["Attributes"]
    assert json.loads(attributes["FilterPolicy"]) == {"kind": ["publication"], "category": ["statistics"]}
    assert attributes["FilterPolicyScope"] == "MessageAttributes"


def test_an_email_subscriber_is_told_to_confirm(stack, deptwatch):
    # GIVEN the stack, WHEN an e-mail address is subscribed (SNS then e-mails a confirmation link, and delivers
    # nothing until it is followed)
    code, out, err = deptwatch(
        "subscribe", "--stack", STACK_NAME, "--department", DFE, "--protocol", "email", "--endpoint",
        "someone@example.org",
    )  # fmt: skip

    # THEN the command says so
    assert code == 0, err
    assert "confirm" in out[out.rindex("}") + 1 :]


def test_topics_of_another_stack_with_a_longer_name_are_not_listed(stack, deptwatch):
    # GIVEN only the stack `deptwatch-local` deployed (its topics are `deptwatch-local-<department>`)
    assert STACK_NAME.startswith("deptwatch-")

    # WHEN listing the topics of the stack `deptwatch` (the default name), which is not deployed here
    code, out, err = deptwatch("topics", "--stack", "deptwatch")

    # THEN none is listed: `local-department-for-education` is not a department of `deptwatch`
    assert out == ""
    assert code == 2 and "no deptwatch topics found for stack 'deptwatch'" in err
