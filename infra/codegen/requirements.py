"""Generate shared/requirements.txt, the layer's pinned runtime requirements, from pyproject.toml.

`sam build` installs the shared layer's third-party packages from `shared/requirements.txt`; the single source of truth
is `[project].dependencies` in pyproject.toml. Usage:

    python -m infra.codegen.requirements          # exit 1 when shared/requirements.txt is stale
    python -m infra.codegen.requirements --write  # regenerate it
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
REQUIREMENTS = ROOT / "shared" / "requirements.txt"

HEADER = (
    "# GENERATED from [project].dependencies in pyproject.toml by `python -m infra.codegen.requirements --write`"
    " (make requirements).\n"
    "# Do not edit: change pyproject.toml and regenerate. `sam build` installs these into the SharedLayer.\n"
)


def runtime_dependencies(pyproject: Path = PYPROJECT) -> list[str]:
    """The `[project].dependencies` of a pyproject.toml, in their declared order."""
    with pyproject.open("rb") as f:
        data = tomllib.load(f)
    dependencies = data.get("project", {}).get("dependencies", [])
    if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
        raise ValueError(f"{pyproject}: [project].dependencies must be a list of strings")
    return [d.strip() for d in dependencies]


def unpinned(dependencies: list[str]) -> list[str]:
    """The requirements that do not pin one exact version (the layer must be reproducible)."""
    specs = {d: d.split(";", 1)[0] for d in dependencies}  # ignore environment markers
    return [d for d, spec in specs.items() if "==" not in spec or any(op in spec for op in ("<", ">", "~", "!", ","))]


def render(dependencies: list[str]) -> str:
    return HEADER + "".join(f"{d}\n" for d in dependencies)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.codegen.requirements", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite {REQUIREMENTS.relative_to(ROOT)}")
    args = parser.parse_args(argv)

    dependencies = runtime_dependencies()
    loose = unpinned(dependencies)
    if loose:
        print(f"pyproject.toml: runtime dependencies must be pinned with '==': {', '.join(loose)}", file=sys.stderr)
        return 2
    expected = render(dependencies)
    current = REQUIREMENTS.read_text(encoding="utf-8") if REQUIREMENTS.exists() else None
    target = REQUIREMENTS.relative_to(ROOT)
    if current == expected:
        print(f"{target} is up to date")
        return 0
    if args.write:
        REQUIREMENTS.write_text(expected, encoding="utf-8")
        print(f"wrote {target}")
        return 0
    print(f"{target} is stale: run `python -m infra.codegen.requirements --write` (make requirements)", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
