"""Security and operations invariants of template.yaml, checked on its SAM translation.

Nobody in: every function has a role of its own that allows only what it uses, on only its own resources; no policy
anywhere has a wildcard action; "*" resources only for the actions IAM cannot scope; everything at rest is encrypted;
the department topics accept publishing only from the notifier's role and only over TLS.
Nothing unnoticed: every dead-letter queue has an alarm, every alarm watches a metric that exists (the custom ones are
looked up in the code, so renaming a metric fails here), says what to do, and notifies the alarm topic only when there
is one.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from cfnlint.data import AdditionalSpecs
from cfnlint.helpers import load_resource

from infra.codegen.template_topics import NOTIFIER_ROLE_ID, TOPIC_POLICY_ID, topic_logical_id
from shared.domain.departments import DEPARTMENTS
from tests.infra.helpers import as_list, get_att_target, references, resources_of_type, statements

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRECTORIES = (ROOT / "functions", ROOT / "shared")
README = ROOT / "README.md"

UNSCOPABLE_ACTIONS = {
    # Lambda's stream poller lists the table's streams; IAM defines no resource type for ListStreams, so it can only
    # be granted on "*" (test_the_unscopable_actions_really_cannot_be_scoped checks this against IAM's own data).
    "dynamodb:ListStreams": "NotifierRole",
}
"""The only actions an identity policy may allow on Resource "*", and the one role that may have each."""

UNENCRYPTED_BY_DESIGN: dict[str, str] = {
    "AlarmTopic": "alarm names, states and metric values only; CloudWatch cannot use alias/aws/sns and a customer "
    "managed key costs $1 a month (issue #17)",
}
"""Queues, topics or tables allowed to be unencrypted at rest: logical id -> why."""

STACK_NAME_PREFIX = ":${AWS::StackName}-*"
"""The one wildcard an ARN pattern may have: names that start with this stack's name (the department topics) ..."""
WATCH_TOPICS_PREFIX = ":${AWS::StackName}-watch-*"
"""... or with its watch topics' prefix (the digester publishes to those only)."""
SCHEDULE_ROLES = {"DigesterScheduleRole": "DigesterFunction"}
"""Roles EventBridge Scheduler assumes, and the one function each may invoke."""

