"""Handlers of the small test template in test_local_stack.py: each reports what it saw."""

from __future__ import annotations

import os
from typing import Any

from shared.container import per_container

builds: list[str] = []


@per_container
def _client() -> str:
    builds.append(os.environ.get("GREETING", ""))
    return f"client-{len(builds)}"


def report(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {
        "function": context.function_name,
        "greeting": os.environ.get("GREETING"),
        "shared": os.environ.get("SHARED"),
        "client": _client(),
        "event": event,
    }
