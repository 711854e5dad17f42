"""`deptwatch ingest` of synthetic written questions on the local stack: does its cost grow linearly with the file?"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import time
from pathlib import Path

from bench.synthetic import written_questions


def ingest_seconds(count: int) -> dict[str, float]:
    """Wall and CPU seconds of one `deptwatch ingest --json` of `count` new questions (one file), in this process.

    CPU time is the figure to compare: this machine is shared, and wall time moves with its load.
    """
    from infra.cli import main

    records = written_questions(count)
    body = {"totalResults": count, "results": [{"value": record, "links": []} for record in records]}
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"questions_{count}.json"
        path.write_text(json.dumps(body), encoding="utf-8")
        out = io.StringIO()
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                code = main(["ingest", "--source", "written-questions", "--json", "--quiet", str(path)])
        finally:
            os.environ.clear()
            os.environ.update(saved)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    delivered = out.getvalue().count("\n")
    if code != 0 or delivered != count:
        raise RuntimeError(f"ingest of {count} records exited {code} with {delivered} messages delivered")
    return {"records": count, "wall_seconds": wall, "cpu_seconds": cpu}
