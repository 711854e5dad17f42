"""`deptwatch run` end to end on a machine without network (issue #16: it must fail within 5 seconds).

The command runs as a user runs it, in a fresh interpreter; a sitecustomize on its PYTHONPATH makes every name lookup
fail at once, as on a machine with no DNS.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
NO_NAME_RESOLUTION = """import socket


def _no_name(*args, **kwargs):
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


socket.getaddrinfo = _no_name
"""


def offline_run_seconds(runs: int = RUNS) -> dict[str, float]:
    """Wall seconds of `deptwatch run` failing for want of network (median and slowest of `runs`); ValueError if it
    did not fail as it should (exit 2, the one sentence)."""
    timings = []
    with tempfile.TemporaryDirectory() as no_dns:
        Path(no_dns, "sitecustomize.py").write_text(NO_NAME_RESOLUTION)
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join([no_dns, str(ROOT)])}
        for _ in range(runs):
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "infra.cli", "run"], capture_output=True, text=True, cwd=ROOT, env=environment
            )
            timings.append(time.perf_counter() - started)
            if done.returncode != 2 or "(no network?)" not in done.stderr:
                raise ValueError(f"deptwatch run without network: exit {done.returncode}, {done.stderr[-300:]!r}")
    return {"median": statistics.median(timings), "slowest": max(timings)}
