"""Lint template.yaml and its SAM translation with cfn-lint, offline.

cfn-lint 1.x validates a SAM template against SAM's own schemas but no longer runs the SAM transform, so it cannot see
what SAM generates (event source mappings, roles, permissions). This module also translates the template with
aws-sam-translator, with no AWS call (a fixed region, local CodeUri/ContentUri rewritten to s3:// URIs, a static
managed-policy map), and lints the resulting CloudFormation as well. Usage:

    python -m infra.codegen.template_check [--region eu-west-2] [--template template.yaml]

Exit status follows cfn-lint's: 0 clean, 2 when there are errors, 4 when there are warnings, 6 for both.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from cfnlint.api import lint
from cfnlint.rules import Match
from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.parser.parser import Parser
from samtranslator.translator.arn_generator import ArnGenerator
from samtranslator.translator.translator import Translator

from infra.cfn_template import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
DEFAULT_REGION = "eu-west-2"  # London: where deptwatch is deployed
PLACEHOLDER_BUCKET = "deptwatch-template-check"

# Properties of SAM resources that point at local code or documents that `sam package` would upload.
_LOCAL_URI_PROPERTIES = ("CodeUri", "ContentUri", "DefinitionUri")

LEVELS = {"E": "error", "W": "warning", "I": "informational"}


@dataclass(frozen=True)
class Finding:
    """One cfn-lint match (or a SAM translation error) in the template or in its translation."""

    source: str  # "template" or "translation"
    rule: str  # cfn-lint rule id ("E3012") or "SAM" for a translation error
    level: str  # "error", "warning" or "informational"
    message: str
    location: str  # "line 12" for the template, the JSON path for the translation

    def __str__(self) -> str:
        return f"{self.source}: {self.level} {self.rule} at {self.location}: {self.message}"


class OfflineManagedPolicyLoader:
    """Stands in for `samtranslator`'s `ManagedPolicyLoader` without an IAM client.

    The translator first looks AWS managed policy names up in the map it bundles, and asks the loader only for names
    it does not know; answering from a static map keeps the translation offline (an unknown name stays as written,
    and cfn-lint then reports it as an invalid ARN).
    """

    def __init__(self, policy_map: Mapping[str, str] | None = None) -> None:
        self._policy_map = dict(policy_map or {})

    def load(self) -> dict[str, str]:
        return self._policy_map


def with_s3_code_uris(template: dict[str, Any]) -> dict[str, Any]:
    """A copy of a SAM template whose local CodeUri/ContentUri/DefinitionUri are s3:// URIs, as after `sam package`."""
    template = copy.deepcopy(template)
    sections = [resource.get("Properties") for resource in template.get("Resources", {}).values()]
    sections += list(template.get("Globals", {}).values())
    for properties in sections:
        if not isinstance(properties, dict):
            continue
        for name in _LOCAL_URI_PROPERTIES:
            value = properties.get(name)
            if isinstance(value, str) and not value.startswith("s3://"):
                properties[name] = f"s3://{PLACEHOLDER_BUCKET}/{value.strip('/') or 'root'}.zip"
    return template


@contextmanager
def _arn_region(region: str) -> Iterator[None]:
    # The translator keeps the session's region in a class attribute; restore it so translating is side-effect free.
    previous = ArnGenerator.BOTO_SESSION_REGION_NAME
    try:
        yield
    finally:
        ArnGenerator.BOTO_SESSION_REGION_NAME = previous


def sam_translate(
    template: dict[str, Any],
    region: str = DEFAULT_REGION,
    parameter_values: Mapping[str, Any] | None = None,
    policy_loader: OfflineManagedPolicyLoader | None = None,
) -> dict[str, Any]:
    """Translate a SAM template to plain CloudFormation, offline.

    This is `samtranslator.translator.transform.transform` with two differences: the region comes from an explicit
    boto3 session (transform() builds a default session, which needs AWS_DEFAULT_REGION in the environment), and the
    managed-policy loader is a static map instead of IAM's ListPolicies.
    Raises `samtranslator.model.exceptions.InvalidDocumentException` when SAM rejects the template.
    """
    loader = policy_loader or OfflineManagedPolicyLoader()
    with _arn_region(region):
        translator = Translator(
            managed_policy_map=None,
            sam_parser=Parser(),
            boto_session=boto3.session.Session(region_name=region),
        )
        return translator.translate(
            with_s3_code_uris(template),
            parameter_values=dict(parameter_values or {}),
            get_managed_policy_map=loader.load,
        )


def _lint(text: str, region: str) -> list[Match]:
    return lint(text, regions=[region])


def _finding(source: str, match: Match) -> Finding:
    rule_id = match.rule.id
    path = getattr(match, "path_string", "")  # set by most rules, e.g. "Resources/RawRecordsQueue/Properties/..."
    if source == "template":
        location = f"line {match.linenumber}" + (f" ({path})" if path else "")
    else:  # the translation is linted as one line of JSON: only the path means something
        location = path or "(template)"
    return Finding(source, rule_id, LEVELS.get(rule_id[:1], "error"), match.message, location)


def lint_template(text: str, region: str = DEFAULT_REGION) -> list[Finding]:
    """cfn-lint findings on the SAM template's text."""
    return [_finding("template", match) for match in _lint(text, region)]


def lint_translation(translation: dict[str, Any], region: str = DEFAULT_REGION) -> list[Finding]:
    """cfn-lint findings on a SAM translation (plain CloudFormation)."""
    return [_finding("translation", match) for match in _lint(json.dumps(translation), region)]


def check_template(template_path: Path = TEMPLATE, region: str = DEFAULT_REGION) -> list[Finding]:
    """cfn-lint findings on the SAM template and on its translation (SAM's own errors count as findings too)."""
    findings = lint_template(template_path.read_text(encoding="utf-8"), region)
    try:
        translation = sam_translate(load_template(template_path), region)
    except InvalidDocumentException as exc:
        causes = [Finding("translation", "SAM", "error", cause.message, "SAM transform") for cause in exc.causes]
        return findings + causes
    return findings + lint_translation(translation, region)


def exit_status(findings: list[Finding]) -> int:
    """cfn-lint's convention: 2 for errors, 4 for warnings, 8 for informational findings, added together."""
    levels = {finding.level for finding in findings}
    return (2 if "error" in levels else 0) + (4 if "warning" in levels else 0) + (8 if "informational" in levels else 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.codegen.template_check", description=__doc__.splitlines()[0])
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    parser.add_argument("--region", default=DEFAULT_REGION)
    args = parser.parse_args(argv)

    findings = check_template(args.template, args.region)
    for finding in findings:
        print(finding)
    print(f"{args.template.name}: {len(findings)} finding(s) on the template and its SAM translation ({args.region})")
    return exit_status(findings)


if __name__ == "__main__":
    sys.exit(main())
