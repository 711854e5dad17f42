"""Generate the per-department SNS topics, their access policy and their outputs in template.yaml from the registry.

The department registry is the one source of truth; the template holds one `AWS::SNS::Topic` per department
between marker comments, one `AWS::SNS::TopicPolicy` covering every one of them (publishing only by the notifier's
role, only over TLS), and one `<LogicalId>Arn` output per topic. Only the text between the markers is replaced, so
the rest of the hand-written template (comments, order, formatting) stays as it is. Usage:

    python -m infra.codegen.template_topics          # exit 1 when template.yaml is stale
    python -m infra.codegen.template_topics --write  # regenerate the blocks
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from infra.cli.watch_topics import ACCOUNT_TOPIC_ACTIONS
from shared.domain.departments import DEPARTMENTS, Department

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"

TOPICS_BLOCK = "department topics"
POLICY_BLOCK = "department topic policy"
OUTPUTS_BLOCK = "department topic outputs"

TOPIC_POLICY_ID = "DepartmentTopicsPolicy"
NOTIFIER_ROLE_ID = "NotifierRole"
"""The only principal that may publish to a department topic (the notifier's execution role, in the template)."""

DISPLAY_NAME_MAX = 100  # SNS DisplayName limit; it is the "From" name of email notifications
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SLUG_MAX = 127  # topic name "<stack name, at most 128>-<slug>" must fit SNS's 256 characters
# Short forms for the email "From" name, applied in order.
_ABBREVIATIONS = (("Department", "Dept"), (" and ", " & "))


class TemplateMarkerError(ValueError):
    """The template's generated-block markers are missing, repeated or out of order."""


def topic_logical_id(slug: str) -> str:
    """`department-for-education` -> `TopicDepartmentForEducation` (letters and digits only)."""
    if not _SLUG.match(slug):
        raise ValueError(f"department slug {slug!r} must be lower-case letters and digits separated by single hyphens")
    return "Topic" + "".join(part[:1].upper() + part[1:] for part in slug.split("-"))


def output_name(slug: str) -> str:
    """The stack output that holds the topic's ARN: `<LogicalId>Arn`."""
    return f"{topic_logical_id(slug)}Arn"


def display_name(name: str) -> str:
    """A short form of a department name, at most 100 characters (cut at a word boundary if it must be)."""
    short = " ".join(name.split())
    for long, abbreviation in _ABBREVIATIONS:
        short = short.replace(long, abbreviation)
    if len(short) > DISPLAY_NAME_MAX:
        cut = short[: DISPLAY_NAME_MAX - 3].rsplit(" ", 1)[0].rstrip(" ,;:-&")
        short = cut + "..."
    return short


def _quoted(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value)


def _validated(departments: Iterable[Department]) -> list[Department]:
    ordered = sorted(departments, key=lambda d: d.slug)
    seen: dict[str, str] = {}
    for department in ordered:
        if len(department.slug) > _SLUG_MAX:
            raise ValueError(f"department slug {department.slug!r} is longer than {_SLUG_MAX} characters")
        logical_id = topic_logical_id(department.slug)
        if logical_id in seen:
            raise ValueError(f"slugs {seen[logical_id]!r} and {department.slug!r} both give logical id {logical_id}")
        seen[logical_id] = department.slug
    return ordered


def render_topics(departments: Iterable[Department], indent: str = "  ") -> str:
    """The `Resources` block: one encrypted, tagged topic per department, sorted by slug."""
    lines: list[str] = []
    for department in _validated(departments):
        slug = department.slug
        lines += [
            f"{topic_logical_id(slug)}:",
            "  Type: AWS::SNS::Topic",
            "  Properties:",
            f"    TopicName: !Sub {_quoted('${AWS::StackName}-' + slug)}",
            f"    DisplayName: {_quoted(display_name(department.name))}",
            "    KmsMasterKeyId: alias/aws/sns",
            "    Tags:",
            "      - Key: department",
            f"        Value: {_quoted(slug)}",
        ]
    return "".join(f"{indent}{line}\n" for line in lines)


def render_topic_policy(departments: Iterable[Department], indent: str = "  ") -> str:
    """The `Resources` block: one `AWS::SNS::TopicPolicy` attached to every department topic.

    It replaces SNS's default policy: the account may still manage the topics and subscribe to them, but nobody may
    publish without TLS, and nobody but the notifier's role may publish at all (a Deny, so that no identity policy in
    the account, nor another stack's notifier matching `<stack>-*`, can grant it).
    """
    logical_ids = [topic_logical_id(department.slug) for department in _validated(departments)]
    topics = [f"      - !Ref {logical_id}" for logical_id in logical_ids]
    resources = [f"            - !Ref {logical_id}" for logical_id in logical_ids]
    lines = [
        f"{TOPIC_POLICY_ID}:",
        "  Type: AWS::SNS::TopicPolicy",
        "  Properties:",
        "    Topics:",
        *topics,
        "    PolicyDocument:",
        '      Version: "2012-10-17"',
        "      Statement:",
        "        - Sid: AccountManagesAndSubscribes",
        "          Effect: Allow",
        "          Principal:",
        '            AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"',
        "          Action:",
        *(f"            - {action}" for action in ACCOUNT_TOPIC_ACTIONS),
        "          Resource:",
        *resources,
        "        - Sid: DenyPublishWithoutTls",
        "          Effect: Deny",
        '          Principal: "*"',
        "          Action: sns:Publish",
        "          Resource:",
        *resources,
        "          Condition:",
        "            Bool:",
        '              aws:SecureTransport: "false"',
        "        - Sid: OnlyTheNotifierPublishes",
        "          Effect: Deny",
        '          Principal: "*"',
        "          Action: sns:Publish",
        "          Resource:",
        *resources,
        "          Condition:",
        "            ArnNotEquals:",
        f"              aws:PrincipalArn: !GetAtt {NOTIFIER_ROLE_ID}.Arn",
    ]
    return "".join(f"{indent}{line}\n" for line in lines)


def render_outputs(departments: Iterable[Department], indent: str = "  ") -> str:
    """The `Outputs` block: `<LogicalId>Arn` per topic, described by the department's name."""
    lines: list[str] = []
    for department in _validated(departments):
        lines += [
            f"{output_name(department.slug)}:",
            f"  Description: {_quoted(' '.join(department.name.split()))}",
            f"  Value: !Ref {topic_logical_id(department.slug)}",
        ]
    return "".join(f"{indent}{line}\n" for line in lines)


@dataclass(frozen=True)
class _Block:
    label: str
    render: Callable[[Iterable[Department], str], str]


BLOCKS = (
    _Block(TOPICS_BLOCK, render_topics),
    _Block(POLICY_BLOCK, render_topic_policy),
    _Block(OUTPUTS_BLOCK, render_outputs),
)


def _marker(kind: str, label: str) -> re.Pattern[str]:
    return re.compile(rf"^(?P<indent>[ \t]*)# {kind} generated: {re.escape(label)}(?:[ \t].*)?$")


def replace_block(text: str, label: str, body: Callable[[str], str]) -> str:
    """Replace the lines between `# BEGIN generated: <label>` and `# END generated: <label>` with `body(indent)`."""
    lines = text.splitlines(keepends=True)
    found = {}
    for kind in ("BEGIN", "END"):
        pattern = _marker(kind, label)
        hits = [(i, m) for i, line in enumerate(lines) if (m := pattern.match(line.rstrip("\r\n")))]
        if len(hits) != 1:
            raise TemplateMarkerError(f"expected exactly one '# {kind} generated: {label}' line, found {len(hits)}")
        found[kind] = hits[0]
    (begin, begin_match), (end, _) = found["BEGIN"], found["END"]
    if end < begin:
        raise TemplateMarkerError(f"'# END generated: {label}' comes before its BEGIN marker")
    return "".join(lines[: begin + 1]) + body(begin_match["indent"]) + "".join(lines[end:])


def render_template(text: str, departments: Iterable[Department] = DEPARTMENTS) -> str:
    """The template text with every generated block regenerated from `departments`."""
    registry = tuple(departments)
    for block in BLOCKS:
        text = replace_block(text, block.label, functools.partial(_render_block, block, registry))
    return text


def _render_block(block: _Block, departments: tuple[Department, ...], indent: str) -> str:
    return block.render(departments, indent)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.codegen.template_topics", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--write", action="store_true", help="rewrite the generated blocks of template.yaml")
    parser.add_argument("--template", type=Path, default=TEMPLATE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    current = args.template.read_text(encoding="utf-8")
    expected = render_template(current)
    if current == expected:
        print(f"{args.template.name}: department topics are up to date ({len(DEPARTMENTS)} departments)")
        return 0
    if args.write:
        args.template.write_text(expected, encoding="utf-8")
        print(f"{args.template.name}: regenerated {len(DEPARTMENTS)} department topics, their policy and outputs")
        return 0
    print(
        f"{args.template.name} is stale: its department topics differ from shared/departments.py; "
        "run `python -m infra.codegen.template_topics --write` (make template)",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
