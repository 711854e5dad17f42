"""Dead letters on the local stack: what lands there and why, looking at them, and sending them back.

infra.cli.operations is driven directly on the stack's queues; the `deptwatch dlq` commands read the queue URLs from
CloudFormation, so for them a minimal CloudFormation stack, named like the local stack, carries the local queues' URLs
in its Outputs (as a deployed stack's do).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from infra.cli.operations import OperationError, peek_dead_letters, redrive
from shared.container import reset_container_caches
from shared.domain.raw_record import RawRecordMessage
from tests.integration.deployed import deploy_outputs

UNKNOWN_BODY = 9999
QUEUE_OUTPUTS = ("DeadLetterQueueUrl", "RawRecordsQueueUrl", "NotifierFailureQueueUrl")


# --- helpers ---------------------------------------------------------------------------------------------------------


def poison(detail: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A question of an answering body the registry does not know, and one whose UIN fails validation."""
    unknown = {**detail, "id": 1690100, "answeringBodyId": UNKNOWN_BODY, "answeringBodyName": "Ministry of Silly Walks"}
    invalid = {**detail, "id": 1690101, "uin": ""}
    return unknown, invalid


UNKNOWN_REASON = f"answering body {UNKNOWN_BODY} (Ministry of Silly Walks) is not in the department registry"


def record_id(body: str) -> int:
    return RawRecordMessage.model_validate_json(body).record["id"]


