"""shared/requirements.txt (what `sam build` installs into the layer) is generated from pyproject.toml."""

from __future__ import annotations

from infra.codegen.requirements import REQUIREMENTS, render, runtime_dependencies, unpinned


def test_layer_requirements_are_not_stale() -> None:
    # GIVEN pyproject.toml's runtime dependencies
    dependencies = runtime_dependencies()
    # WHEN shared/requirements.txt is rendered from them
    expected = render(dependencies)
    # THEN the committed file is exactly that (otherwise: `make requirements`)
    assert REQUIREMENTS.read_text(encoding="utf-8") == expected, "stale: run `make requirements`"


def test_runtime_dependencies_are_pinned_and_include_boto3() -> None:
    # GIVEN the runtime dependencies / WHEN checked / THEN each pins one version, boto3 among them (Lambda's is older)
    dependencies = runtime_dependencies()
    assert unpinned(dependencies) == []
    assert any(d.startswith("boto3==") for d in dependencies)


def test_unpinned_spots_ranges_but_not_markers() -> None:
    # GIVEN requirement strings with ranges and with environment markers
    # WHEN checked / THEN ranges are flagged and a pinned requirement with a marker is not
    requirements = ["a>=1", "b==1,<2", "c", "d~=1.0", "e==1; python_version < '3.13'"]
    assert unpinned(requirements) == ["a>=1", "b==1,<2", "c", "d~=1.0"]
