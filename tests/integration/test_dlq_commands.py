"""`deptwatch dlq` says "empty" without receiving anything, says that reading is a receive (SQS has no peek), and
redrives a whole queue with SQS's own StartMessageMoveTask where SQS has it (moto does not: the receive → send →
delete fallback is what tests/integration/test_operations.py drives on the local stack)."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from infra.cli.operations import start_redrive
from tests.integration.deployed import deploy_outputs

QUEUE_OUTPUTS = ["DeadLetterQueueUrl", "RawRecordsQueueUrl", "NotifierFailureQueueUrl"]


@pytest.fixture
def deployed(stack) -> str:
    return deploy_outputs(stack, QUEUE_OUTPUTS)


@pytest.mark.parametrize("action", ["list", "redrive"])
def test_an_empty_queue_is_said_to_be_empty(stack, deptwatch, deployed, action) -> None:
    code, out, err = deptwatch("dlq", action, "--stack", deployed)
    assert (code, out) == (0, "empty: the records dead-letter queue holds no message\n"), err


def test_showing_a_message_of_an_empty_queue_says_empty_and_fails(stack, deptwatch, deployed) -> None:
    code, out, _ = deptwatch("dlq", "show", "some-id", "--queue", "notifier", "--stack", deployed)
    assert (code, out) == (1, "empty: the notifier dead-letter queue holds no message\n")


def test_listing_is_a_receive_as_the_help_says(stack, deptwatch, deployed) -> None:
    # GIVEN a dead letter
    stack.sqs.send_message(QueueUrl=stack.output("DeadLetterQueueUrl"), MessageBody=json.dumps({"origin": "x"}))

    # WHEN it is listed twice, THEN its receive count goes up each time (SQS has no peek), and the help says so
    counts = [json.loads(deptwatch("dlq", "list", "--stack", deployed)[1])["receive_count"] for _ in range(2)]
    assert counts[1] == counts[0] + 1
    code, out, _ = deptwatch("dlq", "--help")
    words = " ".join(out.split())
    assert code == 0 and "SQS has no peek" in words and "counts one receive more" in words


def test_a_whole_queue_is_redriven_by_sqs_own_message_move_task() -> None:
    # GIVEN SQS as AWS answers (botocore's Stubber: moto has no StartMessageMoveTask)
    sqs = boto3.client("sqs", region_name="eu-west-2")  # the tests' dummy credentials; the Stubber answers
    dead, target = "https://sqs.eu-west-2.amazonaws.com/1/dead", "https://sqs.eu-west-2.amazonaws.com/1/raw"
    with Stubber(sqs) as stub:
        for url, arn in ((dead, "arn:aws:sqs:eu-west-2:1:dead"), (target, "arn:aws:sqs:eu-west-2:1:raw")):
            stub.add_response(
                "get_queue_attributes",
                {"Attributes": {"QueueArn": arn}},
                {"QueueUrl": url, "AttributeNames": ["QueueArn"]},
            )
        stub.add_response(
            "start_message_move_task",
            {"TaskHandle": "task-1"},
            {"SourceArn": "arn:aws:sqs:eu-west-2:1:dead", "DestinationArn": "arn:aws:sqs:eu-west-2:1:raw"},
        )

        # WHEN the whole queue is redriven, THEN SQS is asked to move it, from the DLQ to the records queue
        assert start_redrive(sqs, dead, target) == "task-1"
        stub.assert_no_pending_responses()


def test_where_sqs_lacks_the_move_task_the_caller_is_told_to_move_them_itself(stack) -> None:
    assert start_redrive(stack.sqs, stack.output("DeadLetterQueueUrl"), stack.output("RawRecordsQueueUrl")) is None
