"""Deployment size: each function's and the layer's zipped size after `sam build`."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

BUILD = Path(__file__).resolve().parent.parent / ".aws-sam" / "build"
ARTIFACTS = ("SharedLayer", "FetcherFunction", "ProcessorFunction", "NotifierFunction")


def zipped_sizes() -> dict[str, int] | None:
    """Artifact → bytes once zipped (as SAM uploads it), or None when there is no build (`make build`)."""
    if not BUILD.exists():
        return None
    sizes = {}
    for artifact in ARTIFACTS:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted((BUILD / artifact).rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(BUILD / artifact))
        sizes[artifact] = buffer.tell()
    return sizes
