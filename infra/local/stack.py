"""The local stack: template.yaml's resources created in moto, and the three functions run in-process.

moto cannot run Lambda code without Docker and its own event-source mappings interfere, so this module emulates
what AWS does around our handlers, with the same batch semantics:
- schedules: each function with a Schedule or ScheduleV2 event is invoked with a "Scheduled Event" payload;
- each function runs with its own environment (the template's Globals and its own Variables) set around each call;
- the SQS mapping: batches of up to BatchSize real messages; successes deleted, reported failures visible again
  (the visibility timeout is taken as elapsed), redrive to the DLQ by SQS after maxReceiveCount; an exception from the
  handler fails the whole batch;
- the stream mapping: batches of real stream records; on a partial failure the batch is retried from the first
  failed record, an exception bisects the batch, and after MaximumRetryAttempts the records go to the OnFailure queue.
  Retries are spaced as `stream_retry_delay` says (Lambda's backoff), waited with the stack's `sleep`: by default no
  wait at all (the demo and `ingest` need not sit through a backoff); a test gives a fake clock's sleep.

Import this module before any boto3 client is created (moto must patch botocore first).
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import moto  # noqa: F401  (imported before boto3 clients exist, so that they are mocked)
from moto import mock_aws
from moto.core.model_instances import reset_model_data

from infra.local import moto_costs
from shared.container import reset_container_caches
from shared.watching.watch import Watch, watch_topic_name

moto_costs.apply()

REGION = "eu-west-2"
ACCOUNT_ID = "123456789012"
STACK_NAME = "deptwatch-local"
SCHEDULE_EVENTS = ("Schedule", "ScheduleV2")
TEMPLATE = Path(__file__).resolve().parent / "template.yaml"
"""template.yaml: a link to the repository's, copied into the package when it is built (shipped with it)."""
STREAM_RETRY_BACKOFF_CAP = 60.0
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
"""EventBridge Scheduler's context attribute in a schedule's Input: the occurrence's scheduled time."""


def lambda_stream_retry_delay(retry: int) -> float:
    """Seconds before the `retry`-th retry of a failed stream batch: the first at once, then 1 s doubling to 60 s.

    AWS documents that a stream event-source mapping retries a failed batch with backoff until it succeeds, expires
    or runs out of MaximumRetryAttempts, not the spacing itself; this is our assumption of it. The notifier must not
    depend on it (its ledger is tested with immediate retries too).
    """
    return 0.0 if retry <= 1 else min(2.0 ** (retry - 2), STREAM_RETRY_BACKOFF_CAP)


def _elapse_at_once(seconds: float) -> None:
    """The local stack's default wait: none."""


LOCAL_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    # moto's DynamoDB Streams answer 404 with botocore's account-id endpoints (see platform notes).
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "MOTO_ACCOUNT_ID": ACCOUNT_ID,
    "POWERTOOLS_METRICS_NAMESPACE": "Deptwatch",
    "POWERTOOLS_SERVICE_NAME": "deptwatch",
}


def use_local_environment() -> None:
    """Point boto3 at moto: dummy credentials, one region, and no real endpoint ever."""
    os.environ.update(LOCAL_ENVIRONMENT)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that Powertools and our handlers read."""

    function_name: str
    memory_limit_in_mb: int = 512
    timeout_seconds: int = 30
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = ""
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_seconds * 1000


@dataclass
class FunctionSpec:
    logical_id: str
    handler: str
    timeout: int
    environment: dict[str, str]
    events: dict[str, dict[str, Any]]

    def load(self) -> Callable[[dict[str, Any], Any], Any]:
        module_name, _, attribute = self.handler.rpartition(".")
        module = __import__(module_name, fromlist=[attribute])
        return getattr(module, attribute)  # type: ignore[no-any-return]


@dataclass
class StreamMapping:
    function: FunctionSpec
    stream_arn: str
    batch_size: int
    max_retries: int
    bisect: bool
    on_failure_queue_url: str | None
    iterators: dict[str, str] = field(default_factory=dict)
    shards: dict[str, str] = field(default_factory=dict)
    """Sequence number → shard of each record read: the shard an OnFailure message names, as AWS's does."""