EVENT_SOURCE_ACTIONS = {
    "AWS::SQS::Queue": {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
    "AWS::DynamoDB::Table": {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"},
}
"""What Lambda's pollers do with the function's role (AWSLambdaSQSQueueExecutionRole, AWSLambdaDynamoDBExecutionRole),
minus the logs actions and ListStreams."""
LOG_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents"}
AUTHORISED_AS = {
    "dynamodb:GetItem": ("ReturnValuesOnConditionCheckFailure",),  # returning the item is a read of it
    "dynamodb:PutItem": (".transact_write_items(",),  # a transaction is authorised as the writes it contains
}
"""Actions that code uses without calling their own method."""

ALARM_CONDITION = "HasAlarmEmail"
ALARM_TOPIC = "AlarmTopic"
CONDITIONAL_ALARM_RESOURCES = {"AlarmTopic", "AlarmEmailSubscription"}
ALARM_ACTION_PROPERTIES = ("AlarmActions", "OKActions", "InsufficientDataActions")
CUSTOM_NAMESPACE = "Deptwatch"
SERVICE_DIMENSION = {"Name": "service", "Value": "deptwatch"}
DOCUMENTED_METRICS = ("OldestSuccessAgeSeconds",)
"""The metrics README.md ("Operating deptwatch") explains."""
SNS_POLICY_LIMIT = 30 * 1024  # bytes, SNS's limit on a topic's access policy


# --- reading policies ------------------------------------------------------------------------------------------------


def _identity_statements(translation: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(owner, statement) of every identity policy: roles' inline policies, AWS::IAM::Policy and ManagedPolicy."""
    found = []
    for logical_id, role in resources_of_type(translation, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            found += [(logical_id, statement) for statement in statements(policy["PolicyDocument"])]
    for resource_type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for logical_id, policy in resources_of_type(translation, resource_type).items():
            found += [(logical_id, statement) for statement in statements(policy["Properties"]["PolicyDocument"])]
    return found


_RESOURCE_POLICIES = {
    "AWS::SNS::TopicPolicy": "PolicyDocument",
    "AWS::SQS::QueuePolicy": "PolicyDocument",
    "AWS::KMS::Key": "KeyPolicy",
    "AWS::IAM::Role": "AssumeRolePolicyDocument",
}


def _resource_statements(translation: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(owner, statement) of every resource-based policy: topic, queue and key policies, and role trust policies."""
    found = []
    for resource_type, key in _RESOURCE_POLICIES.items():
        for logical_id, resource in resources_of_type(translation, resource_type).items():
            found += [(logical_id, statement) for statement in statements(resource["Properties"][key])]
    return found


def _role_statements(translation: dict[str, Any], role_id: str) -> list[dict[str, Any]]:
    role = translation["Resources"][role_id]["Properties"]
    return [statement for policy in role.get("Policies", []) for statement in statements(policy["PolicyDocument"])]


def _grants(statement: dict[str, Any]) -> set[str]:
    return set(as_list(statement.get("Action", []))) if statement.get("Effect") == "Allow" else set()


def _resource_pattern(resource: Any) -> str | None:
    """The ARN pattern of a Resource entry as text (plain string or Fn::Sub); None for a Ref/GetAtt of our own."""
    if isinstance(resource, str):
        return resource
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        sub = resource["Fn::Sub"]
        return sub if isinstance(sub, str) else sub[0]
    return None


def _role_of(function: dict[str, Any]) -> str:
    target = get_att_target(function["Properties"].get("Role"))
    assert target is not None and target[1] == "Arn", "a function's Role must be !GetAtt <Role>.Arn"
    return target[0]


@cache
def _iam_reference() -> dict[str, Any]:
    """IAM's actions and their resource types, as cfn-lint ships them (from the Service Authorization Reference)."""
    return load_resource(AdditionalSpecs, "Policies.json")  # type: ignore[no-any-return]


@cache
def _code() -> str:
    """All of the functions' and shared package's source, for looking up what the code calls and emits."""
    return "\n".join(path.read_text(encoding="utf-8") for d in CODE_DIRECTORIES for path in sorted(d.rglob("*.py")))


def _emits(code: str, metric: str) -> bool:
    """Whether the code emits `metric` by that literal name (Metrics.add_metric or single_metric)."""
    call = r"(add_metric\(\s*name=|single_metric\(\s*name=)"
    return re.search(call + f'"{re.escape(metric)}"', code) is not None


def _snake(action: str) -> str:
    """ "dynamodb:BatchWriteItem" -> "batch_write_item", the boto3 method that needs the action."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", action.split(":", 1)[1]).lower()


# --- IAM ---------------------------------------------------------------------------------------------------------


def test_no_policy_anywhere_has_a_wildcard_action(translation: dict[str, Any]) -> None:
    # GIVEN every statement of every policy, identity and resource-based (roles, trust, topic and key policies)
    found = _identity_statements(translation) + _resource_statements(translation)
    assert len({owner for owner, _ in found}) >= 5
    for owner, statement in found:
        # WHEN its actions are read
        actions = as_list(statement.get("Action", []))
        # THEN each names one action: no "*", no "service:*", no "service:Get*", no NotAction
        assert "NotAction" not in statement, f"{owner}: {statement}"
        assert actions, f"{owner}: {statement}"
        for action in actions:
            assert isinstance(action, str) and "*" not in action and ":" in action, f"{owner}: {action}"


def test_no_identity_policy_allows_every_resource_except_the_unscopable_actions(translation: dict[str, Any]) -> None:
    # GIVEN every identity policy statement (the functions' roles, and any policy SAM would generate)
    found = _identity_statements(translation)
    assert found
    for owner, statement in found:
        assert statement.get("Effect") in ("Allow", "Deny"), owner
        assert "NotResource" not in statement, f"{owner}: {statement}"
        # WHEN its resources are read
        patterns = [_resource_pattern(resource) for resource in as_list(statement.get("Resource", []))]
        wildcards = [p for p in patterns if p is not None and "*" in p]
        # THEN no pattern reaches beyond this stack's own names ("...:<stack>-*", the department topics) ...
        unscoped = [p for p in wildcards if not p.endswith((STACK_NAME_PREFIX, WATCH_TOPICS_PREFIX))]
        # ... and none is "*" or every resource of a kind, except for an action IAM cannot scope, in its one role
        if unscoped:
            actions = as_list(statement["Action"])
            assert unscoped == ["*"], f"{owner}: {statement}"
            assert all(UNSCOPABLE_ACTIONS.get(action) == owner for action in actions), f"{owner}: {statement}"


def test_the_unscopable_actions_really_cannot_be_scoped() -> None:
    # GIVEN the actions this template grants on "*" / WHEN IAM's reference is asked for their resource types
    reference = _iam_reference()
    for action in UNSCOPABLE_ACTIONS:
        service, name = action.lower().split(":", 1)
        # THEN IAM defines none: the action exists and can only be granted on "*" (scope it once IAM allows it)
        assert reference[service]["Actions"][name].get("Resources", []) == [], action


def test_a_schedule_role_may_only_invoke_its_function(translation: dict[str, Any]) -> None:
    # GIVEN the roles EventBridge Scheduler assumes
    for logical_id, function in SCHEDULE_ROLES.items():
        role = translation["Resources"][logical_id]["Properties"]
        # WHEN its trust and policies are read / THEN only the scheduler of this account assumes it, and it may
        # invoke its one function and nothing else
        [trust] = statements(role["AssumeRolePolicyDocument"])
        assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}, logical_id
        assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
        assert not role.get("ManagedPolicyArns"), logical_id
        granted = [s for policy in role["Policies"] for s in statements(policy["PolicyDocument"])]
        assert [(s["Action"], s["Resource"]) for s in granted] == [
            ("lambda:InvokeFunction", {"Fn::GetAtt": [function, "Arn"]})
        ]


def test_every_function_has_a_role_of_its_own_and_sam_makes_none(translation: dict[str, Any]) -> None:
    # GIVEN the functions and the roles of the translation
    functions = resources_of_type(translation, "AWS::Lambda::Function")
    roles = resources_of_type(translation, "AWS::IAM::Role")
    # WHEN each function's role is read
    role_of = {logical_id: _role_of(function) for logical_id, function in functions.items()}
    # THEN each has its own "<Name>Role", assumable by Lambda only, with no managed policy (SAM's poller policies
    # grant on "*"), and there is no other role
    assert role_of == {logical_id: logical_id.removesuffix("Function") + "Role" for logical_id in functions}
    assert set(roles) == set(role_of.values()) | set(SCHEDULE_ROLES)
    for logical_id, role in roles.items():
        if logical_id in SCHEDULE_ROLES:
            continue
        assert not role["Properties"].get("ManagedPolicyArns"), logical_id
        trust = statements(role["Properties"]["AssumeRolePolicyDocument"])
        assert trust == [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ], logical_id


def test_each_function_writes_only_its_own_log_group_which_expires(translation: dict[str, Any]) -> None:
    # GIVEN every function, its log group and its role
    for logical_id, function in resources_of_type(translation, "AWS::Lambda::Function").items():
        log_group_ref = function["Properties"].get("LoggingConfig", {}).get("LogGroup")
        assert isinstance(log_group_ref, dict) and "Ref" in log_group_ref, f"{logical_id} has no LoggingConfig"
        log_group_id = log_group_ref["Ref"]
        log_group = translation["Resources"][log_group_id]
        granted = _role_statements(translation, _role_of(function))
        # WHEN the role's logs statements are read
        logs = [s for s in granted if any(action.startswith("logs:") for action in _grants(s))]
        # THEN it may create streams and put events in that one group, nothing else of CloudWatch Logs; and the
        # group keeps logs LogRetentionDays, named as Lambda would name it
        assert len(logs) == 1 and set(as_list(logs[0]["Action"])) == LOG_ACTIONS, (logical_id, logs)
        assert logs[0]["Resource"] == {"Fn::GetAtt": [log_group_id, "Arn"]}, logical_id
        assert log_group["Type"] == "AWS::Logs::LogGroup"
        assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        name = logical_id.removesuffix("Function").lower()
        assert log_group["Properties"]["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{AWS::StackName}}-{name}"}


def test_event_source_permissions_are_on_the_event_source_only(translation: dict[str, Any]) -> None:
    # GIVEN every event source mapping, its source, its OnFailure destination and its function's role
    mappings = resources_of_type(translation, "AWS::Lambda::EventSourceMapping")
    assert mappings
    for logical_id, mapping in mappings.items():
        properties = mapping["Properties"]
        source = get_att_target(properties["EventSourceArn"])
        assert source is not None, logical_id
        source_type = translation["Resources"][source[0]]["Type"]
        function = translation["Resources"][properties["FunctionName"]["Ref"]]
        granted = _role_statements(translation, _role_of(function))
        # WHEN the statements granting the poller's actions are read
        poller = [s for s in granted if _grants(s) & EVENT_SOURCE_ACTIONS[source_type]]
        # THEN one statement grants exactly them, on exactly this source (the queue's Arn, the table's StreamArn)
        assert len(poller) == 1, (logical_id, poller)
        assert set(as_list(poller[0]["Action"])) == EVENT_SOURCE_ACTIONS[source_type], logical_id
        assert poller[0]["Resource"] == properties["EventSourceArn"], logical_id
        # AND the function may send to its OnFailure destination (SAM grants that only to roles it makes)
        destination = properties.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        if destination is not None:
            assert any("sqs:SendMessage" in _grants(s) and s["Resource"] == destination for s in granted), (
                f"{logical_id}: the role may not send to its OnFailure destination"
            )


def test_every_granted_data_action_is_used(translation: dict[str, Any]) -> None:
    # GIVEN every DynamoDB, SQS and SNS action the roles allow, and the code of the functions and shared/
    code = _code()
    pollers = set().union(*EVENT_SOURCE_ACTIONS.values()) | set(UNSCOPABLE_ACTIONS)
    for owner, statement in _identity_statements(translation):
        for action in _grants(statement):
            if not action.startswith(("dynamodb:", "sqs:", "sns:")) or action in pollers:
                continue
            # WHEN its boto3 method is looked for (send_message_batch and publish_batch need the single action), or
            # the call that IAM authorises as this action
            method = _snake(action)
            used = re.search(rf"\.{method}(_batch)?\(", code) or any(
                implied in code for implied in AUTHORISED_AS.get(action, ())
            )
            # THEN some code calls it: a grant nobody uses is privilege nobody needs
            assert used, f"{owner} allows {action}, which no code calls"


# --- encryption ----------------------------------------------------------------------------------------------------


def test_every_queue_table_and_topic_is_encrypted_at_rest(translation: dict[str, Any]) -> None:
    # GIVEN every queue, table and topic, and the documented exceptions
    checks = {
        "AWS::SQS::Queue": lambda p: p.get("SqsManagedSseEnabled") is True or bool(p.get("KmsMasterKeyId")),
        "AWS::DynamoDB::Table": lambda p: p.get("SSESpecification", {}).get("SSEEnabled") is True,
        "AWS::SNS::Topic": lambda p: bool(p.get("KmsMasterKeyId")),
    }
    for resource_type, encrypted in checks.items():
        resources = resources_of_type(translation, resource_type)
        assert resources, resource_type
        for logical_id, resource in resources.items():
            # WHEN its encryption settings are read / THEN it is encrypted, or its exception says why not
            assert encrypted(resource["Properties"]) or UNENCRYPTED_BY_DESIGN.get(logical_id), logical_id


def test_the_alarm_topic_is_one_cloudwatch_can_publish_to(translation: dict[str, Any]) -> None:
    # GIVEN the topic the alarms notify / WHEN its encryption is read
    topic = translation["Resources"][ALARM_TOPIC]["Properties"]
    # THEN it has no AWS managed key (CloudWatch cannot use alias/aws/sns: every alarm e-mail would be dropped
    # silently) and, by decision (issue #17), no customer managed key ($1 a month for alarm names and states)
    assert "KmsMasterKeyId" not in topic
    assert not resources_of_type(translation, "AWS::KMS::Key")
    # AND the topics that carry subscriber and upstream data stay encrypted with alias/aws/sns
    for logical_id, resource in resources_of_type(translation, "AWS::SNS::Topic").items():
        if logical_id != ALARM_TOPIC:
            assert resource["Properties"]["KmsMasterKeyId"] == "alias/aws/sns", logical_id


# --- resource policies ---------------------------------------------------------------------------------------------


def _topic_policy(translation: dict[str, Any]) -> dict[str, Any]:
    return translation["Resources"][TOPIC_POLICY_ID]["Properties"]  # type: ignore[no-any-return]


def _department_topic_refs() -> list[dict[str, str]]:
    return [{"Ref": topic_logical_id(d.slug)} for d in sorted(DEPARTMENTS, key=lambda d: d.slug)]


def test_the_topic_policy_covers_every_department_topic(translation: dict[str, Any]) -> None:
    # GIVEN the department topics' policy / WHEN its topics and each statement's resources are read
    policy = _topic_policy(translation)
    # THEN it is attached to every department topic and each statement applies to all of them
    assert policy["Topics"] == _department_topic_refs()
    for statement in statements(policy["PolicyDocument"]):
        assert statement["Resource"] == _department_topic_refs(), statement.get("Sid")


def test_the_topics_refuse_publishing_without_tls(translation: dict[str, Any]) -> None:
    # GIVEN the department topics' policy / WHEN its Deny statements are read
    denials = [s for s in statements(_topic_policy(translation)["PolicyDocument"]) if s["Effect"] == "Deny"]
    # THEN publishing over plain HTTP is denied to everyone
    assert any(
        s["Principal"] == "*"
        and as_list(s["Action"]) == ["sns:Publish"]
        and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        for s in denials
    ), denials


def test_only_the_notifier_role_may_publish_to_the_topics(translation: dict[str, Any]) -> None:
    # GIVEN the department topics' policy and the notifier's role
    document = _topic_policy(translation)["PolicyDocument"]
    notifier_role = _role_of(translation["Resources"]["NotifierFunction"])
    assert notifier_role == NOTIFIER_ROLE_ID
    # WHEN its statements about publishing are read
    publishing = [s for s in statements(document) if "sns:Publish" in as_list(s["Action"])]
    # THEN publishing is denied to every principal but the notifier's role (a Deny: no identity policy in the
    # account can override it), and no statement allows it to anyone
    assert any(
        s["Effect"] == "Deny"
        and s["Principal"] == "*"
        and s.get("Condition") == {"ArnNotEquals": {"aws:PrincipalArn": {"Fn::GetAtt": [notifier_role, "Arn"]}}}
        for s in publishing
    ), publishing
    assert all(s["Effect"] == "Deny" for s in publishing), publishing


def test_the_account_still_manages_and_subscribes_to_the_topics(translation: dict[str, Any]) -> None:
    # GIVEN the department topics' policy, which replaces SNS's default one
    allowed = [s for s in statements(_topic_policy(translation)["PolicyDocument"]) if s["Effect"] == "Allow"]
    # WHEN its Allow statements are read / THEN this account (and only it) may subscribe and manage the topics
    account = {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
    assert [s["Principal"] for s in allowed] == [account]
    assert {"sns:Subscribe", "sns:GetTopicAttributes", "sns:SetTopicAttributes"} <= _grants(allowed[0])


def test_no_resource_policy_allows_everyone(translation: dict[str, Any]) -> None:
    # GIVEN every resource-based policy statement / WHEN its principal is read / THEN no Allow is for "*"
    for owner, statement in _resource_statements(translation):
        if statement["Effect"] == "Allow":
            principal = statement.get("Principal")
            assert principal != "*" and principal != {"AWS": "*"}, f"{owner}: {statement}"
            assert "NotPrincipal" not in statement, f"{owner}: {statement}"


def test_the_topic_policy_stays_within_the_sns_size_limit(translation: dict[str, Any]) -> None:
    # GIVEN the topic policy as SNS receives it, with each topic ARN under a long (40 character) stack name
    document = _topic_policy(translation)["PolicyDocument"]
    arn = "arn:aws:sns:eu-west-2:123456789012:" + "s" * 40 + "-{slug}"
    slugs = {topic_logical_id(d.slug): d.slug for d in DEPARTMENTS}

    def resolved(value: Any) -> Any:
        if isinstance(value, list):
            return [resolved(v) for v in value]
        if isinstance(value, dict):
            if set(value) == {"Ref"} and value["Ref"] in slugs:
                return arn.format(slug=slugs[value["Ref"]])
            if set(value) in ({"Fn::GetAtt"}, {"Fn::Sub"}):
                return "arn:aws:iam::123456789012:role/" + "r" * 64
            return {k: resolved(v) for k, v in value.items()}
        return value

    # WHEN it is serialised / THEN it fits SNS's 30 KiB (when it no longer does: grant on the "<stack>-*" pattern)
    assert len(json.dumps(resolved(document), separators=(",", ":"))) < SNS_POLICY_LIMIT


# --- alarms --------------------------------------------------------------------------------------------------------


def _alarms(translation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    alarms = resources_of_type(translation, "AWS::CloudWatch::Alarm")
    assert alarms
    return {logical_id: alarm["Properties"] for logical_id, alarm in alarms.items()}


def _metric_stats(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """Every metric an alarm reads: {"Namespace", "MetricName", "Dimensions"}, for plain and metric-math alarms."""
    if "MetricName" in alarm:
        return [{k: alarm.get(k, []) for k in ("Namespace", "MetricName", "Dimensions")}]
    return [query["MetricStat"]["Metric"] for query in alarm.get("Metrics", []) if "MetricStat" in query]


def test_every_dead_letter_and_failure_queue_has_an_alarm(translation: dict[str, Any]) -> None:
    # GIVEN every queue something gives up into: redrive targets and OnFailure destinations
    resources = translation["Resources"]
    targets = {
        get_att_target(queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
        for queue in resources_of_type(translation, "AWS::SQS::Queue").values()
        if "RedrivePolicy" in queue["Properties"]
    }
    for mapping in resources_of_type(translation, "AWS::Lambda::EventSourceMapping").values():
        destination = mapping["Properties"].get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        targets.add(get_att_target(destination))
    queues = {target[0] for target in targets if target is not None}
    assert len(queues) >= 2
    # WHEN the alarms on SQS visible messages are read
    watched = {
        get_att_target(dimension["Value"])
        for alarm in _alarms(translation).values()
        for metric in _metric_stats(alarm)
        if metric["Namespace"] == "AWS/SQS" and metric["MetricName"] == "ApproximateNumberOfMessagesVisible"
        for dimension in metric["Dimensions"]
    }
    # THEN each such queue is watched: a message on it means something was not stored or not notified
    for queue in queues:
        assert (queue, "QueueName") in watched, f"no alarm watches {queue}"
        assert resources[queue]["Type"] == "AWS::SQS::Queue"


def test_every_alarm_watches_a_metric_that_exists(translation: dict[str, Any]) -> None:
    # GIVEN every alarm's metrics, and the code of the functions and shared/
    code = _code()
    for logical_id, alarm in _alarms(translation).items():
        metrics = _metric_stats(alarm)
        assert metrics, logical_id
        for metric in metrics:
            namespace, name, dimensions = metric["Namespace"], metric["MetricName"], metric.get("Dimensions", [])
            if namespace == CUSTOM_NAMESPACE:
                # WHEN it is one of ours / THEN the code emits it under that name, with Powertools' service dimension
                assert _emits(code, name), f"{logical_id}: no code emits {namespace}/{name}"
                assert dimensions == [SERVICE_DIMENSION], logical_id
                assert re.search(r'Metrics\([^)]*namespace="Deptwatch"[^)]*service="deptwatch"', code), logical_id
            else:
                # WHEN it is AWS's / THEN its dimensions point at our own resources, not at names typed in
                assert namespace in ("AWS/SQS", "AWS/Lambda"), f"{logical_id}: {namespace}"
                assert dimensions, logical_id
                for dimension in dimensions:
                    assert references(dimension["Value"]) <= set(translation["Resources"]), logical_id
                    assert references(dimension["Value"]), f"{logical_id}: {dimension}"


def test_every_alarm_says_what_it_means_and_what_to_do(translation: dict[str, Any]) -> None:
    # GIVEN every alarm / WHEN its description and name are read
    for logical_id, alarm in _alarms(translation).items():
        description = alarm.get("AlarmDescription", "")
        # THEN it explains itself in a few sentences (CloudWatch allows 1024 characters) and is named after the stack
        assert 120 <= len(description) <= 1024, f"{logical_id}: {len(description)} characters"
        assert description.count(". ") >= 1, logical_id
        assert alarm["AlarmName"]["Fn::Sub"].startswith("${AWS::StackName}-"), logical_id


def test_alarms_notify_the_alarm_topic_only_when_there_is_one(translation: dict[str, Any]) -> None:
    # GIVEN the alarm e-mail parameter, its condition and the resources that exist only with it
    resources = translation["Resources"]
    assert translation["Parameters"]["AlarmEmail"]["Default"] == ""
    assert translation["Conditions"][ALARM_CONDITION] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}
    for logical_id in CONDITIONAL_ALARM_RESOURCES:
        assert resources[logical_id].get("Condition") == ALARM_CONDITION, logical_id
    assert resources["AlarmEmailSubscription"]["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    conditional_ref = {"Fn::If": [ALARM_CONDITION, [{"Ref": ALARM_TOPIC}], {"Ref": "AWS::NoValue"}]}
    for logical_id, alarm in _alarms(translation).items():
        # WHEN its actions are read / THEN they are the alarm topic under the condition, or nothing
        assert alarm["AlarmActions"] == conditional_ref, logical_id
        for name in ALARM_ACTION_PROPERTIES:
            assert name not in alarm or alarm[name] == conditional_ref, (logical_id, name)
    # AND nothing else refers to a conditional resource outside a resource or output with the same condition
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::CloudWatch::Alarm" or resource.get("Condition") == ALARM_CONDITION:
            continue
        assert not references(resource) & CONDITIONAL_ALARM_RESOURCES, logical_id
    for name, output in translation["Outputs"].items():
        if references(output) & CONDITIONAL_ALARM_RESOURCES:
            assert output.get("Condition") == ALARM_CONDITION, name


@pytest.mark.parametrize(
    ("logical_id", "metric", "statistic", "threshold", "periods", "missing"),
    [
        ("RecordsDeadLettersAlarm", "ApproximateNumberOfMessagesVisible", "Maximum", 0, 1, "notBreaching"),
        ("NotifierFailuresAlarm", "ApproximateNumberOfMessagesVisible", "Maximum", 0, 1, "notBreaching"),
        ("ProcessorErrorsAlarm", "Errors", "Sum", 0, 3, "notBreaching"),
        ("NotifierIteratorAgeAlarm", "IteratorAge", "Maximum", 900_000, 1, "notBreaching"),
    ],
)
def test_each_alarm_fires_when_the_issue_says(
    translation: dict[str, Any],
    logical_id: str,
    metric: str,
    statistic: str,
    threshold: int,
    periods: int,
    missing: str,
) -> None:
    # GIVEN one of the alarms the issue asks for / WHEN its evaluation is read / THEN it is the one asked for,
    # in periods of 300 s (the default PollSchedule), all of them breaching to alarm
    alarm = _alarms(translation)[logical_id]
    assert (alarm["MetricName"], alarm["Statistic"], alarm["Threshold"]) == (metric, statistic, threshold)
    assert (alarm["Period"], alarm["EvaluationPeriods"], alarm.get("DatapointsToAlarm", 1)) == (300, periods, periods)
    assert alarm["TreatMissingData"] == missing
    operator = "GreaterThanOrEqualToThreshold" if threshold == 1 else "GreaterThanThreshold"
    assert alarm["ComparisonOperator"] == operator


def test_the_stale_alarm_compares_minutes_with_the_parameter_and_takes_silence_for_a_stop(
    translation: dict[str, Any],
) -> None:
    # GIVEN the staleness alarm / WHEN its metric math and threshold are read
    alarm = _alarms(translation)["SourcesStaleAlarm"]
    queries = {query["Id"]: query for query in alarm["Metrics"]}
    (returned,) = [query for query in alarm["Metrics"] if query.get("ReturnData", True)]
    # THEN Maximum OldestSuccessAgeSeconds / 60 > StaleAfterMinutes (that is, seconds > minutes x 60), and no data
    # (the fetcher is not running) is breaching
    assert returned["Expression"] == "age / 60"
    assert queries["age"]["MetricStat"]["Metric"]["MetricName"] == "OldestSuccessAgeSeconds"
    assert queries["age"]["MetricStat"]["Stat"] == "Maximum"
    assert queries["age"]["MetricStat"]["Period"] == 300
    assert alarm["Threshold"] == {"Ref": "StaleAfterMinutes"}
    assert translation["Parameters"]["StaleAfterMinutes"]["Default"] == 60
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["TreatMissingData"] == "breaching"


def test_the_readme_tells_the_operator_about_every_alarm(translation: dict[str, Any]) -> None:
    # GIVEN the README's operating section (a test may read README.md: it ships with every clone)
    text = README.read_text(encoding="utf-8")
    assert "\n## Operating deptwatch\n" in text
    section = text.split("\n## Operating deptwatch\n", 1)[1].split("\n## ", 1)[0]
    # WHEN every alarm's name is looked for / THEN each is explained there, and so is every metric the alarms use
    for logical_id, alarm in _alarms(translation).items():
        suffix = alarm["AlarmName"]["Fn::Sub"].removeprefix("${AWS::StackName}-")
        assert suffix in section, f"README does not explain {logical_id} ({suffix})"
    assert "AlarmEmail" in section
    for name in DOCUMENTED_METRICS:
        assert f"`{name}`" in section, name


@pytest.mark.parametrize("name", DOCUMENTED_METRICS)
def test_every_documented_metric_is_emitted_by_the_code(name: str) -> None:
    # GIVEN a metric the README's operators rely on / WHEN the code is searched for where it is emitted
    # THEN some function emits it under exactly that name (renaming it means updating alarms and README too)
    assert _emits(_code(), name), f"no code emits {CUSTOM_NAMESPACE}/{name}"
