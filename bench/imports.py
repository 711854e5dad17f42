"""Cold import time of each handler module in a fresh interpreter, against a bare `import boto3` in the same run."""

from __future__ import annotations

import statistics
import subprocess
import sys

MODULES = ("functions.fetcher.app", "functions.processor.app", "functions.notifier.app")
RUNS = 5


def _import_seconds(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    timings = []
    for _ in range(RUNS):
        output = subprocess.run(  # noqa: S603 (our own interpreter and module names)
            [sys.executable, "-X", "frozen_modules=on", "-c", code], capture_output=True, text=True, check=True
        )
        timings.append(float(output.stdout.strip()))
    return statistics.median(timings)


def cold_imports() -> dict[str, float]:
    baseline = _import_seconds("boto3")
    return {"boto3": baseline, **{module: _import_seconds(module) for module in MODULES}}
