"""The CloudFormation YAML loader turns short-form intrinsic functions into their long (JSON) form."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.cfn_yaml import DuplicateKeyError, load_template, loads_template


def test_short_forms_become_long_forms() -> None:
    # GIVEN a template using every short form
    text = """
AWSTemplateFormatVersion: 2010-09-09
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Or [!Condition NotProd, !Condition IsProd]]
Resources:
  Thing:
    Properties:
      Ref: !Ref Queue
      Att: !GetAtt Queue.Arn
      NestedAtt: !GetAtt Stack.Outputs.Name
      ListAtt: !GetAtt [Queue, QueueName]
      Sub: !Sub "${AWS::StackName}-x"
      SubVars: !Sub ["${A}-y", {A: !Ref Stage}]
      If: !If [IsProd, 1, !Ref AWS::NoValue]
      Join: !Join [",", [a, b]]
      Select: !Select [0, !GetAZs ""]
      Split: !Split [",", "a,b"]
      Find: !FindInMap [Map, !Ref AWS::Region, Key]
      B64: !Base64 hello
      Cidr: !Cidr [10.0.0.0/16, 2, 8]
      Import: !ImportValue shared-vpc
"""
    # WHEN it is loaded
    template = loads_template(text)
    # THEN each tag is the long-form dict CloudFormation's JSON uses, and the version date stays a string
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"
    assert template["Conditions"] == {
        "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
        "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Fn::Or": [{"Condition": "NotProd"}, {"Condition": "IsProd"}]}]},
    }
    assert template["Resources"]["Thing"]["Properties"] == {
        "Ref": {"Ref": "Queue"},
        "Att": {"Fn::GetAtt": ["Queue", "Arn"]},
        "NestedAtt": {"Fn::GetAtt": ["Stack", "Outputs.Name"]},
        "ListAtt": {"Fn::GetAtt": ["Queue", "QueueName"]},
        "Sub": {"Fn::Sub": "${AWS::StackName}-x"},
        "SubVars": {"Fn::Sub": ["${A}-y", {"A": {"Ref": "Stage"}}]},
        "If": {"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]},
        "Join": {"Fn::Join": [",", ["a", "b"]]},
        "Select": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
        "Split": {"Fn::Split": [",", "a,b"]},
        "Find": {"Fn::FindInMap": ["Map", {"Ref": "AWS::Region"}, "Key"]},
        "B64": {"Fn::Base64": "hello"},
        "Cidr": {"Fn::Cidr": ["10.0.0.0/16", 2, 8]},
        "Import": {"Fn::ImportValue": "shared-vpc"},
    }


def test_duplicate_keys_are_an_error() -> None:
    # GIVEN a mapping with a repeated key (CloudFormation rejects it; plain YAML keeps the last one)
    # WHEN loaded / THEN it fails, naming the key
    with pytest.raises(DuplicateKeyError, match="Queue"):
        loads_template("Resources:\n  Queue: {}\n  Queue: {}\n")


def test_get_att_without_attribute_is_an_error() -> None:
    # GIVEN `!GetAtt` without a dot / WHEN loaded / THEN it fails instead of producing a broken reference
    with pytest.raises(Exception, match="GetAtt"):
        loads_template("A: !GetAtt Queue\n")


def test_load_template_reads_a_file(tmp_path: Path) -> None:
    # GIVEN a template file / WHEN loaded by path / THEN it parses like the text
    path = tmp_path / "template.yaml"
    path.write_text("Outputs:\n  Url:\n    Value: !Ref Queue\n", encoding="utf-8")
    assert load_template(path) == {"Outputs": {"Url": {"Value": {"Ref": "Queue"}}}}


def test_a_template_must_be_a_mapping() -> None:
    # GIVEN YAML that is a list / WHEN loaded as a template / THEN it is refused
    with pytest.raises(ValueError, match="mapping"):
        loads_template("- a\n- b\n")
