"""Deployment size: each function's and the layer's zipped size after `sam build`."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

BUILD = Path(__file__).resolve().parent.parent / ".aws-sam" / "build"


def zipped_sizes() -> dict[str, tuple[int, int]] | None:
    """Artifact → (bytes once zipped, as SAM uploads it; bytes unzipped), or None when there is no build."""
    if not BUILD.exists():
        return None
    sizes = {}
    # Every artifact SAM built (the layer and each function), so a new function is measured without a list to keep.
    for artifact in sorted(path.name for path in BUILD.iterdir() if path.is_dir()):
        buffer = io.BytesIO()
        files = sorted(path for path in (BUILD / artifact).rglob("*") if path.is_file())
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, path.relative_to(BUILD / artifact))
        sizes[artifact] = (buffer.tell(), sum(path.stat().st_size for path in files))
    return sizes
