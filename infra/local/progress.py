"""Progress of a long local run on stderr (`deptwatch run --since …`, `ingest` of a large file): records processed
of those queued, new versions stored, notifications delivered, with tqdm's rate and ETA.

tqdm rather than rich: a progress bar is all that is needed, and tqdm is that alone (one package, no dependencies,
~0.1 s to import); rich is a whole terminal-rendering library. It ships with the `local` extra only: the Lambda layer
never shows progress.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager, nullcontext
from typing import Any


class Progress:
    """A bar of records processed, with what was stored and delivered; nothing at all when `enabled` is False (stderr
    not a terminal, or `--quiet`)."""

    def __init__(self, enabled: bool) -> None:
        self._bar: Any = None
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=0, unit="record", desc="processed", file=sys.stderr, dynamic_ncols=True)

    @staticmethod
    def wanted(quiet: bool) -> bool:
        return not quiet and sys.stderr.isatty()

    def queued(self, count: int) -> None:
        if self._bar is not None:
            self._bar.total += count
            self._bar.refresh()

    def show(self, processed: int, stored: int, delivered: int, withheld: int) -> None:
        if self._bar is None:
            return
        self._bar.update(processed - self._bar.n)
        quiet = f", withheld {withheld}" if withheld else ""
        self._bar.set_postfix_str(f"stored {stored}, notified {delivered}{quiet}")

    def aside(self) -> AbstractContextManager[Any]:
        """Write to the terminal (the results) without breaking the bar."""
        if self._bar is None:
            return nullcontext()
        from tqdm import tqdm

        return tqdm.external_write_mode(file=sys.stderr)  # type: ignore[no-any-return]

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
