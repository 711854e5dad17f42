"""Fixtures for the template tests: the SAM template and its offline SAM translation, each built once per session."""

from __future__ import annotations

from typing import Any

import pytest

from infra.cfn_template import load_template
from infra.codegen.template_check import TEMPLATE, sam_translate


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "cfnlint: runs cfn-lint on template.yaml and its SAM translation (a few seconds; -m 'not cfnlint')"
    )


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    """template.yaml in long form (`{"Ref": ...}`), as written: SAM resources, Globals not merged."""
    return load_template(TEMPLATE)


@pytest.fixture(scope="session")
def translation(template: dict[str, Any]) -> dict[str, Any]:
    """The plain CloudFormation SAM makes of template.yaml: Globals merged, roles and event source mappings added."""
    return sam_translate(template)
