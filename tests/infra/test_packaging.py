"""What `pip install .` gives: a `deptwatch` whose deployed-stack commands need no moto, and a local extra that ships
what the offline demo serves."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from infra.local.replay import RECORDED
from infra.local.stack import TEMPLATE

ROOT = Path(__file__).resolve().parents[2]
WITHOUT_LOCAL_EXTRA = (
    "import sys\n"
    "for name in ('moto', 'cfnlint', 'yaml'):\n"
    "    sys.modules[name] = None  # importing it now fails, as when it is not installed\n"
    "from infra.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def deptwatch_without_local_extra(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", WITHOUT_LOCAL_EXTRA, *arguments],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "arguments",
    [
        ("departments",),
        ("departments", "--json"),
        ("departments", "--help"),
        ("topics", "--help"),
        ("subscribe", "--help"),
        ("dlq", "--help"),
        ("--help",),
    ],
)
def test_the_product_commands_work_without_the_local_extra(arguments: tuple[str, ...]) -> None:
    # GIVEN moto, cfn-lint and PyYAML unimportable / WHEN a deployed-stack or registry command runs
    result = deptwatch_without_local_extra(*arguments)
    # THEN it works
    assert result.returncode == 0, result.stderr
    assert result.stdout


@pytest.mark.parametrize("command", ["run", "ingest"])
def test_the_local_commands_without_the_extra_say_what_to_install(command: str) -> None:
    # GIVEN moto unimportable / WHEN a local-stack command runs
    arguments = ["run", "--offline"] if command == "run" else ["ingest", "--source", "written-questions", "x.json"]
    result = deptwatch_without_local_extra(*arguments)
    # THEN it fails with one line naming the extra, exit status 2
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "pip install 'deptwatch[local]'" in result.stderr


def _package_data(package: str) -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["setuptools"]["package-data"][package])


def test_the_local_package_ships_the_template_and_every_recording() -> None:
    # GIVEN the package data declared for infra.local
    package = ROOT / "infra" / "local"
    shipped = {path for pattern in _package_data("infra.local") for path in package.glob(pattern)}
    # THEN it names template.yaml and every recording with its provenance README (a wheel copies the linked file)
    recordings = {path for path in RECORDED.rglob("*") if path.is_file() and path.suffix in (".json", ".md")}
    assert len(recordings) > 20
    assert recordings <= shipped
    assert TEMPLATE in shipped
    assert TEMPLATE.resolve() == (ROOT / "template.yaml").resolve()
    # AND the recordings live inside the package, not in tests/
    assert RECORDED.is_relative_to(package)


def test_the_extras_split_product_from_local_stack() -> None:
    # GIVEN pyproject's dependencies
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    # THEN moto, cfn-lint and tqdm (local progress) are in the local extra only, and dev includes the local extra
    assert not [d for d in project["dependencies"] if d.startswith(("moto", "cfn-lint", "pyyaml", "tqdm"))]
    local = {d.split("[")[0].split("=")[0] for d in project["optional-dependencies"]["local"]}
    assert local == {"moto", "cfn-lint", "tqdm"}
    assert "deptwatch[local]" in project["optional-dependencies"]["dev"]
