"""The structure stays readable: no import cycle, no oversized module without a stated reason,
core never imports an exporter, and docs/architecture.md names only modules that exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import REPO

MAX_LINES = 400  # a module past this says why in its docstring ("long because ...")


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (src/coursec and exporters/)."""
    found = {}
    for root, package in (
        (REPO / "src" / "coursec", "coursec"),
        (REPO / "exporters", "coursec.exporters"),
    ):
        for path in sorted(root.rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((package, *parts))] = path
    return found


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The package modules `path` imports when it runs, at import time or in a function (imports
    under `if TYPE_CHECKING:` are for the type checker only)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - child.level + 1])
                    base = f"{base}.{child.module}" if child.module else base
                submodules = {f"{base}.{a.name}" for a in child.names} & known
                if len(submodules) < len(child.names):  # names from the module itself
                    found.add(base)
                found.update(submodules)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in found if m in known and m != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def import_graph() -> dict[str, set[str]]:
    known = modules()
    names = set(known)
    return {name: imports(path, name, names) for name, path in known.items()}


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_cycle_finder_finds_a_cycle() -> None:
    """(The check above must be able to fail.)"""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_core_never_imports_an_exporter() -> None:
    graph = import_graph()
    core = {n: deps for n, deps in graph.items() if not n.startswith("coursec.exporters")}
    assert {
        n: sorted(d for d in deps if d.startswith("coursec.exporters"))
        for n, deps in core.items()
        if any(d.startswith("coursec.exporters") for d in deps)
    } == {}


def test_long_modules_say_why() -> None:
    long = []
    for name, path in modules().items():
        text = path.read_text(encoding="utf-8")
        doc = ast.get_docstring(ast.parse(text)) or ""
        if text.count("\n") > MAX_LINES and "long because" not in doc.lower():
            long.append(f"{name}: {text.count(chr(10))} lines")
    assert long == []


def test_architecture_doc_names_only_modules_that_exist() -> None:
    doc = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    known = set(modules())
    named = set(re.findall(r"`(coursec(?:\.[a-z_]+)+)`", doc))
    paths = set(re.findall(r"`((?:src/coursec|exporters|templates|tests)/[\w./-]+)`", doc))
    assert named, "docs/architecture.md names no module"
    assert sorted(n for n in named if n not in known and n.rpartition(".")[0] not in known) == []
    assert sorted(p for p in paths if not (REPO / p).exists()) == []
