"""cfn-lint finds nothing in template.yaml nor in its SAM translation (only the translation shows SAM's resources)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.codegen.template_check import TEMPLATE, lint_template, lint_translation

pytestmark = pytest.mark.cfnlint  # ~2 s per lint run; the translation is shared through a session fixture


def test_template_has_no_cfn_lint_findings() -> None:
    # GIVEN the SAM template / WHEN cfn-lint checks it / THEN there are no findings
    findings = lint_template(TEMPLATE.read_text(encoding="utf-8"))
    assert [str(finding) for finding in findings] == []


def test_translation_has_no_cfn_lint_findings(translation: dict[str, Any]) -> None:
    # GIVEN the template translated by SAM, offline / WHEN cfn-lint checks the CloudFormation / THEN no findings
    findings = lint_translation(translation)
    assert [str(finding) for finding in findings] == []


def test_lint_of_the_translation_catches_what_the_template_lint_cannot(translation: dict[str, Any]) -> None:
    # GIVEN a translation whose queue times out before its consumer does
    broken = {**translation, "Resources": dict(translation["Resources"])}
    queue = broken["Resources"]["RawRecordsQueue"]
    broken["Resources"]["RawRecordsQueue"] = {**queue, "Properties": {**queue["Properties"], "VisibilityTimeout": 10}}
    # WHEN it is linted
    findings = lint_translation(broken)
    # THEN cfn-lint reports it (a guard that the check really runs rules on the translation)
    assert any(f.rule == "E3505" and "RawRecordsQueue" in f.location for f in findings), findings
