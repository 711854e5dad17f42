"""The notifier loads Powertools' batch utility only for a batch in which some record failed.

The batch package imports asyncio, its async processors and every Powertools event class: about a tenth of
`import boto3` on each cold start (`python -m bench imports`). The processor needs it on every batch (its
RecordProcessor is a BatchProcessor); the notifier only to report failed records.
"""

from __future__ import annotations

import subprocess
import sys


def test_the_notifier_cold_start_loads_no_batch_utility_and_no_asyncio() -> None:
    # GIVEN a fresh interpreter, as at a Lambda cold start
    code = "import sys, functions.notifier.app; print('\\n'.join(sys.modules))"
    # WHEN the notifier's handler module is imported
    loaded = set(
        subprocess.run(  # noqa: S603 (our own interpreter and module name)
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    # THEN neither the batch utility nor asyncio has been loaded
    assert "functions.notifier.app" in loaded
    assert {m for m in loaded if m.startswith(("aws_lambda_powertools.utilities.batch", "asyncio"))} == set()
