"""shared/ points inward and has no import cycle, counting every import: those inside functions (a lazy import hides
a cycle from Python, not from the design) and those under TYPE_CHECKING (a cycle for the type checker is one for the
reader)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "shared"
PACKAGES = ("shared", "functions", "infra", "bench")
"""Every package of the repo that code runs from (tests aside)."""
FORBIDDEN = ("functions", "infra")
"""The outer layers: shared/ is imported by them, never the other way round."""


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(package: str = PACKAGE) -> dict[str, Path]:
    return {module_name(path): path for path in sorted((ROOT / package).rglob("*.py"))}


def imported_names(module: str, path: Path) -> Iterator[str]:
    """Every dotted name the module imports, anywhere in it; relative imports resolved against its package."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # `from a.b import c` imports a.b, and a.b.c when c is a module.
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph(known: dict[str, Path]) -> dict[str, set[str]]:
    """Module → the modules of `known` it imports (a name that is not a module counts as its module)."""
    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        targets = set()
        for name in imported_names(module, path):
            while name and name not in known:
                name = name.rpartition(".")[0]
            # An import of a.b.c also runs a/__init__ and a/b/__init__, but those only matter when they import back.
            if name and name != module:
                targets.add(name)
        graph[module] = targets
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path (first module repeated at the end), or None; depth-first, colouring visited modules."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "open"
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            return cycle
    return None


def test_no_import_cycle_anywhere():
    # GIVEN every module of shared/, functions/, infra/ and bench/, and all their imports, lazy and TYPE_CHECKING ones
    # included (`from infra.cli import operations` inside infra.cli.main counts: it imports the package back)
    graph = import_graph({name: path for root in PACKAGES for name, path in modules(root).items()})

    # WHEN the graph is searched for a cycle
    cycle = find_cycle(graph)

    # THEN there is none
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_shared_never_imports_the_outer_layers():
    # GIVEN every import of every module of shared/
    # WHEN those naming functions/ or infra/ are collected
    outward = {
        f"{module} imports {name}"
        for module, path in modules().items()
        for name in imported_names(module, path)
        if name.split(".")[0] in FORBIDDEN
    }

    # THEN there are none
    assert outward == set()


def test_the_render_frame_does_not_know_the_sources():
    # GIVEN the rendering modules (how a kind reads: they work on the notification alone)
    render = {module: path for module, path in modules().items() if module.startswith("shared.render")}

    # WHEN their imports are collected
    # THEN none of them imports a source module
    assert render
    assert {(m, n) for m, p in render.items() for n in imported_names(m, p) if n.startswith("shared.sources")} == set()


def test_the_cycle_finder_reports_the_path_of_a_cycle():
    # GIVEN a graph with a cycle through three modules, beside an acyclic part
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

    # WHEN a cycle is searched for
    # THEN its path is given, and an acyclic graph has none
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_imports_inside_functions_and_under_type_checking_count(tmp_path):
    # GIVEN a module importing one module lazily inside a function and another under TYPE_CHECKING
    path = tmp_path / "example.py"
    path.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from shared.domain.item import Item\n"
        "def render():\n    from shared.render import email\n",
        encoding="utf-8",
    )

    # WHEN its imports are collected
    names = set(imported_names("shared.example", path))

    # THEN both count, and `from package import module` names the module
    assert {"shared.domain.item", "shared.render.email"} <= names
