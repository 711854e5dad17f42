"""`deptwatch subscribe` never silently changes an endpoint's subscription (`--replace` does, saying what it was),
subscribes to a watch's topic, takes acronyms; `deptwatch subscriptions` lists, `deptwatch unsubscribe` removes."""

from __future__ import annotations

import json

from infra.local.stack import STACK_NAME
from tests.integration.deployed import Deptwatch, deploy_outputs

DFE = "department-for-education"
DBIST = "department-for-business-innovation-science-and-trade"


def queue_arn(stack, name: str) -> str:
    url = stack.sqs.create_queue(QueueName=name)["QueueUrl"]
    return stack.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def policy_in_sns(stack, endpoint: str) -> dict | None:
    [listed] = [s for s in stack.sns.list_subscriptions()["Subscriptions"] if s["Endpoint"] == endpoint]
    attributes = stack.sns.get_subscription_attributes(SubscriptionArn=listed["SubscriptionArn"])["Attributes"]
    return json.loads(attributes["FilterPolicy"]) if attributes.get("FilterPolicy") else None


def subscribe(deptwatch: Deptwatch, endpoint: str, *flags: str) -> tuple[int, str, str]:
    return deptwatch("subscribe", "--stack", STACK_NAME, "--protocol", "sqs", "--endpoint", endpoint, *flags)


def test_an_existing_subscription_keeps_its_policy_unless_replaced(stack, deptwatch: Deptwatch) -> None:
    # GIVEN a queue subscribed to DfE without a filter (everything)
    endpoint = queue_arn(stack, "everything")
    code, _, err = subscribe(deptwatch, endpoint, "--department", "dfe")
    assert code == 0, err

    # WHEN it is subscribed again with a filter, without --replace
    code, out, err = subscribe(deptwatch, endpoint, "--department", DFE, "--kind", "written-question")

    # THEN it is refused in one line saying what the policy is and what would change it; SNS still has no filter
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "already subscribed" in err and "none (everything)" in err and "--replace" in err
    assert policy_in_sns(stack, endpoint) is None

    # WHEN the same is asked with --replace, THEN the policy changes and the command says what it was
    code, out, err = subscribe(deptwatch, endpoint, "--department", DFE, "--kind", "written-question", "--replace")
    assert code == 0, err
    assert "it was none (everything)" in out
    assert policy_in_sns(stack, endpoint) == {"kind": ["written-question"]}

    # AND subscribing again with the same policy changes nothing and says so
    code, out, err = subscribe(deptwatch, endpoint, "--department", DFE, "--kind", "written-question")
    assert code == 0, err
    assert "nothing changed" in out
    assert len([s for s in stack.sns.list_subscriptions()["Subscriptions"] if s["Endpoint"] == endpoint]) == 1


def test_a_former_acronym_subscribes_to_the_successor_and_source_filters(stack, deptwatch: Deptwatch) -> None:
    endpoint = queue_arn(stack, "beis")
    code, out, err = subscribe(deptwatch, endpoint, "--department", "BEIS", "--source", "Written-Questions")
    assert code == 0, err
    assert json.loads(out[: out.rindex("}") + 1])["topic_arn"] == stack.topic_arns()[DBIST]
    assert policy_in_sns(stack, endpoint) == {"source": ["written-questions"]}


def test_subscribing_to_a_watch_uses_its_topic(stack, deptwatch: Deptwatch) -> None:
    # GIVEN a saved watch (its topic <stack>-watch-raac)
    deploy_outputs(stack, ["StateTableName", "NotifierRoleArn"])
    code, _, err = deptwatch("watch", "add", "raac", "--query", "RAAC", "--stack", STACK_NAME)
    assert code == 0, err
    endpoint = queue_arn(stack, "raac")

    # WHEN an endpoint subscribes to the watch
    code, out, err = subscribe(deptwatch, endpoint, "--watch", "raac")

    # THEN it is subscribed to the watch's topic
    assert code == 0, err
    assert json.loads(out[: out.rindex("}") + 1])["topic_arn"].endswith(f":{STACK_NAME}-watch-raac")
    # AND a watch that does not exist is one line
    code, out, err = subscribe(deptwatch, endpoint, "--watch", "nonesuch")
    assert (code, out) == (2, "") and "has no watch 'nonesuch'" in err and err.count("\n") == 1


def test_subscriptions_lists_and_unsubscribe_removes(stack, deptwatch: Deptwatch) -> None:
    # GIVEN a queue on DfE with a filter, the same queue on DHSC, and an e-mail address on DfE
    endpoint = queue_arn(stack, "lists")
    assert subscribe(deptwatch, endpoint, "--department", "dfe", "--house", "lords")[0] == 0
    assert subscribe(deptwatch, endpoint, "--department", "dhsc")[0] == 0
    code, _, err = deptwatch(
        "subscribe", "--stack", STACK_NAME, "--department", "dfe", "--protocol", "email", "--endpoint", "a@example.org"
    )
    assert code == 0, err

    # WHEN the subscriptions to DfE are listed (by its acronym)
    code, out, err = deptwatch("subscriptions", "--stack", STACK_NAME, "--department", "DfE")

    # THEN each is one JSON line: endpoint, protocol, policy, pending confirmation
    assert code == 0, err
    ours = {endpoint, "a@example.org"}  # the local stack has its own inbox queue on each topic
    listed = sorted(
        (s for s in map(json.loads, out.splitlines()) if s["endpoint"] in ours), key=lambda s: s["protocol"]
    )
    assert [(s["topic"], s["protocol"], s["endpoint"], s["filter_policy"]) for s in listed] == [
        (DFE, "email", "a@example.org", None),
        (DFE, "sqs", endpoint, {"house": ["lords"]}),
    ]
    assert all(isinstance(s["pending_confirmation"], bool) for s in listed)
    code, out, _ = deptwatch("subscriptions", "--stack", STACK_NAME)
    assert len([line for line in out.splitlines() if json.loads(line)["endpoint"] in ours]) == 3

    # WHEN the queue is unsubscribed by endpoint, THEN both its subscriptions go and the e-mail stays
    code, out, err = deptwatch("unsubscribe", "--stack", STACK_NAME, "--endpoint", endpoint)
    assert code == 0, err
    assert sorted(json.loads(line)["topic"] for line in out.splitlines()) == [
        DFE,
        "department-of-health-and-social-care",
    ]
    remaining = [s for s in stack.sns.list_subscriptions()["Subscriptions"] if s["Endpoint"] in ours]
    assert [s["Endpoint"] for s in remaining] == ["a@example.org"]

    # WHEN the e-mail subscription is removed by its ARN, THEN none is left
    code, out, err = deptwatch("unsubscribe", remaining[0]["SubscriptionArn"], "--stack", STACK_NAME)
    assert code == 0, err
    assert not [s for s in stack.sns.list_subscriptions()["Subscriptions"] if s["Endpoint"] in ours]

    # AND an ARN that is not a subscription of the stack is one line, exit 2
    code, out, err = deptwatch("unsubscribe", remaining[0]["SubscriptionArn"], "--stack", STACK_NAME)
    assert (code, out) == (2, "") and "is not a subscription" in err
