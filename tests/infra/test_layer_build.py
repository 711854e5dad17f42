"""infra/layer/Makefile: how `sam build` builds SharedLayer (the pinned wheels and shared/, compiled once).

The install of the pinned wheels needs PyPI and is measured by `python -m bench deployed`; here the build runs with
no requirements, so that the rest (what lands in the layer and how it is compiled) is checked offline.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAKEFILE = ROOT / "infra" / "layer" / "Makefile"
PYC_UNCHECKED_HASH = 0b01
"""PEP 552 flags: hash-based, not checked against the source (what Lambda's read-only file system needs)."""


def _make_layer(scratch: Path, artifacts: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """`make build-SharedLayer` as sam build runs it: in the scratch copy, with ARTIFACTS_DIR set."""
    return subprocess.run(  # noqa: S603
        ["make", "--silent", "--makefile", str(MAKEFILE), "build-SharedLayer"],  # noqa: S607
        cwd=scratch,
        capture_output=True,
        text=True,
        env={**os.environ, "ARTIFACTS_DIR": str(artifacts), "PYTHON": sys.executable, **variables},
        check=False,
    )


@pytest.fixture(scope="module")
def built_layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # As sam build does: a scratch copy of the layer's ContentUri (shared/, with whatever caches a checkout has) is
    # the working directory, and ARTIFACTS_DIR names where the layer goes.
    work = tmp_path_factory.mktemp("layer")
    scratch = shutil.copytree(ROOT / "shared", work / "scratch")
    (scratch / "__pycache__").mkdir(exist_ok=True)
    (scratch / "__pycache__" / "stale.cpython-312.pyc").write_bytes(b"not bytecode")
    (work / "no-requirements.txt").write_text("# the wheels are installed by sam build (needs PyPI)\n")
    result = _make_layer(
        scratch,
        work / "artifacts",
        LAYER_PYTHON_VERSION=f"{sys.version_info.major}.{sys.version_info.minor}",
        REQUIREMENTS=str(work / "no-requirements.txt"),
    )
    assert result.returncode == 0, result.stderr
    return work / "artifacts" / "python"


def test_the_layer_holds_the_shared_package_under_python_without_checkout_leftovers(built_layer: Path) -> None:
    # GIVEN the layer built from a copy of shared/ that carried a stale cache
    # WHEN its files are listed
    sources = {p.relative_to(built_layer).as_posix() for p in built_layer.rglob("*.py")}
    # THEN every module of shared/ is at python/shared/... (Lambda's /opt/python), and nothing else of the checkout
    expected = {f"shared/{p.relative_to(ROOT / 'shared').as_posix()}" for p in (ROOT / "shared").rglob("*.py")}
    assert sources == expected
    assert not (built_layer / "shared" / "requirements.txt").exists()
    assert not list(built_layer.rglob("stale*"))


def test_every_module_is_compiled_once_with_bytecode_that_never_checks_its_source(built_layer: Path) -> None:
    # GIVEN the built layer
    tag = sys.implementation.cache_tag
    for source in built_layer.rglob("*.py"):
        # WHEN each module's cached bytecode is read
        compiled = Path(importlib.util.cache_from_source(str(source)))
        # THEN it is there, for this interpreter, and unchecked-hash: a zip round trip cannot make it stale
        assert compiled.name.endswith(f".{tag}.pyc"), source
        header = compiled.read_bytes()[:16]
        assert header[:4] == importlib.util.MAGIC_NUMBER, source
        assert int.from_bytes(header[4:8], "little") == PYC_UNCHECKED_HASH, source


def test_the_layer_imports_from_its_bytecode_where_nothing_can_be_written(built_layer: Path) -> None:
    # GIVEN the built layer, one source replaced by code that fails: only its bytecode can import cleanly
    for source in (built_layer / "shared").rglob("text.py"):
        source.write_text("raise ImportError('the source was compiled again instead of using the .pyc')\n")
    # WHEN a fresh interpreter that may not write bytecode imports a module of it
    result = subprocess.run(
        [sys.executable, "-S", "-c", "import shared.domain.text, sys; print(shared.domain.text.__cached__)"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(built_layer), "PYTHONDONTWRITEBYTECODE": "1", "PATH": os.environ.get("PATH", "")},
        check=False,
    )
    # THEN the compiled module is used as it is
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(f"text.{sys.implementation.cache_tag}.pyc")


def test_the_build_refuses_a_python_other_than_the_runtimes(tmp_path: Path) -> None:
    # GIVEN a build asked for another Python than the one running it (its bytecode would be ignored on Lambda)
    scratch = shutil.copytree(ROOT / "shared", tmp_path / "scratch")
    # WHEN it runs
    result = _make_layer(scratch, tmp_path / "out", LAYER_PYTHON_VERSION="2.7")
    # THEN it stops before installing anything, and says why
    assert result.returncode != 0
    assert "compiled for Python 2.7" in result.stderr
    assert not (tmp_path / "out").exists()
