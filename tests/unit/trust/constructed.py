"""The constructed real-data responses of tests/constructed/ (see its README: built from issue #11, not fetched)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CONSTRUCTED = Path(__file__).resolve().parents[2] / "constructed"


def constructed(name: str) -> Any:
    """A fresh copy of one constructed response body: `constructed("written-statements/real_shapes_list.json")`."""
    return json.loads((CONSTRUCTED / name).read_text(encoding="utf-8"))