def depth(stack, output: str) -> tuple[int, int]:
    """(visible, in flight) messages on one of the stack's queues."""
    attributes = stack.sqs.get_queue_attributes(
        QueueUrl=stack.output(output),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def stored_version(stack, item_id: str) -> int | None:
    row = stack.dynamodb.get_item(
        TableName=stack.output("ItemsTableName"), Key={"item_id": {"S": item_id}}, ConsistentRead=True
    ).get("Item")
    return int(row["version"]["N"]) if row else None


def letters(stack) -> dict[int, Any]:
    """The records dead-letter queue, peeked: record id → DeadLetter."""
    return {
        record_id(letter.body): letter for letter in peek_dead_letters(stack.sqs, stack.output("DeadLetterQueueUrl"))
    }


@pytest.fixture
def broken_processor(stack, monkeypatch) -> Iterator[Callable[[bool], None]]:
    """`broken(True)` deploys a processor configured with an items table that does not exist (every write fails, as
    with a DynamoDB outage or a bad deployment); `broken(False)` deploys the fix."""
    environment = stack.functions["ProcessorFunction"].environment
    right = environment["ITEMS_TABLE_NAME"]

    def broken(state: bool) -> None:
        monkeypatch.setitem(environment, "ITEMS_TABLE_NAME", f"{right}-missing" if state else right)
        reset_container_caches()  # a new deployment: new Lambda containers

    yield broken
    broken(False)


# --- poison records ------------------------------------------------------------------------------------------------


def test_poison_records_land_on_the_dead_letter_queue_with_their_reason_and_peeking_leaves_them(
    stack, enqueue, detail_record
):
    # GIVEN a good record between two that can never become items
    unknown, invalid = poison(detail_record)
    enqueue([unknown, detail_record, invalid])

    # WHEN the pipeline runs
    stack.drain()

    # THEN the good one is stored and notified, and the records queue is empty (the poison ones were not retried)
    assert [d.message["item"]["id"] for d in stack.collect_deliveries()] == ["written-questions:1679416"]
    assert depth(stack, "RawRecordsQueueUrl") == (0, 0)
    # AND each poison record is on the dead-letter queue, once, with its source, origin and reason
    found = letters(stack)
    assert sorted(found) == [unknown["id"], invalid["id"]]
    assert found[unknown["id"]].reason == UNKNOWN_REASON
    assert found[invalid["id"]].reason.startswith("invalid written question: uin: ")
    for letter in found.values():
        assert letter.summary() == {
            "message_id": letter.message_id,
            "source": "written-questions",
            "reason": letter.reason,
            "origin": "tests/fixtures",
            "receive_count": letter.receive_count,
        }
    # AND looking again shows the same messages: peeking left them visible on the queue
    assert {letter.message_id for letter in letters(stack).values()} == {letter.message_id for letter in found.values()}
    assert depth(stack, "DeadLetterQueueUrl") == (2, 0)
    assert stored_version(stack, f"written-questions:{unknown['id']}") is None


def test_a_redriven_record_whose_cause_is_not_fixed_comes_back_with_the_same_reason(stack, enqueue, detail_record):
    # GIVEN two poison records on the dead-letter queue
    unknown, invalid = poison(detail_record)
    enqueue([unknown, invalid])
    stack.drain()
    before = letters(stack)

    # WHEN all of them are redriven (nothing was fixed)
    moved = redrive(stack.sqs, stack.output("DeadLetterQueueUrl"), stack.output("RawRecordsQueueUrl"))

    # THEN both were sent back to the records queue and deleted from the dead-letter queue
    assert sorted(moved) == sorted(letter.message_id for letter in before.values())
    assert depth(stack, "DeadLetterQueueUrl") == (0, 0)
    assert depth(stack, "RawRecordsQueueUrl") == (2, 0)
    # AND once processed again they are back, once each, for the same reasons; nothing was stored or notified
    stack.drain()
    after = letters(stack)
    assert {rid: letter.reason for rid, letter in after.items()} == {
        rid: letter.reason for rid, letter in before.items()
    }
    assert depth(stack, "RawRecordsQueueUrl") == (0, 0)
    assert stack.collect_deliveries() == []


def test_a_record_that_failed_until_the_fix_is_stored_once_redriven_by_id(
    stack, enqueue, detail_record, broken_processor
):
    # GIVEN a processor that cannot write (a bad deployment), and a poison record also on the dead-letter queue
    unknown, _ = poison(detail_record)
    enqueue([unknown])
    stack.drain()
    broken_processor(True)

    # WHEN a good record arrives: every attempt fails, and after 5 receives SQS moves it to the dead-letter queue
    enqueue([detail_record])
    stack.drain()

    # THEN it is there without a reason (it is not poison), after its 5 receives, and nothing was stored or sent
    found = letters(stack)
    assert sorted(found) == sorted([unknown["id"], detail_record["id"]])
    failed = found[detail_record["id"]]
    assert failed.reason is None
    assert failed.receive_count >= 5
    assert stored_version(stack, "written-questions:1679416") is None
    assert stack.collect_deliveries() == []

    # WHEN the fix is deployed and that one record is redriven by its id
    broken_processor(False)
    assert redrive(
        stack.sqs, stack.output("DeadLetterQueueUrl"), stack.output("RawRecordsQueueUrl"), [failed.message_id]
    ) == [failed.message_id]
    stack.drain()

    # THEN it is stored and its department notified, once; the poison record, not named, stayed where it was
    assert stored_version(stack, "written-questions:1679416") == 1
    assert [d.message["item"]["id"] for d in stack.collect_deliveries()] == ["written-questions:1679416"]
    assert sorted(letters(stack)) == [unknown["id"]]

    # WHEN it is redriven again by mistake (the copy was sent but the delete was lost, say)
    enqueue([detail_record])
    stack.drain()

    # THEN nothing more happens: the processor writes only new or changed versions
    assert stored_version(stack, "written-questions:1679416") == 1
    assert stack.collect_deliveries() == []


def test_redriving_an_id_that_is_not_on_the_queue_is_an_operation_error(stack, enqueue, detail_record):
    # GIVEN one poison record on the dead-letter queue
    unknown, _ = poison(detail_record)
    enqueue([unknown])
    stack.drain()

    # WHEN an id that is not there is redriven, THEN an OperationError names it
    with pytest.raises(OperationError, match=r"not on the dead-letter queue \(nothing was moved\): no-such-id"):
        redrive(stack.sqs, stack.output("DeadLetterQueueUrl"), stack.output("RawRecordsQueueUrl"), ["no-such-id"])
    # AND the dead-letter queue is as it was
    assert sorted(letters(stack)) == [unknown["id"]]
    assert depth(stack, "RawRecordsQueueUrl") == (0, 0)


def test_redriving_a_known_and_an_unknown_id_moves_nothing(stack, enqueue, detail_record):
    # GIVEN one poison record on the dead-letter queue
    unknown, _ = poison(detail_record)
    enqueue([unknown])
    stack.drain()
    [letter] = letters(stack).values()

    # WHEN its id and a mistyped one are redriven together
    with pytest.raises(OperationError, match="no-such-id"):
        redrive(
            stack.sqs,
            stack.output("DeadLetterQueueUrl"),
            stack.output("RawRecordsQueueUrl"),
            [letter.message_id, "no-such-id"],
        )

    # THEN the command failed as a whole: nothing was moved
    assert sorted(letters(stack)) == [unknown["id"]]
    assert depth(stack, "RawRecordsQueueUrl") == (0, 0)


# --- `deptwatch dlq` against a stack known to CloudFormation -------------------------------------------------------


@pytest.fixture
def deployed(stack) -> str:
    """A CloudFormation stack named like the local one, whose Outputs name the local queues (as a deployment's do)."""
    return deploy_outputs(stack, list(QUEUE_OUTPUTS))


def test_dlq_list_show_and_redrive_work_on_a_stack_found_through_cloudformation(
    stack, enqueue, detail_record, deptwatch, deployed
):
    # GIVEN two poison records on the dead-letter queue of a deployed stack
    unknown, invalid = poison(detail_record)
    enqueue([unknown, invalid])
    stack.drain()

    # WHEN `deptwatch dlq list --stack NAME` runs
    code, out, err = deptwatch("dlq", "list", "--stack", deployed)

    # THEN it prints one JSON line per message, with the reason, source and origin, and leaves them on the queue
    assert code == 0, err
    listed = [json.loads(line) for line in out.splitlines()]
    assert len(listed) == 2
    assert {line["reason"] for line in listed} >= {UNKNOWN_REASON}
    assert all(line["source"] == "written-questions" and line["origin"] == "tests/fixtures" for line in listed)
    assert all(set(line) == {"message_id", "source", "reason", "origin", "receive_count"} for line in listed)
    assert depth(stack, "DeadLetterQueueUrl") == (2, 0)

    # WHEN one is shown by its id
    [first] = [line for line in listed if line["reason"] == UNKNOWN_REASON]
    code, out, err = deptwatch("dlq", "show", first["message_id"], "--stack", deployed)

    # THEN the same summary comes with the message body: the raw record as queued
    assert code == 0, err
    shown = json.loads(out)
    assert shown["message_id"] == first["message_id"] and shown["reason"] == UNKNOWN_REASON
    assert record_id(shown["body"]) == unknown["id"]

    # WHEN an id that is not there is shown, THEN exit status 1 and the reason on stderr
    code, out, err = deptwatch("dlq", "show", "no-such-id", "--stack", deployed)
    assert (code, out) == (1, "")
    assert err == "deptwatch: no-such-id is not on the dead-letter queue\n"

    # WHEN that one is redriven by id
    code, out, err = deptwatch("dlq", "redrive", first["message_id"], "--stack", deployed)

    # THEN it is back on the records queue and the other one stays
    assert (code, out) == (0, "1 message(s) sent back to the records queue\n"), err
    assert depth(stack, "RawRecordsQueueUrl") == (1, 0)
    _, out, _ = deptwatch("dlq", "list", "--stack", deployed)
    assert [json.loads(line)["message_id"] for line in out.splitlines()] == [
        line["message_id"] for line in listed if line is not first
    ]

    # WHEN the rest is redriven (all: no id given)
    code, out, err = deptwatch("dlq", "redrive", "--stack", deployed)
    assert (code, out) == (0, "1 message(s) sent back to the records queue\n"), err
    assert depth(stack, "DeadLetterQueueUrl") == (0, 0)
    assert depth(stack, "RawRecordsQueueUrl") == (2, 0)


@pytest.fixture
def notifier_gave_up(stack, enqueue, detail_record, monkeypatch) -> dict[str, Any]:
    """A stream batch the notifier gave up on, for real: deployed with a wrong topic prefix (as if its department's
    topic were missing), it fails on a new item until the stream mapping reports the batch on its failure queue."""
    environment = stack.functions["NotifierFunction"].environment
    monkeypatch.setitem(environment, "TOPIC_ARN_PREFIX", environment["TOPIC_ARN_PREFIX"] + "missing-")
    reset_container_caches()
    # One retry instead of the template's ten: what is tested is the record of the give-up, not the count.
    for mapping in stack.stream_mappings:
        monkeypatch.setattr(mapping, "max_retries", 1)
    enqueue([detail_record])
    stack.drain()
    assert stored_version(stack, "written-questions:1679416") == 1
    assert stack.collect_deliveries() == []
    [raw] = stack.dead_letters("NotifierFailureQueueUrl")
    batch_info: dict[str, Any] = json.loads(raw["Body"])
    assert batch_info["DDBStreamBatchInfo"]["batchSize"] == 1
    return batch_info


def test_the_notifier_queue_is_listed_but_never_redriven(stack, deptwatch, deployed, notifier_gave_up):
    # GIVEN a stream batch the notifier gave up on, on its failure queue
    # WHEN it is listed and shown
    code, out, err = deptwatch("dlq", "list", "--queue", "notifier", "--stack", deployed)
    assert code == 0, err
    [listed] = [json.loads(line) for line in out.splitlines()]
    code, out, err = deptwatch("dlq", "show", listed["message_id"], "--queue", "notifier", "--stack", deployed)

    # THEN `show` gives the batch: stream and sequence numbers
    assert code == 0, err
    assert json.loads(json.loads(out)["body"]) == notifier_gave_up

    # WHEN a redrive of the notifier queue is asked for, THEN it is refused (exit 2), and the message stays
    code, out, err = deptwatch("dlq", "redrive", "--queue", "notifier", "--stack", deployed)
    assert code == 2
    assert out == "" and "only the records queue can be redriven" in err
    assert depth(stack, "NotifierFailureQueueUrl") == (1, 0)
    assert depth(stack, "RawRecordsQueueUrl") == (0, 0)


def test_dlq_list_names_the_stream_batch_of_a_notifier_failure(stack, deptwatch, deployed, notifier_gave_up):
    # GIVEN a stream batch the notifier gave up on
    info = notifier_gave_up["DDBStreamBatchInfo"]

    # WHEN the notifier queue is listed
    code, out, err = deptwatch("dlq", "list", "--queue", "notifier", "--stack", deployed)

    # THEN the line names the stream batch: the stream, its first and last sequence numbers
    assert code == 0, err
    assert info["streamArn"] in out
    assert info["startSequenceNumber"] in out and info["endSequenceNumber"] in out


def test_dlq_on_a_stack_that_does_not_exist_is_a_clear_error(stack, deptwatch):
    # GIVEN no CloudFormation stack of that name, WHEN listing its dead letters
    code, out, err = deptwatch("dlq", "list", "--stack", "nonesuch")

    # THEN exit status 2 and one line naming the stack
    assert (code, out) == (2, "")
    assert err.startswith("deptwatch: cannot read stack 'nonesuch': ")
    assert len(err.splitlines()) == 1


def test_dlq_show_without_an_id_is_refused(stack, deptwatch, deployed):
    # GIVEN a deployed stack, WHEN `deptwatch dlq show` is run without an id
    code, out, err = deptwatch("dlq", "show", "--stack", deployed)

    # THEN it says an id is needed, with a non-zero exit status
    assert code != 0
    assert out == "" and err.strip()
