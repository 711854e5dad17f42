"""The `deptwatch` command (see infra.cli.main)."""

from infra.cli.main import main

__all__ = ["main"]
