"""The per-department topics in template.yaml are generated from the department registry and agree with it exactly."""

from __future__ import annotations

from typing import Any

import pytest

from infra.cfn_template import loads_template
from infra.codegen.template_check import TEMPLATE
from infra.codegen.template_topics import (
    DISPLAY_NAME_MAX,
    TOPIC_POLICY_ID,
    TemplateMarkerError,
    display_name,
    output_name,
    render_template,
    replace_block,
    topic_logical_id,
)
from shared.domain.departments import DEPARTMENTS, Department
from tests.infra.helpers import resources_of_type

ALARM_TOPIC = "AlarmTopic"
"""The one topic that is not a department's: the alarms' (conditional, hand-written; see test_security.py)."""

SKELETON = """\
Resources:
  Queue:
    Type: AWS::SQS::Queue  # hand-written, must survive
  # BEGIN generated: department topics (python -m infra.codegen.template_topics --write)
  Stale: {}
  # END generated: department topics
  # BEGIN generated: department topic policy
  # END generated: department topic policy
Outputs:
  QueueUrl:
    Value: !Ref Queue
  # BEGIN generated: department topic outputs
  # END generated: department topic outputs
"""


def _topic_outputs(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    topics = set(resources_of_type(template, "AWS::SNS::Topic")) - {ALARM_TOPIC}
    return {
        name: output
        for name, output in template["Outputs"].items()
        if isinstance(output.get("Value"), dict) and output["Value"].get("Ref") in topics
    }


def test_template_is_regenerated_from_the_registry() -> None:
    # GIVEN the committed template and the department registry
    text = TEMPLATE.read_text(encoding="utf-8")
    # WHEN the generated blocks are rendered from the registry
    expected = render_template(text, DEPARTMENTS)
    # THEN nothing changes (otherwise: `python -m infra.codegen.template_topics --write`, i.e. `make template`)
    assert text == expected, (
        "template.yaml is stale: run `make template` (python -m infra.codegen.template_topics --write)"
    )


def test_one_topic_per_department_and_nothing_else(template: dict[str, Any]) -> None:
    # GIVEN the template's SNS topics
    topics = resources_of_type(template, "AWS::SNS::Topic")
    # WHEN they are matched to the registry by logical id
    expected = {topic_logical_id(department.slug): department for department in DEPARTMENTS}
    # THEN every department has exactly its topic, named, labelled, tagged and encrypted as the notifier expects
    assert set(topics) == set(expected) | {ALARM_TOPIC}
    for logical_id, department in expected.items():
        properties = topics[logical_id]["Properties"]
        assert properties["TopicName"] == {"Fn::Sub": f"${{AWS::StackName}}-{department.slug}"}
        assert properties["DisplayName"] == display_name(department.name)
        assert properties["KmsMasterKeyId"] == "alias/aws/sns"
        assert properties["Tags"] == [{"Key": "department", "Value": department.slug}]


def test_one_arn_output_per_topic(template: dict[str, Any]) -> None:
    # GIVEN the template's outputs that reference a topic
    outputs = _topic_outputs(template)
    # WHEN they are compared with the registry
    expected = {output_name(department.slug): department for department in DEPARTMENTS}
    # THEN each department has `<LogicalId>Arn`, the topic's ARN, described by the department's name
    assert set(outputs) == set(expected)
    for name, department in expected.items():
        assert outputs[name] == {"Description": department.name, "Value": {"Ref": topic_logical_id(department.slug)}}


def test_a_department_added_without_regenerating_is_detected() -> None:
    # GIVEN the committed template and a registry with one more department
    text = TEMPLATE.read_text(encoding="utf-8")
    added = Department(slug="department-for-testing-2", name="Department for Testing")
    # WHEN the template is rendered from that registry
    rendered = loads_template(render_template(text, (*DEPARTMENTS, added)))
    # THEN the committed template differs from it, and the rendering has the new topic and output
    assert render_template(text, (*DEPARTMENTS, added)) != text
    assert rendered["Resources"]["TopicDepartmentForTesting2"]["Properties"]["TopicName"] == {
        "Fn::Sub": "${AWS::StackName}-department-for-testing-2"
    }
    assert rendered["Outputs"]["TopicDepartmentForTesting2Arn"]["Value"] == {"Ref": "TopicDepartmentForTesting2"}
    policy = rendered["Resources"][TOPIC_POLICY_ID]["Properties"]
    assert {"Ref": "TopicDepartmentForTesting2"} in policy["Topics"]
    for statement in policy["PolicyDocument"]["Statement"]:
        assert {"Ref": "TopicDepartmentForTesting2"} in statement["Resource"], statement["Sid"]


def test_the_topic_policy_covers_exactly_the_department_topics(template: dict[str, Any]) -> None:
    # GIVEN the generated topic policy and the registry
    policy = template["Resources"][TOPIC_POLICY_ID]["Properties"]
    expected = [{"Ref": topic_logical_id(d.slug)} for d in sorted(DEPARTMENTS, key=lambda d: d.slug)]
    # WHEN its topics and each statement's resources are read
    # THEN they are every department topic, and nothing else (the alarm topic keeps SNS's default policy)
    assert policy["Topics"] == expected
    for statement in policy["PolicyDocument"]["Statement"]:
        assert statement["Resource"] == expected, statement["Sid"]


@pytest.mark.parametrize(
    ("slug", "logical_id"),
    [
        ("department-for-education", "TopicDepartmentForEducation"),
        ("hm-treasury", "TopicHmTreasury"),
        ("prime-ministers-office-10-downing-street", "TopicPrimeMinistersOffice10DowningStreet"),
        ("x", "TopicX"),
    ],
)
def test_topic_logical_id_is_camel_case_of_the_slug(slug: str, logical_id: str) -> None:
    # GIVEN a slug / WHEN it becomes a logical id / THEN it is "Topic" + CamelCase, letters and digits only
    assert topic_logical_id(slug) == logical_id
    assert topic_logical_id(slug).isalnum()


@pytest.mark.parametrize("slug", ["", "Department-for-education", "a--b", "-a", "a-", "a_b", "a b", "dept.x"])
def test_topic_logical_id_rejects_slugs_that_are_not_kebab_case(slug: str) -> None:
    # GIVEN a slug that would not make a clean topic name / WHEN converted / THEN it is refused
    with pytest.raises(ValueError, match="slug"):
        topic_logical_id(slug)


def test_slugs_that_collide_as_logical_ids_are_refused() -> None:
    # GIVEN two departments with the same slug
    twins = (Department(slug="home-office", name="A"), Department(slug="home-office", name="B"))
    # WHEN the template is rendered / THEN the generator refuses instead of emitting a duplicate key
    with pytest.raises(ValueError, match="both give logical id"):
        render_template(SKELETON, twins)


def test_display_name_is_a_short_form_within_the_sns_limit() -> None:
    # GIVEN ordinary and absurdly long department names
    long_name = "Department for " + " and ".join(["Things"] * 40)
    # WHEN shortened
    # THEN ordinary names are abbreviated, long ones cut at a word boundary, none longer than SNS allows
    assert display_name("Department for Work and Pensions") == "Dept for Work & Pensions"
    assert display_name("HM  Treasury ") == "HM Treasury"
    shortened = display_name(long_name)
    assert len(shortened) <= DISPLAY_NAME_MAX
    assert shortened.endswith("Things...")
    assert all(len(display_name(department.name)) <= DISPLAY_NAME_MAX for department in DEPARTMENTS)


def test_regeneration_replaces_only_the_marked_blocks() -> None:
    # GIVEN a template with hand-written parts around stale generated blocks
    departments = (Department(slug="cabinet-office", name="Cabinet Office"),)
    # WHEN it is regenerated twice
    once = render_template(SKELETON, departments)
    twice = render_template(once, departments)
    # THEN the hand-written lines are intact, the stale content is gone, and regenerating is idempotent
    assert "    Type: AWS::SQS::Queue  # hand-written, must survive\n" in once
    assert "Stale" not in once
    assert twice == once
    parsed = loads_template(once)
    assert set(parsed["Resources"]) == {"Queue", "TopicCabinetOffice", TOPIC_POLICY_ID}
    assert set(parsed["Outputs"]) == {"QueueUrl", "TopicCabinetOfficeArn"}


@pytest.mark.parametrize(
    "broken",
    [
        SKELETON.replace("  # END generated: department topics\n", ""),
        SKELETON + "  # BEGIN generated: department topics\n",
        SKELETON.replace(
            "  # BEGIN generated: department topics (python -m infra.codegen.template_topics --write)\n", ""
        )
        + "  # BEGIN generated: department topics\n",
    ],
    ids=["missing END", "two BEGINs", "END before BEGIN"],
)
def test_broken_markers_are_reported(broken: str) -> None:
    # GIVEN a template whose markers are missing, repeated or out of order / WHEN regenerated / THEN it fails loudly
    with pytest.raises(TemplateMarkerError):
        replace_block(broken, "department topics", lambda indent: "")
