"""Cold import time of each handler module in a fresh interpreter, against a bare `import boto3` in the same run.

Two settings:
- `cold_imports()`: this checkout's virtualenv, where Python has cached bytecode (the usual local figure);
- `cold_imports_as_deployed()`: the layer as `sam build` makes it (infra/layer/Makefile, built here for this machine's
  architecture), imported the way Lambda imports it: nothing can be written beside the sources. Once with the layer's
  compiled .pyc files, once without them (what SAM's own python3.12 builder ships: sources only).
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ("functions.fetcher.app", "functions.processor.app", "functions.notifier.app", "functions.digester.app")
FLOOR = "boto3 + pydantic (one model) + Powertools Logger, Metrics"
WITH_BATCH = "boto3 + Powertools Logger, Metrics, BatchProcessor + pydantic (one model)"
STACKS = {
    FLOOR: ("import boto3, aws_lambda_powertools.metrics, pydantic\nclass Model(pydantic.BaseModel):\n    value: int"),
    # In the order the processor imports them: Powertools' batch types load its parser models (every event's pydantic
    # model) only when pydantic is imported before them, which no handler does.
    WITH_BATCH: (
        "import boto3, aws_lambda_powertools.metrics, aws_lambda_powertools.utilities.batch, pydantic\n"
        "class Model(pydantic.BaseModel):\n    value: int"
    ),
}
"""What the handlers need before any of our code (pydantic builds its machinery with the first model), imported in the
handlers' order: the reference for our own share of each handler's import."""
STACK_OF = {
    "functions.fetcher.app": FLOOR,
    "functions.processor.app": WITH_BATCH,
    "functions.notifier.app": FLOOR,
    "functions.digester.app": FLOOR,
}
RUNS = 5


def _import_seconds(
    module: str, env: dict[str, str] | None = None, flags: tuple[str, ...] = (), runs: int = RUNS
) -> float:
    statement = STACKS.get(module, f"import {module}")
    # CPU time of the import, not wall time: on a shared machine, waiting for a core is not the import's cost.
    code = f"import time\nt = time.process_time()\n{statement}\nprint(time.process_time() - t)"
    timings = []
    for _ in range(runs):
        output = subprocess.run(  # noqa: S603 (our own interpreter and module names)
            [sys.executable, *flags, "-c", code], capture_output=True, text=True, check=True, env=env
        )
        timings.append(float(output.stdout.strip()))
    return min(timings)  # the least disturbed run: other load on the machine only ever adds time


def cold_imports(runs: int = RUNS) -> dict[str, float]:
    baseline = _import_seconds("boto3", runs=runs)
    return {"boto3": baseline, **{m: _import_seconds(m, runs=runs) for m in (*STACKS, *MODULES)}}


def build_layer(target: Path) -> Path:
    """SharedLayer built by infra/layer/Makefile as `sam build` runs it, for this machine; its python/ directory."""
    scratch = target / "scratch"
    shutil.copytree(ROOT / "shared", scratch, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(  # noqa: S603
        ["make", "--silent", "--makefile", str(ROOT / "infra/layer/Makefile"), "build-SharedLayer"],  # noqa: S607
        cwd=scratch,
        check=True,
        env={
            **os.environ,
            "ARTIFACTS_DIR": str(target / "layer"),
            "PYTHON": sys.executable,
            "LAYER_MACHINE": platform.machine(),
            # Bytecode for the Python measuring it (Lambda's is 3.12; the figure is about bytecode against sources).
            "LAYER_PYTHON_VERSION": f"{sys.version_info.major}.{sys.version_info.minor}",
        },
    )
    functions = target / "task"
    shutil.copytree(ROOT / "functions", functions / "functions", ignore=shutil.ignore_patterns("__pycache__"))
    return target / "layer" / "python"


def cold_imports_as_deployed() -> dict[str, dict[str, float]]:
    """Setting ("with .pyc", "sources only") → module (or STACKS key, or `boto3`) → seconds (fastest run)."""
    with tempfile.TemporaryDirectory(prefix="deptwatch-layer-") as directory:
        site = build_layer(Path(directory))
        # Lambda puts the function (/var/task) before the layer (/opt/python); nothing can be written there.
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": f"{Path(directory) / 'task'}{os.pathsep}{site}",
            "PYTHONDONTWRITEBYTECODE": "1",
            "AWS_DEFAULT_REGION": "eu-west-2",
        }
        # -S: no site-packages of this virtualenv, only the layer (as on Lambda, where boto3 comes from it too).
        flags = ("-S",)
        measured = ("boto3", *STACKS, *MODULES)
        results = {"with .pyc": {m: _import_seconds(m, env, flags) for m in measured}}
        for cached in site.rglob("__pycache__"):
            shutil.rmtree(cached)
        results["sources only"] = {m: _import_seconds(m, env, flags) for m in measured}
    return results
