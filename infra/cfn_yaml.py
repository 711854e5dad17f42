"""Load a CloudFormation/SAM YAML template into plain dicts, short-form tags turned into their long form.

`!Ref X` becomes `{"Ref": "X"}`, `!GetAtt A.B` becomes `{"Fn::GetAtt": ["A", "B"]}`, `!Sub "..."` becomes
`{"Fn::Sub": "..."}` and so on: the same shape as the template's JSON form, which is what CloudFormation, the SAM
translator, cfn-lint and moto's CloudFormation all understand.

Two YAML 1.1 habits that CloudFormation does not share are switched off: unquoted dates stay strings
(`AWSTemplateFormatVersion: 2010-09-09`), and a key repeated in one mapping is an error instead of "last one wins".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# Short-form tag -> long-form key. `!Ref` and `!Condition` keep their bare names; the rest are `Fn::<Name>`.
_BARE = ("Ref", "Condition")
_FUNCTIONS = (
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Length",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
    "Transform",
)


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping repeats a key: CloudFormation rejects such a template, PyYAML would silently keep the last value."""


class CfnYamlLoader(yaml.SafeLoader):
    """SafeLoader plus CloudFormation's short-form intrinsic functions."""


# No implicit timestamps: `2010-09-09` is a string to CloudFormation.
CfnYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_node(loader: CfnYamlLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


def _long_form(key: str):
    def construct(loader: CfnYamlLoader, node: yaml.Node) -> dict[str, Any]:
        return {key: _construct_node(loader, node)}

    return construct


def _construct_get_att(loader: CfnYamlLoader, node: yaml.Node) -> dict[str, Any]:
    value = _construct_node(loader, node)
    if isinstance(value, str):
        # Split on the first dot only: `!GetAtt Stack.Outputs.Name` is ["Stack", "Outputs.Name"].
        resource, dot, attribute = value.partition(".")
        if not dot or not resource or not attribute:
            raise yaml.constructor.ConstructorError(
                None, None, f"!GetAtt needs 'Resource.Attribute', got {value!r}", node.start_mark
            )
        value = [resource, attribute]
    return {"Fn::GetAtt": value}


def _construct_mapping_without_duplicates(loader: CfnYamlLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise DuplicateKeyError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r} (first at line {seen[key].start_mark.line + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node
    return loader.construct_mapping(node, deep=True)


for _name in _BARE:
    CfnYamlLoader.add_constructor(f"!{_name}", _long_form(_name))
for _name in _FUNCTIONS:
    CfnYamlLoader.add_constructor(f"!{_name}", _long_form(f"Fn::{_name}"))
CfnYamlLoader.add_constructor("!GetAtt", _construct_get_att)
CfnYamlLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping_without_duplicates)


def loads_template(text: str) -> dict[str, Any]:
    """Parse template text (YAML or JSON) into long-form dicts."""
    template = yaml.load(text, Loader=CfnYamlLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(template, dict):
        raise ValueError("a CloudFormation template must be a mapping at the top level")
    return template


def load_template(path: str | Path) -> dict[str, Any]:
    """Read a CloudFormation/SAM template file into long-form dicts."""
    return loads_template(Path(path).read_text(encoding="utf-8"))