@dataclass
class QueueMapping:
    function: FunctionSpec
    queue_url: str
    queue_arn: str
    batch_size: int


LOCAL_PARAMETERS = {"FirstPollDelivery": "notify"}
"""Where the local stack departs from the template's defaults, and why: it is new on every command (moto keeps
nothing), so every poll would be a source's first, which a deployed stack stores quietly (issue #12). Locally a
first poll notifies, as a deployment's later polls do; a caller (or `deptwatch run --delivery`) may still ask for
`quiet`."""


class LocalStack:
    """template.yaml deployed into moto (which must be active: see `local_stack()`), and its functions run here."""

    def __init__(self, parameters: dict[str, str] | None = None, template: Path = TEMPLATE) -> None:
        from infra.cfn_template import load_template
        from shared.adapters.aws import aws_client

        self.template = load_template(template)
        self.parameters = {
            name: str(spec.get("Default", "")) for name, spec in self.template.get("Parameters", {}).items()
        }
        self.parameters.update(LOCAL_PARAMETERS)
        self.parameters.update(parameters or {})
        self.sqs = aws_client("sqs")
        self.dynamodb = aws_client("dynamodb")
        self.streams = aws_client("dynamodbstreams")
        self.sns = aws_client("sns")
        self.physical: dict[str, dict[str, str]] = {}
        """Logical id → {"Ref": …, "Arn": …, "StreamArn": …}."""
        self.functions: dict[str, FunctionSpec] = {}
        self.queue_mappings: list[QueueMapping] = []
        self.stream_mappings: list[StreamMapping] = []
        self.inboxes: dict[str, str] = {}
        """Topic ARN → URL of the SQS queue subscribed to it, that shows what a subscriber receives."""
        self.records_processed = 0
        """Queue messages a function has taken off its queue (done, or dead-lettered): a local run's progress."""
        self.versions_stored: Counter[str] = Counter()
        """New item versions seen on the table's stream, by their delivery (notify, quiet, digest): what `ingest` and
        `run` sum up, so that a quiet version is never silently not notified."""
        self.stream_retry_delay: Callable[[int], float] = lambda_stream_retry_delay
        self.sleep: Callable[[float], None] = _elapse_at_once
        self.last_response: dict[str, Any] | None = None
        """What the function of the last queue batch returned (None when it raised)."""
        """How the stream mapping waits before a retry (tests give a fake clock's, which moves that clock on)."""
        self.scheduled_at: datetime | None = None
        """When set, the occurrence time a schedule's Input names (<aws.scheduler.scheduled-time>); else now."""
        self.stored_at: datetime | None = None
        """When set, the moment every stream record says its version was stored (ApproximateCreationDateTime): how
        `ingest --digest --at` ingests records into the period a digest as at that time covers."""
        self.draining = False
        """True while `drain` runs, and after it was stopped (an exception, Ctrl-C) before it ended: see `settled`."""

    # -- deployment -------------------------------------------------------------------------------------------------

    def deploy(self, extra_environment: dict[str, str] | None = None) -> LocalStack:
        """Create the template's queues, tables and topics, and register its functions; `extra_environment` is set
        for every function on top of its own (e.g. the offline demo's UPSTREAM_OVERRIDES)."""
        resources = self.template["Resources"]
        for kind, create in (
            ("AWS::SQS::Queue", self._create_queue),
            ("AWS::DynamoDB::Table", self._create_table),
            ("AWS::SNS::Topic", self._create_topic),
            ("AWS::IAM::Role", self._create_role),
        ):
            # Queues that are others' dead-letter targets first, so that RedrivePolicy can point at them.
            ordered = sorted(
                (lid for lid, r in resources.items() if r["Type"] == kind),
                key=lambda lid: "RedrivePolicy" in resources[lid].get("Properties", {}),
            )
            for logical_id in ordered:
                create(logical_id, resources[logical_id].get("Properties", {}))
        for logical_id, resource in resources.items():
            if resource["Type"] == "AWS::Serverless::Function":
                self._register_function(logical_id, resource.get("Properties", {}))
        for spec in self.functions.values():
            spec.environment.update(extra_environment or {})
        reset_container_caches()  # a new deployment: every function starts in a new container
        return self

    def output(self, name: str) -> str:
        return str(self._resolve(self.template["Outputs"][name]["Value"]))

    def topic_arns(self) -> dict[str, str]:
        """Department slug → topic ARN, from the topics' `department` tags."""
        arns = {}
        for logical_id, resource in self.template["Resources"].items():
            if resource["Type"] == "AWS::SNS::Topic":
                tags = {t["Key"]: t["Value"] for t in resource["Properties"].get("Tags", [])}
                if "department" in tags:  # not the operators' alarm topic
                    arns[tags["department"]] = self.physical[logical_id]["Ref"]
        return arns

    def _create_queue(self, logical_id: str, properties: dict[str, Any]) -> None:
        fifo = bool(properties.get("FifoQueue"))
        name = self._resolve(properties.get("QueueName")) or f"{STACK_NAME}-{logical_id}" + (".fifo" if fifo else "")
        attributes = {"VisibilityTimeout": str(properties.get("VisibilityTimeout", 30))}
        if fifo:
            attributes["FifoQueue"] = "true"
        if "MessageRetentionPeriod" in properties:
            attributes["MessageRetentionPeriod"] = str(properties["MessageRetentionPeriod"])
        if "RedrivePolicy" in properties:
            attributes["RedrivePolicy"] = json.dumps(self._resolve(properties["RedrivePolicy"]))
        url = self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.physical[logical_id] = {"Ref": url, "Arn": arn, "QueueName": name, "QueueUrl": url}

    def _create_table(self, logical_id: str, properties: dict[str, Any]) -> None:
        name = self._resolve(properties.get("TableName")) or f"{STACK_NAME}-{logical_id}"
        arguments: dict[str, Any] = {
            "TableName": name,
            "KeySchema": properties["KeySchema"],
            "AttributeDefinitions": properties["AttributeDefinitions"],
            "BillingMode": properties.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if "StreamSpecification" in properties:
            arguments["StreamSpecification"] = {"StreamEnabled": True, **properties["StreamSpecification"]}
        for indexes in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if indexes in properties:
                arguments[indexes] = properties[indexes]
        table = self.dynamodb.create_table(**arguments)["TableDescription"]
        if properties.get("TimeToLiveSpecification", {}).get("Enabled"):
            ttl = properties["TimeToLiveSpecification"]
            self.dynamodb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]}
            )
        self.physical[logical_id] = {
            "Ref": name,
            "Arn": table["TableArn"],
            "StreamArn": table.get("LatestStreamArn", ""),
        }

    def _create_topic(self, logical_id: str, properties: dict[str, Any]) -> None:
        name = self._resolve(properties.get("TopicName")) or f"{STACK_NAME}-{logical_id}"
        arn = self.sns.create_topic(Name=name)["TopicArn"]
        self.physical[logical_id] = {"Ref": arn, "TopicName": name, "TopicArn": arn}

    def _create_role(self, logical_id: str, properties: dict[str, Any]) -> None:
        """The role itself (its ARN is an output: the watch topics' policy names it); moto does not enforce policies,
        so its permissions are checked on the template (tests/infra)."""
        from shared.adapters.aws import aws_client

        name = f"{STACK_NAME}-{logical_id}"
        document = json.dumps(properties.get("AssumeRolePolicyDocument", {}))
        role = aws_client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=document)["Role"]
        self.physical[logical_id] = {"Ref": name, "Arn": role["Arn"], "RoleId": role["RoleId"]}

    def _register_function(self, logical_id: str, properties: dict[str, Any]) -> None:
        globals_ = self.template.get("Globals", {}).get("Function", {})
        environment = {
            **globals_.get("Environment", {}).get("Variables", {}),
            **properties.get("Environment", {}).get("Variables", {}),
        }
        spec = FunctionSpec(
            logical_id=logical_id,
            handler=properties["Handler"],
            timeout=int(properties.get("Timeout", globals_.get("Timeout", 3))),
            environment={name: str(self._resolve(value)) for name, value in environment.items()},
            events=properties.get("Events", {}),
        )
        self.functions[logical_id] = spec
        for event in spec.events.values():
            event_properties = event.get("Properties", {})
            if event["Type"] == "SQS":
                queue_arn = self._resolve(event_properties["Queue"])
                queue_url = next(p["Ref"] for p in self.physical.values() if p.get("Arn") == queue_arn)
                self.queue_mappings.append(
                    QueueMapping(spec, queue_url, queue_arn, int(event_properties.get("BatchSize", 10)))
                )
            elif event["Type"] == "DynamoDB":
                destination = event_properties.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
                destination_arn = self._resolve(destination) if destination else None
                self.stream_mappings.append(
                    StreamMapping(
                        function=spec,
                        stream_arn=self._resolve(event_properties["Stream"]),
                        batch_size=int(event_properties.get("BatchSize", 100)),
                        max_retries=int(event_properties.get("MaximumRetryAttempts", 3)),
                        bisect=bool(event_properties.get("BisectBatchOnFunctionError", False)),
                        on_failure_queue_url=next(
                            (p["Ref"] for p in self.physical.values() if p.get("Arn") == destination_arn), None
                        ),
                    )
                )

    def _resolve(self, value: Any) -> Any:
        """CloudFormation intrinsics, as far as the template uses them."""
        if isinstance(value, list):
            return [self._resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            return self._ref(value["Ref"])
        if "Fn::GetAtt" in value:
            target, attribute = value["Fn::GetAtt"]
            return self.physical[target][attribute]
        if "Fn::Sub" in value:
            text = value["Fn::Sub"]
            variables: dict[str, Any] = {}
            if isinstance(text, list):
                text, variables = text[0], {k: self._resolve(v) for k, v in text[1].items()}
            return _substitute(text, lambda name: variables[name] if name in variables else self._sub_name(name))
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(str(p) for p in self._resolve(parts))
        return {k: self._resolve(v) for k, v in value.items()}

    def _ref(self, name: str) -> str:
        pseudo = {
            "AWS::StackName": STACK_NAME,
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return self.physical[name]["Ref"]

    def _sub_name(self, name: str) -> str:
        if "." in name and not name.startswith("AWS::"):
            target, attribute = name.split(".", 1)
            return self.physical[target][attribute]
        return self._ref(name)

    # -- running ----------------------------------------------------------------------------------------------------

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        spec = self.functions[logical_id]
        context = LambdaContext(
            function_name=f"{STACK_NAME}-{logical_id}",
            timeout_seconds=spec.timeout,
            invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{STACK_NAME}-{logical_id}",
        )
        with _environment(spec.environment):  # Lambda imports the handler in its environment too
            return spec.load()(event, context)

    def scheduled_functions(self) -> list[str]:
        """The logical ids of the functions a schedule invokes (Schedule or ScheduleV2 events), in template order."""
        return [
            spec.logical_id
            for spec in self.functions.values()
            if any(event["Type"] in SCHEDULE_EVENTS for event in spec.events.values())
        ]

    def run_schedule(self, logical_id: str) -> Any:
        """The schedule(s) of one function firing once; returns what the function returned (of its last schedule).

        A function that queues work for itself (the fetcher's poll queue) runs it before this returns, and its
        reports (`sources`) are gathered into what the schedule's run returned."""
        spec = self.functions[logical_id]
        schedules = {name: e for name, e in spec.events.items() if e["Type"] in SCHEDULE_EVENTS}
        if not schedules:
            raise ValueError(f"{logical_id} has no Schedule or ScheduleV2 event")
        result = None
        for name, schedule in schedules.items():
            result = self.invoke(logical_id, self._scheduled_event(name, schedule.get("Properties", {})))
        return self.run_own_queues(logical_id, result)

    def queue_mapping(self, logical_id: str) -> QueueMapping:
        """The SQS mapping of one function (the processor's raw records, the fetcher's polls)."""
        return next(mapping for mapping in self.queue_mappings if mapping.function.logical_id == logical_id)

    def run_own_queues(self, logical_id: str, result: Any) -> Any:
        """The messages a function sent to the queues it consumes itself, run until none is left (their `sources`
        gathered into `result`)."""
        own = [mapping for mapping in self.queue_mappings if mapping.function.logical_id == logical_id]
        if not own or not isinstance(result, dict):
            return result
        reports: list[Any] = list(result.get("sources", []))
        failed = 0
        for mapping in own:
            while self.pump_queue(mapping):
                if self.last_response is None:  # the invocation died: its message waits out its visibility timeout
                    failed += 1
                    break
                reports += self.last_response.get("sources", [])
        return (
            {**result, "sources": reports, "failed_invocations": failed} if failed else {**result, "sources": reports}
        )

    def run_schedules(self) -> dict[str, Any]:
        """Every scheduled function's schedule firing once: logical id → what the function returned."""
        return {logical_id: self.run_schedule(logical_id) for logical_id in self.scheduled_functions()}

    def _scheduled_event(self, name: str, properties: dict[str, Any]) -> dict[str, Any]:
        if "Input" in properties:  # a schedule with an Input sends exactly that, its context attributes filled in
            scheduled = (self.scheduled_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
            return json.loads(properties["Input"].replace(SCHEDULED_TIME, scheduled))  # type: ignore[no-any-return]
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT_ID,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": REGION,
            "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{STACK_NAME}-{name}"],
            "detail": {},
        }

    def drain(self, max_rounds: int = 200, after_round: Callable[[], None] | None = None) -> None:
        """Run the SQS and stream mappings until nothing is left to do; `after_round` is called after each round (to
        show what was delivered as it is)."""
        self.draining = True
        for _ in range(max_rounds):
            busy = any([self.pump_queue(m) for m in self.queue_mappings])
            busy = any([self.pump_stream(m) for m in self.stream_mappings]) or busy
            if after_round is not None:
                after_round()
            # moto keeps every model object it ever made, for its dashboard, including the whole-table copies it
            # takes to roll a TransactWriteItems back: a long `--watch` or a large backfill grew by ~1 MB per item.
            # This drops those references only; the emulated tables and queues are untouched.
            reset_model_data()
            if not busy:
                self.draining = False
                return
        raise RuntimeError(f"the local pipeline was still busy after {max_rounds} rounds")

    def settled(self) -> bool:
        """Whether the pipeline is at rest: no drain stopped halfway (stream records read and not yet notified), and
        nothing on the queues the functions consume."""
        if self.draining:
            return False
        return not any(self.messages_on(mapping.queue_url) for mapping in self.queue_mappings)

    def messages_on(self, queue_url: str) -> int:
        """The messages on a queue: waiting and in flight (received, not yet deleted)."""
        counts = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        attributes = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=list(counts))["Attributes"]
        return sum(int(attributes.get(count, 0)) for count in counts)

    def start_streams_at_latest(self) -> None:
        """The stream mappings start after every record the stream holds now (StartingPosition LATEST): restored
        items are not new versions."""
        for mapping in self.stream_mappings:
            shards = self.streams.describe_stream(StreamArn=mapping.stream_arn)["StreamDescription"]["Shards"]
            for shard in shards:
                mapping.iterators[shard["ShardId"]] = self.streams.get_shard_iterator(
                    StreamArn=mapping.stream_arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
                )["ShardIterator"]

    def pump_queue(self, mapping: QueueMapping) -> bool:
        """One batch from the queue through its function; False when the queue had nothing to give.

        Like Lambda's poller, a batch gathers up to BatchSize messages from several receives (10 at most each).
        """
        messages: list[dict[str, Any]] = []
        while len(messages) < mapping.batch_size:
            received = self.sqs.receive_message(
                QueueUrl=mapping.queue_url,
                MaxNumberOfMessages=min(mapping.batch_size - len(messages), 10),
                WaitTimeSeconds=0,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            messages += received
            if len(received) < 10:
                break
        if not messages:
            return False
        event = {"Records": [self.lambda_sqs_record(m, mapping.queue_arn) for m in messages]}
        self.last_response = None
        try:
            response = self.invoke(mapping.function.logical_id, event) or {}
            self.last_response = response
            failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
        except Exception:  # the whole batch failed: every message comes back
            failed = {m["MessageId"] for m in messages}
        self.settle_messages(mapping, messages, failed)
        self.records_processed += len(messages) - len(failed)
        return True

    def settle_messages(self, mapping: QueueMapping, messages: list[dict[str, Any]], failed: set[str]) -> None:
        """Successes deleted; failures visible again, as if their visibility timeout had elapsed (received again, or
        redriven), except those the function deleted itself (a dead-lettered poison record): they are gone."""
        for message in messages:
            if message["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=mapping.queue_url, ReceiptHandle=message["ReceiptHandle"])
                continue
            with suppress(self.sqs.exceptions.ReceiptHandleIsInvalid):
                self.sqs.change_message_visibility(
                    QueueUrl=mapping.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )

    @staticmethod
    def lambda_sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
        """An SQS message as the event-source mapping hands it to a function (one entry of `Records`)."""
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {
                name: {"stringValue": value.get("StringValue"), "dataType": value["DataType"]}
                for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": REGION,
        }

    def read_stream(self, mapping: StreamMapping) -> list[dict[str, Any]]:
        """The next records of every shard, shaped as Lambda delivers them."""
        records: list[dict[str, Any]] = []
        shards = self.streams.describe_stream(StreamArn=mapping.stream_arn)["StreamDescription"]["Shards"]
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in mapping.iterators:
                mapping.iterators[shard_id] = self.streams.get_shard_iterator(
                    StreamArn=mapping.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            response = self.streams.get_records(ShardIterator=mapping.iterators[shard_id], Limit=1000)
            mapping.iterators[shard_id] = response["NextShardIterator"]
            records += [self._stream_record(r, mapping.stream_arn, self.stored_at) for r in response["Records"]]
            self.versions_stored.update(_new_version_deliveries(response["Records"]))
            mapping.shards.update((r["dynamodb"]["SequenceNumber"], shard_id) for r in response["Records"])
        return records

    def stream_records_at(self, batch_info: dict[str, Any]) -> list[dict[str, Any]]:
        """The stream records an OnFailure message's coordinates (DDBStreamBatchInfo) name, read back from the stream
        as an operator would."""
        iterator = self.streams.get_shard_iterator(
            StreamArn=batch_info["streamArn"],
            ShardId=batch_info["shardId"],
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=batch_info["startSequenceNumber"],
        )["ShardIterator"]
        records = self.streams.get_records(ShardIterator=iterator, Limit=int(batch_info["batchSize"]))["Records"]
        end = int(batch_info["endSequenceNumber"])
        return [r for r in records if int(r["dynamodb"]["SequenceNumber"]) <= end]

    @staticmethod
    def _stream_record(record: dict[str, Any], stream_arn: str, stored_at: datetime | None = None) -> dict[str, Any]:
        stream = dict(record["dynamodb"])
        created = stored_at or stream.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            stream["ApproximateCreationDateTime"] = int(created.timestamp())
        return {**record, "dynamodb": stream, "eventVersion": "1.1", "awsRegion": REGION, "eventSourceARN": stream_arn}

    def pump_stream(self, mapping: StreamMapping) -> bool:
        records = self.read_stream(mapping)
        for start in range(0, len(records), mapping.batch_size):
            self._deliver_stream_batch(mapping, records[start : start + mapping.batch_size])
        return bool(records)

    def _deliver_stream_batch(self, mapping: StreamMapping, batch: list[dict[str, Any]], retries: int = 0) -> None:
        """Invoke until the batch succeeds; `retries`: how many its records have had already (a bisection counts as
        one, which AWS does not count: stricter than AWS)."""
        while batch:
            try:
                response = self.invoke(mapping.function.logical_id, {"Records": batch}) or {}
            except Exception:
                if mapping.bisect and len(batch) > 1:
                    middle = len(batch) // 2
                    self.sleep(self.stream_retry_delay(retries + 1))
                    self._deliver_stream_batch(mapping, batch[:middle], retries + 1)
                    self._deliver_stream_batch(mapping, batch[middle:], retries + 1)
                    return
                failed_from = 0
            else:
                failures = [f["itemIdentifier"] for f in response.get("batchItemFailures", [])]
                if not failures:
                    return
                sequence_numbers = [r["dynamodb"]["SequenceNumber"] for r in batch]
                failed_from = min(sequence_numbers.index(f) for f in failures if f in sequence_numbers)
            batch = batch[failed_from:]
            if retries >= mapping.max_retries:
                self._send_to_on_failure(mapping, batch)
                return
            retries += 1
            self.sleep(self.stream_retry_delay(retries))

    def _send_to_on_failure(self, mapping: StreamMapping, batch: list[dict[str, Any]]) -> None:
        if not mapping.on_failure_queue_url:
            return
        first, last = batch[0]["dynamodb"], batch[-1]["dynamodb"]
        self.sqs.send_message(
            QueueUrl=mapping.on_failure_queue_url,
            MessageBody=json.dumps(
                {
                    "requestContext": {
                        "condition": "RetryAttemptsExhausted",
                        "functionArn": mapping.function.logical_id,
                    },
                    "DDBStreamBatchInfo": {
                        "shardId": mapping.shards[first["SequenceNumber"]],
                        "streamArn": mapping.stream_arn,
                        "startSequenceNumber": first["SequenceNumber"],
                        "endSequenceNumber": last["SequenceNumber"],
                        "batchSize": len(batch),
                    },
                }
            ),
        )

    # -- what subscribers see ---------------------------------------------------------------------------------------

    def subscribe_inboxes(self) -> None:
        """One SQS queue per department topic, subscribed as a subscriber would be, to show what is delivered."""
        for slug, arn in self.topic_arns().items():
            self._subscribe_inbox(f"inbox-{slug}", arn)

    def _subscribe_inbox(self, queue_name: str, topic_arn: str) -> None:
        url = self.sqs.create_queue(QueueName=queue_name[:80])["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        self.inboxes[topic_arn] = url

    def add_watches(self, watches: Sequence[Watch]) -> None:
        """Save the watches as `deptwatch watch add` does on AWS (each in the state table, with its topic), and
        subscribe an inbox to each watch's topic. The notifier's next container reads them."""
        from shared.adapters.watch_store import WatchStore

        store = WatchStore(self.dynamodb, self.output("StateTableName"))
        for watch in watches:
            store.put(watch)
            name = watch_topic_name(STACK_NAME, watch.name)
            arn = self.sns.create_topic(Name=name, Tags=[{"Key": "watch", "Value": watch.name}])["TopicArn"]
            if arn in self.inboxes:  # saved already (restored with --state): one inbox, each message shown once
                continue
            self._subscribe_inbox(f"inbox-watch-{len(self.inboxes)}", arn)  # a watch name may be too long
        reset_container_caches()

    def collect_deliveries(self) -> list[Delivery]:
        """Everything delivered to the inboxes since the last call, in publish order per topic."""
        deliveries = []
        emails = _email_renderings()
        for arn, url in self.inboxes.items():
            while True:
                messages = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
                    "Messages", []
                )
                if not messages:
                    break
                for message in messages:
                    envelope = json.loads(message["Body"])
                    deliveries.append(
                        Delivery(
                            topic_arn=arn,
                            message_id=envelope["MessageId"],
                            subject=envelope.get("Subject"),
                            attributes=_attribute_values(envelope.get("MessageAttributes", {})),
                            message=json.loads(envelope["Message"]),
                            email=emails.get(envelope["MessageId"], ""),
                        )
                    )
                self.sqs.delete_message_batch(
                    QueueUrl=url,
                    Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
                )
        return deliveries

    def dead_letters(self, output: str = "DeadLetterQueueUrl") -> list[dict[str, Any]]:
        """The messages on a dead-letter queue (left there: they are only made visible again)."""
        url = self.output(output)
        messages = self.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0, MessageAttributeNames=["All"]
        ).get("Messages", [])
        for message in messages:
            self.sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        return messages


def _new_version_deliveries(records: list[dict[str, Any]]) -> Iterator[str]:
    """The delivery of each stream record that carries a new version (absent: notify, as the notifier reads it)."""
    for record in records:
        new, old = record["dynamodb"].get("NewImage", {}), record["dynamodb"].get("OldImage", {})
        if "item" in new and int(new["version"]["N"]) > int(old.get("version", {}).get("N", "0")):
            yield new.get("delivery", {}).get("S", "notify")


def _attribute_values(attributes: dict[str, dict[str, str]]) -> dict[str, str | list[str]]:
    """An SNS envelope's message attributes by name: a String.Array's value (a JSON array) as the list it is."""
    return {
        name: json.loads(attribute["Value"]) if attribute["Type"] == "String.Array" else attribute["Value"]
        for name, attribute in attributes.items()
    }


@dataclass(frozen=True)
class Delivery:
    topic_arn: str
    message_id: str
    subject: str | None
    attributes: dict[str, str | list[str]]
    """Filter attributes by name: `event` is the list of every event the message stands for."""
    message: dict[str, Any]
    email: str

    @property
    def department(self) -> str:
        department = self.attributes.get("department")
        return department if isinstance(department, str) else self.topic_arn.rsplit(":", 1)[-1]

    @property
    def watch(self) -> str | None:
        """The watch this message was published for, when it went to a watch's topic."""
        watch = self.attributes.get("watch")
        return watch if isinstance(watch, str) else None

    def as_json(self) -> dict[str, Any]:
        watch = {"watch": self.watch} if self.watch else {}
        digest = self.attributes.get("digest")
        if isinstance(digest, str):  # a digest message: "daily" or "weekly"
            watch["digest"] = digest
        return {
            **watch,
            "topic_arn": self.topic_arn,
            "department": self.department,
            "attributes": self.attributes,
            "message": self.message,
            "email": self.email,
        }


def _email_renderings() -> dict[str, str]:
    """Message id → the `email` text of each published message, as SNS sends it to an email subscriber.

    moto does not deliver email, so this reads what moto recorded of each publish.
    """
    from moto.sns.models import sns_backends

    renderings = {}
    for topic in sns_backends[ACCOUNT_ID][REGION].topics.values():
        for message_id, message, *_ in topic.sent_notifications:
            try:
                renderings[message_id] = json.loads(message)["email"]
            except (ValueError, KeyError, TypeError):
                renderings[message_id] = message
    return renderings


def _substitute(text: str, lookup: Callable[[str], Any]) -> str:
    import re

    return re.sub(r"\$\{([^}!][^}]*)\}", lambda m: str(lookup(m.group(1))), text)


@contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    """A function's own environment around its invocation (in-process, all functions share os.environ)."""
    saved = dict(os.environ)
    os.environ.update(variables)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def local_stack(
    parameters: dict[str, str] | None = None, environment: dict[str, str] | None = None, template: Path = TEMPLATE
) -> Iterator[LocalStack]:
    """A fresh moto world with the stack deployed in it."""
    use_local_environment()
    with mock_aws():
        stack = LocalStack(parameters, template).deploy(environment)
        stack.subscribe_inboxes()
        yield stack
