"""A processor older than `detail_missing` (deptwatch.raw/1 before the field: during a CloudFormation update, or after
a rollback, it can meet a flagged message, since fetcher and processor update as separate functions) refuses the
flagged message as poison. The operator's story is then the one every poison record has: it waits on the records
dead-letter queue, which the records dead-letter alarm watches, and once the processor that reads it runs again
`deptwatch dlq redrive` brings it through, stored and notified once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import create_model

from infra.cfn_template import load_template
from infra.codegen.template_check import TEMPLATE
from infra.local.replay.written_questions import RecordedQuestions
from shared.domain.raw_record import RawRecordMessage
from shared.pipeline import processing
from tests.helpers import queue_raw
from tests.integration.deployed import deploy_outputs
from tests.integration.test_shortened_by_list import full_question

OLDER_CONTRACT = create_model(  # raw/1 as it was before the field: the same model, without it
    "OlderRawRecordMessage",
    __config__=RawRecordMessage.model_config,
    **{
        name: (field.annotation, field)
        for name, field in RawRecordMessage.model_fields.items()
        if name != "detail_missing"
    },  # type: ignore[call-overload]
)


def test_a_flagged_message_an_older_processor_refused_is_alarmed_and_redriven(
    stack, deptwatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an older processor, and a flagged message from the new fetcher
    monkeypatch.setattr(processing, "RawRecordMessage", OLDER_CONTRACT)
    flagged = RawRecordMessage(
        source="written-questions",
        record=RecordedQuestions.as_listed(full_question()),
        fetched_at=datetime.now(UTC),
        detail_missing=True,
    )
    queue_raw(stack, [flagged])
    stack.drain()

    # THEN it is dead-lettered with its reason, on the queue the records dead-letter alarm watches
    [letter] = stack.dead_letters()
    reason = letter["MessageAttributes"]["reason"]["StringValue"]
    assert "detail_missing" in reason and "Extra inputs are not permitted" in reason
    resources = load_template(TEMPLATE)["Resources"]
    processor_env = resources["ProcessorFunction"]["Properties"]["Environment"]["Variables"]
    assert processor_env["DEAD_LETTER_QUEUE_URL"] == {"Ref": "RawRecordsDeadLetterQueue"}
    assert resources["RecordsDeadLettersAlarm"]["Properties"]["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["RawRecordsDeadLetterQueue", "QueueName"]}}
    ]
    assert stack.collect_deliveries() == []

    # WHEN the processor that reads the field runs again and the operator redrives the queue
    monkeypatch.undo()
    deployed = deploy_outputs(stack, ["DeadLetterQueueUrl", "RawRecordsQueueUrl", "NotifierFailureQueueUrl"])
    code, _, err = deptwatch("dlq", "redrive", "--stack", deployed)
    assert code == 0, err
    stack.drain()

    # THEN the record is stored and told once, saying its texts are the list's shortened form
    assert stack.dead_letters() == []
    [delivery] = stack.collect_deliveries()
    assert delivery.message["item"]["details"]["shortened_by_list"] == "summary, body"
