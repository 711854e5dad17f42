"""What each handler module loads when Lambda imports it (cold start): only what that handler always needs.

Times are measured by `python -m bench imports deployed`; this checks the choices that keep them down.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

ALWAYS_LAZY = (
    "aws_xray_sdk",  # what Powertools' Tracer costs (~240 ms) even when tracing is off
    "aws_lambda_powertools.utilities.parser",  # Powertools' pydantic event models: we read raw events
    "aws_lambda_powertools.utilities.idempotency",
    "moto",
)
NOT_LOADED = {
    # The fetcher builds no item versions and renders nothing; httpx and tenacity load with its first poll.
    "functions.fetcher.app": ("httpx", "tenacity", "shared.domain.notification", "shared.render.email"),
    # The processor never talks to an upstream API and renders nothing.
    "functions.processor.app": ("httpx", "tenacity", "shared.domain.notification", "shared.render.email"),
    # The notifier renders, but reads no upstream API.
    "functions.notifier.app": ("httpx", "tenacity", "shared.pipeline.fetching"),
}


def _loaded_after_import(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sys.modules))"
    result = subprocess.run(  # noqa: S603 (our own interpreter and module names)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


@pytest.mark.parametrize("handler", sorted(NOT_LOADED))
def test_a_cold_start_loads_only_what_the_handler_always_needs(handler: str) -> None:
    # GIVEN a fresh interpreter, as at a Lambda cold start
    # WHEN the handler module is imported
    loaded = _loaded_after_import(handler)
    # THEN it is there, and none of the expensive modules it does not always need has been loaded
    assert handler in loaded
    unwanted = {name for name in loaded for package in (*ALWAYS_LAZY, *NOT_LOADED[handler]) if _within(name, package)}
    assert unwanted == set()
