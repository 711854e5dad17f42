"""The local stack builds what a template declares: per-function environments, table indexes and TTL, schedules.

A small template of its own (below) keeps each behaviour visible; the last tests check the real template.yaml.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import tests.integration.probe_functions as probes
from infra.local.stack import LocalStack, local_stack

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 10
    Environment:
      Variables:
        SHARED: from-globals
Resources:
  Things:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: pk, AttributeType: S}
        - {AttributeName: sk, AttributeType: S}
        - {AttributeName: owner, AttributeType: S}
        - {AttributeName: updated, AttributeType: S}
      KeySchema:
        - {AttributeName: pk, KeyType: HASH}
        - {AttributeName: sk, KeyType: RANGE}
      GlobalSecondaryIndexes:
        - IndexName: by-owner
          KeySchema: [{AttributeName: owner, KeyType: HASH}]
          Projection: {ProjectionType: ALL}
      LocalSecondaryIndexes:
        - IndexName: by-updated
          KeySchema: [{AttributeName: pk, KeyType: HASH}, {AttributeName: updated, KeyType: RANGE}]
          Projection: {ProjectionType: KEYS_ONLY}
      TimeToLiveSpecification: {AttributeName: expires, Enabled: true}
  EnglishFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: tests.integration.probe_functions.report
      Environment:
        Variables:
          GREETING: hello
          TABLE: !Ref Things
      Events:
        Hourly:
          Type: Schedule
          Properties:
            Schedule: rate(1 hour)
  WelshFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: tests.integration.probe_functions.report
      Environment:
        Variables:
          GREETING: shwmae
      Events:
        Nightly:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: cron(0 2 * * ? *)
            Input: '{"job": "nightly"}'
  UnscheduledFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: tests.integration.probe_functions.report
"""


@pytest.fixture
def template_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    saved = dict(os.environ)  # local_stack() sets up the process for moto, as the command does
    try:
        yield path
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def small_stack(template_file: Path) -> Iterator[LocalStack]:
    with local_stack(template=template_file, environment={"EXTRA": "for-all"}) as stack:
        yield stack


def test_each_function_sees_its_own_environment_and_only_while_it_runs(small_stack: LocalStack) -> None:
    # GIVEN two functions whose GREETING differs, both with the Globals' SHARED
    # WHEN each is invoked
    english = small_stack.invoke("EnglishFunction", {})
    welsh = small_stack.invoke("WelshFunction", {})
    # THEN each saw its own value, both saw the Globals' and the stack-wide extra; the process has none of them after
    assert (english["greeting"], welsh["greeting"]) == ("hello", "shwmae")
    assert english["shared"] == welsh["shared"] == "from-globals"
    assert small_stack.functions["WelshFunction"].environment["EXTRA"] == "for-all"
    assert "GREETING" not in os.environ
    assert small_stack.functions["EnglishFunction"].environment["TABLE"] == small_stack.physical["Things"]["Ref"]


def test_a_table_gets_its_indexes_and_ttl(small_stack: LocalStack) -> None:
    # GIVEN the template's table with a GSI, an LSI and TTL / WHEN deployed
    name = small_stack.physical["Things"]["Ref"]
    table = small_stack.dynamodb.describe_table(TableName=name)["Table"]
    ttl = small_stack.dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    # THEN moto has them all
    assert [index["IndexName"] for index in table["GlobalSecondaryIndexes"]] == ["by-owner"]
    assert [index["IndexName"] for index in table["LocalSecondaryIndexes"]] == ["by-updated"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires")
    # AND the GSI answers queries
    small_stack.dynamodb.put_item(
        TableName=name, Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "owner": {"S": "dfe"}, "updated": {"S": "x"}}
    )
    found = small_stack.dynamodb.query(
        TableName=name,
        IndexName="by-owner",
        KeyConditionExpression="#o = :o",
        ExpressionAttributeNames={"#o": "owner"},
        ExpressionAttributeValues={":o": {"S": "dfe"}},
    )
    assert found["Count"] == 1


def test_every_scheduled_function_runs_on_its_schedule(small_stack: LocalStack) -> None:
    # GIVEN a Schedule function, a ScheduleV2 function with an Input, and one without a schedule
    # WHEN the schedules fire
    results = small_stack.run_schedules()
    # THEN both scheduled functions ran, with the payload each schedule sends; the other did not
    assert sorted(results) == ["EnglishFunction", "WelshFunction"]
    assert results["EnglishFunction"]["event"]["detail-type"] == "Scheduled Event"
    assert results["EnglishFunction"]["event"]["resources"][0].endswith("-Hourly")
    assert results["WelshFunction"]["event"] == {"job": "nightly"}
    # AND one can be fired alone; a function without a schedule is refused
    assert small_stack.run_schedule("WelshFunction")["greeting"] == "shwmae"
    with pytest.raises(ValueError, match="no Schedule"):
        small_stack.run_schedule("UnscheduledFunction")


def test_a_new_deployment_starts_every_function_in_a_new_container(template_file: Path) -> None:
    # GIVEN a function whose client is built once per container
    with local_stack(template=template_file) as stack:
        first = stack.invoke("EnglishFunction", {})["client"]
        assert stack.invoke("EnglishFunction", {})["client"] == first
    # WHEN the stack is deployed again (the local stack resets through shared.container, knowing no handler names)
    with local_stack(template=template_file) as stack:
        again = stack.invoke("WelshFunction", {})["client"]
    # THEN the client was built again, in that function's own environment
    assert again != first
    assert probes.builds[-1] == "shwmae"


def test_the_real_template_gets_its_ttl_and_its_scheduled_functions(stack: LocalStack) -> None:
    # GIVEN template.yaml deployed / THEN the state table expires what it marks; the schedules run the fetcher and
    # the digester
    name = stack.output("StateTableName")
    ttl = stack.dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "ENABLED"
    assert stack.scheduled_functions() == ["FetcherFunction", "DigesterFunction"]
