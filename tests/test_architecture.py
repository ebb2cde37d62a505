"""The package import graph of ``linernotes``: models never import insights, and subpackages form no cycle.

Every module is parsed (no import runs), and every ``import``/``from ... import`` counts wherever it stands —
at the top, inside a function (a lazy import is still a dependency), under ``if TYPE_CHECKING`` — with
relative imports resolved. Each edge is mapped to the top-level parts of the package: subpackages
(``linernotes.models``, ``linernotes.insights``, ``linernotes.engine``, ``linernotes.ask``, ...) and top-level
modules (``linernotes.library``, ``linernotes.errors``, ...). The package root (``linernotes/__init__.py``:
the version and the lazy facade) is not a part: every submodule import loads it anyway.

The registry finds insights by importing the modules of ``linernotes.insights`` by name (plugins), which is
not an import edge of the machinery on the insights.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pytest

import linernotes

SOURCE = Path(linernotes.__file__).resolve().parent

Edges = dict[tuple[str, str], list[str]]


def part_of(module: str, root: Path) -> str | None:
    """The top-level part (``models``, ``library``...) of a dotted module name inside the package, if any."""
    names = module.split(".")
    if names[0] != root.name or len(names) < 2:
        return None
    part = names[1]
    return part if (root / part).is_dir() or (root / f"{part}.py").is_file() else None


def imported_modules(tree: ast.AST, module: str, is_package: bool) -> Iterable[tuple[str, int]]:
    """(dotted module, line) of every import in ``tree``, anywhere in it; relative imports resolved."""
    here = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            yield target, node.lineno
            # ``from linernotes import synth`` / ``from . import rollup``: the names may be modules.
            for alias in node.names:
                yield f"{target}.{alias.name}", node.lineno


def package_graph(root: Path) -> Edges:
    """Edges between the top-level parts of the package at ``root``, each with where it is imported."""
    edges: Edges = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        is_package = path.name == "__init__.py"
        names = list(rel.parts[:-1] if is_package else rel.parts)
        if len(names) < 2:
            continue  # the package root (see the module docstring)
        source = names[1]
        module = ".".join(names)
        for target, line in imported_modules(ast.parse(path.read_text(encoding="utf-8")), module, is_package):
            part = part_of(target, root)
            if part is not None and part != source:
                where = f"{module}:{line}"
                if where not in edges[(source, part)]:
                    edges[(source, part)].append(where)
    return dict(edges)


def cycles(edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The strongly connected components with more than one part (Tarjan), each sorted."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
        graph.setdefault(b, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def describe(edges: Edges, component: list[str]) -> str:
    return "\n".join(f"  {a} -> {b}: {', '.join(where[:3])}" for (a, b), where in sorted(edges.items())
                     if a in component and b in component)


@pytest.fixture(scope="module")
def graph() -> Edges:
    return package_graph(SOURCE)


def test_models_import_nothing_from_insights(graph: Edges) -> None:
    assert ("models", "insights") not in graph, (
        "linernotes.models must be pure computation, importing nothing from linernotes.insights: "
        f"{graph.get(('models', 'insights'))}")


def test_the_machinery_imports_no_insight(graph: Edges) -> None:
    assert ("engine", "insights") not in graph, graph.get(("engine", "insights"))
    assert ("engine", "models") not in graph, graph.get(("engine", "models"))


def test_no_cycle_between_subpackages(graph: Edges) -> None:
    found = cycles(graph)
    assert not found, "import cycles between packages:\n" + "\n".join(describe(graph, c) for c in found)


def test_the_graph_sees_lazy_relative_and_type_only_imports(tmp_path: Path) -> None:
    """The checker itself: a cycle made only of a function-level, a relative and a TYPE_CHECKING import."""
    root = tmp_path / "linernotes"
    for folder in ("alpha", "beta", "gamma"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "alpha" / "one.py").write_text("def f():\n    from linernotes.beta import two\n    return two\n")
    (root / "beta" / "two.py").write_text("from ..gamma import three\n")
    (root / "gamma" / "three.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from linernotes import alpha\n")
    edges = package_graph(root)
    assert set(edges) == {("alpha", "beta"), ("beta", "gamma"), ("gamma", "alpha")}
    assert edges[("alpha", "beta")] == ["linernotes.alpha.one:2"]
    assert cycles(edges) == [["alpha", "beta", "gamma"]]
    assert cycles([("alpha", "beta"), ("beta", "gamma")]) == []
