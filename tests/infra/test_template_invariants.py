"""Invariants of template.yaml, checked on its SAM translation (where Globals are merged and SAM's resources exist).

Every queue consumer has a dead-letter queue and enough visibility timeout, every consumer reports partial batch
failures, the stream consumer gives up into a destination, everything is encrypted, and each function gets exactly the
settings it reads. IAM, resource policies and alarms are checked in test_security.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from shared.settings import DigesterSettings, FetcherSettings, NotifierSettings, ProcessorSettings, ReadApiSettings
from tests.infra.helpers import as_list, get_att_target, resources_of_type, statements

ROOT = Path(__file__).resolve().parents[2]

POWERTOOLS = {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"}
EXPECTED_ENVIRONMENT = {
    "FetcherFunction": POWERTOOLS
    | {"RAW_RECORDS_QUEUE_URL", "STATE_TABLE_NAME", "DEPARTMENTS", "SOURCES", "UPSTREAM_REQUESTS_PER_SECOND"}
    | {
        "POLL_QUEUE_URL",
        "FIRST_POLL_DELIVERY",
        "CATCH_UP_AFTER_HOURS",
        "CATCH_UP_DELIVERY",
        "DETAIL_RECHECK_BUDGET",
        "DETAIL_RECHECK_MINUTES",
    }
    | {"SWEEP_HOUR", "SWEEP_DAYS"},
    "ProcessorFunction": POWERTOOLS | {"ITEMS_TABLE_NAME", "DEAD_LETTER_QUEUE_URL"},
    "DigesterFunction": POWERTOOLS | {"STATE_TABLE_NAME", "ITEMS_TABLE_NAME", "TOPIC_ARN_PREFIX"},
    "NotifierFunction": POWERTOOLS | {"STATE_TABLE_NAME", "TOPIC_ARN_PREFIX", "FAILURE_QUEUE_URL", "READ_TABLE_NAME"},
    "ApiFunction": POWERTOOLS | {"READ_TABLE_NAME", "STATE_TABLE_NAME"},
}
SETTINGS_MODELS: dict[str, type[BaseModel]] = {
    "FetcherFunction": FetcherSettings,
    "ProcessorFunction": ProcessorSettings,
    "NotifierFunction": NotifierSettings,
    "DigesterFunction": DigesterSettings,
    "ApiFunction": ReadApiSettings,
}
LAMBDA_DEFAULT_TIMEOUT = 3


def _mappings(translation: dict[str, Any], source_type: str) -> dict[str, tuple[dict[str, Any], str]]:
    """Event source mappings whose source is a resource of `source_type`: {mapping id: (properties, source id)}."""
    sources = resources_of_type(translation, source_type)
    found = {}
    for logical_id, mapping in resources_of_type(translation, "AWS::Lambda::EventSourceMapping").items():
        target = get_att_target(mapping["Properties"].get("EventSourceArn"))
        if target and target[0] in sources:
            found[logical_id] = (mapping["Properties"], target[0])
    return found


def _function_of(translation: dict[str, Any], mapping: dict[str, Any]) -> dict[str, Any]:
    return translation["Resources"][mapping["FunctionName"]["Ref"]]


def test_the_template_has_queue_and_stream_consumers(translation: dict[str, Any]) -> None:
    # GIVEN the translation / WHEN its event source mappings are grouped by source
    # THEN there is at least one of each kind, so the invariants below are not vacuously true
    assert _mappings(translation, "AWS::SQS::Queue")
    assert _mappings(translation, "AWS::DynamoDB::Table")


def test_every_consumed_queue_has_a_dead_letter_queue(translation: dict[str, Any]) -> None:
    # GIVEN every queue some function consumes
    for _, queue_id in _mappings(translation, "AWS::SQS::Queue").values():
        # WHEN its redrive policy is read
        redrive = translation["Resources"][queue_id]["Properties"].get("RedrivePolicy")
        # THEN it sends poison messages to an existing queue after a bounded number of receives
        assert redrive, f"{queue_id} has no RedrivePolicy"
        target = get_att_target(redrive["deadLetterTargetArn"])
        assert target and target[1] == "Arn", f"{queue_id}: dead-letter target must be !GetAtt <Queue>.Arn"
        assert translation["Resources"][target[0]]["Type"] == "AWS::SQS::Queue"
        assert 1 <= int(redrive["maxReceiveCount"]) <= 10


def test_every_event_source_reports_partial_batch_failures(translation: dict[str, Any]) -> None:
    # GIVEN every event source mapping (SQS, DynamoDB streams, anything added later)
    mappings = resources_of_type(translation, "AWS::Lambda::EventSourceMapping")
    # WHEN its response types are read / THEN the function reports failed items instead of failing the batch
    for logical_id, mapping in mappings.items():
        assert mapping["Properties"].get("FunctionResponseTypes") == ["ReportBatchItemFailures"], logical_id


def test_the_stream_consumer_bisects_and_gives_up_into_a_destination(translation: dict[str, Any]) -> None:
    # GIVEN every stream event source mapping
    for logical_id, (mapping, _) in _mappings(translation, "AWS::DynamoDB::Table").items():
        # WHEN its error handling is read
        on_failure = mapping.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        # THEN a poison record is isolated, retried a bounded number of times, then recorded in a destination
        assert mapping.get("BisectBatchOnFunctionError") is True, logical_id
        assert on_failure, f"{logical_id} has no OnFailure destination"
        assert 0 <= mapping.get("MaximumRetryAttempts", -1) <= 10_000, f"{logical_id} retries forever"
        assert mapping.get("MaximumRecordAgeInSeconds", -1) > 0, f"{logical_id} keeps records forever"


def test_queue_visibility_is_at_least_six_times_the_consumer_timeout(translation: dict[str, Any]) -> None:
    # GIVEN every queue and the function consuming it
    for logical_id, (mapping, queue_id) in _mappings(translation, "AWS::SQS::Queue").items():
        timeout = _function_of(translation, mapping)["Properties"].get("Timeout", LAMBDA_DEFAULT_TIMEOUT)
        # WHEN the queue's visibility timeout is compared with the function's timeout
        visibility = translation["Resources"][queue_id]["Properties"].get("VisibilityTimeout", 30)
        # THEN a message cannot reappear while a (retried) invocation still works on it
        assert int(visibility) >= 6 * int(timeout), f"{logical_id}: {queue_id} {visibility}s < 6 x {timeout}s"


def test_each_function_gets_exactly_its_settings(translation: dict[str, Any]) -> None:
    # GIVEN every function of the translation (Globals merged)
    functions = resources_of_type(translation, "AWS::Lambda::Function")
    assert set(functions) == set(EXPECTED_ENVIRONMENT), "a new function needs its expected environment listed here"
    for logical_id, function in functions.items():
        # WHEN its environment is read
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        # THEN it is exactly the list of names the function's code reads
        assert set(variables) == EXPECTED_ENVIRONMENT[logical_id], logical_id


@pytest.mark.parametrize("logical_id", sorted(SETTINGS_MODELS))
def test_every_required_setting_is_set_and_every_set_variable_is_read(
    translation: dict[str, Any], logical_id: str
) -> None:
    # GIVEN a function's settings model (shared/settings.py) and its environment in the template
    model = SETTINGS_MODELS[logical_id]
    variables = set(translation["Resources"][logical_id]["Properties"]["Environment"]["Variables"]) - POWERTOOLS
    # WHEN they are compared
    required = {name for name, field in model.model_fields.items() if field.is_required()}
    # THEN the template sets every setting without a default, and sets nothing the model does not read
    assert required <= variables, f"{logical_id} lacks {sorted(required - variables)}"
    unread = variables - set(model.model_fields)
    assert not unread, f"{logical_id} sets {sorted(unread)}, which its settings model does not read"


def test_polls_of_one_host_never_overlap_and_hosts_run_in_parallel(translation: dict[str, Any]) -> None:
    # GIVEN the fetcher's poll queue mapping / WHEN its queue, batch and concurrency are read
    # (deliberate change, issue #12: reserved concurrency 1 made one slow source starve the others; the FIFO group per
    # host now keeps a host's polls apart)
    [mapping] = [m for m, queue_id in _mappings(translation, "AWS::SQS::Queue").values() if queue_id == "PollQueue"]
    queue = translation["Resources"]["PollQueue"]["Properties"]
    # THEN a FIFO queue, one poll per invocation, a bounded number of hosts at once, on the PollSchedule
    assert queue["FifoQueue"] is True
    assert mapping["BatchSize"] == 1
    assert mapping["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "PollConcurrency"}
    assert "ReservedConcurrentExecutions" not in translation["Resources"]["FetcherFunction"]["Properties"]
    rules = resources_of_type(translation, "AWS::Events::Rule")
    assert [rule["Properties"]["ScheduleExpression"] for rule in rules.values()] == [{"Ref": "PollSchedule"}]


def test_functions_run_python_312_on_arm_with_the_shared_layer(translation: dict[str, Any]) -> None:
    # GIVEN every function and the layer / WHEN their runtime settings are read
    layers = resources_of_type(translation, "AWS::Lambda::LayerVersion")
    assert len(layers) == 1
    ((layer_id, layer),) = layers.items()
    # THEN all agree: python3.12 on arm64, and every function imports `shared` from the one layer
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    for logical_id, function in resources_of_type(translation, "AWS::Lambda::Function").items():
        properties = function["Properties"]
        assert properties["Runtime"] == "python3.12", logical_id
        assert properties["Architectures"] == ["arm64"], logical_id
        assert properties["Layers"] == [{"Ref": layer_id}], logical_id
        assert properties["Handler"] == f"functions.{logical_id.removesuffix('Function').lower()}.app.lambda_handler"


def test_sam_build_keeps_the_repo_import_paths(template: dict[str, Any]) -> None:
    # GIVEN the SAM template's layer and functions (build metadata is not part of the translation)
    layer = template["Resources"]["SharedLayer"]
    functions = resources_of_type(template, "AWS::Serverless::Function")
    # WHEN their build metadata is read
    # THEN the layer is built from shared/ by infra/layer/Makefile (tests/infra/test_layer_build.py), for the
    # functions' runtime and architecture, and each function's folder is packaged under its parent packages
    # (functions/<name>/), so Lambda imports what the repo imports
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert layer["Properties"]["ContentUri"].rstrip("/") == "shared"
    makefile = (ROOT / layer["Metadata"]["ContextPath"] / "Makefile").read_text(encoding="utf-8")
    assert "\nbuild-SharedLayer:" in makefile
    defaults = dict(re.findall(r"^(\w+) \?= (\S+)$", makefile, re.MULTILINE))
    runtime = template["Globals"]["Function"]["Runtime"]
    assert f"python{defaults['LAYER_PYTHON_VERSION']}" == runtime
    assert layer["Properties"]["CompatibleRuntimes"] == [runtime]
    architectures = template["Globals"]["Function"]["Architectures"]
    assert [layer["Metadata"]["BuildArchitecture"]] == layer["Properties"]["CompatibleArchitectures"] == architectures
    assert {"arm64": "aarch64", "x86_64": "x86_64"}[architectures[0]] == defaults["LAYER_MACHINE"]
    for logical_id, function in functions.items():
        assert function["Metadata"]["BuildProperties"] == {"ParentPackageMode": "auto"}, logical_id
        name = function["Properties"]["CodeUri"].rstrip("/").removeprefix("functions/")
        assert function["Properties"]["Handler"] == f"functions.{name}.app.lambda_handler", logical_id


def test_the_processor_dead_letters_into_its_queues_redrive_target(translation: dict[str, Any]) -> None:
    # GIVEN the processor's consumed queue and the dead-letter queue it writes poison records to
    resources = translation["Resources"]
    ((mapping, queue_id),) = [
        (m, queue) for m, queue in _mappings(translation, "AWS::SQS::Queue").values() if queue != "PollQueue"
    ]
    redrive_target = get_att_target(resources[queue_id]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
    # WHEN compared / THEN they are the same queue: one place to look for records that could not be processed
    variables = _function_of(translation, mapping)["Properties"]["Environment"]["Variables"]
    assert redrive_target is not None
    assert variables["DEAD_LETTER_QUEUE_URL"] == {"Ref": redrive_target[0]}


def test_the_notifier_may_publish_to_exactly_the_topics_its_prefix_names(translation: dict[str, Any]) -> None:
    # GIVEN the notifier's TOPIC_ARN_PREFIX, its sns:Publish grant, the TopicArnPrefix output and the topic names
    notifier = translation["Resources"]["NotifierFunction"]["Properties"]
    prefix = notifier["Environment"]["Variables"]["TOPIC_ARN_PREFIX"]["Fn::Sub"]
    role = translation["Resources"][notifier["Role"]["Fn::GetAtt"][0]]
    granted = [s for p in role["Properties"]["Policies"] for s in statements(p["PolicyDocument"])]
    publish = [s["Resource"] for s in granted if "sns:Publish" in as_list(s["Action"])]
    topics = resources_of_type(translation, "AWS::SNS::Topic")
    departments = {
        logical_id
        for logical_id, topic in topics.items()
        if any(tag["Key"] == "department" for tag in topic["Properties"].get("Tags", []))
    }
    # WHEN compared / THEN they describe the same ARNs: "<prefix><slug>", granted as "<prefix>*"
    assert prefix.endswith(":${AWS::StackName}-")
    assert publish == [{"Fn::Sub": prefix + "*"}]
    assert translation["Outputs"]["TopicArnPrefix"]["Value"] == {"Fn::Sub": prefix}
    assert departments
    name_prefix = "${AWS::StackName}-"
    for logical_id, topic in topics.items():
        # AND every other topic (the alarm topic) is named so that the notifier's "<prefix>*" cannot reach it
        name = topic["Properties"]["TopicName"]["Fn::Sub"]
        assert name.startswith(name_prefix) == (logical_id in departments), (logical_id, name)
