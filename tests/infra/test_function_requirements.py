"""Each function's folder has a requirements.txt that installs nothing (issue #16): without one, `sam build` warns
"requirements.txt file not found" for every function; the functions' packages all come from SharedLayer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.infra.helpers import resources_of_type

ROOT = Path(__file__).resolve().parents[2]


def _function_requirements(template: dict[str, Any]) -> list[Path]:
    functions = resources_of_type(template, "AWS::Serverless::Function")
    return [ROOT / str(function["Properties"]["CodeUri"]) / "requirements.txt" for function in functions.values()]


def test_every_function_has_a_requirements_file_that_requires_nothing(template: dict[str, Any]) -> None:
    # GIVEN the folder of every function in the template
    requirements = _function_requirements(template)
    assert len(requirements) >= 5
    for path in requirements:
        # THEN sam build finds a requirements.txt there, and it names no package (the layer has them all)
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        assert [line for line in lines if line and not line.startswith("#")] == [], path


def test_pip_downloads_nothing_for_them_and_needs_no_index(template: dict[str, Any], tmp_path: Path) -> None:
    # WHEN pip is run on them as sam build's python_pip workflow runs it (`pip download -r FILE --dest DIR`), offline
    arguments = [argument for path in _function_requirements(template) for argument in ("-r", str(path))]
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "pip", "download", *arguments, "--dest", str(tmp_path), "--no-index", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    # THEN it succeeds with nothing downloaded
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []
