"""The code's shape, held by tests: layers, no import cycles, no imports hidden in functions.

The layers themselves are import-linter contracts in pyproject.toml ([tool.importlinter]),
checked, like the cycles, on a copy of the sources laid out as installed (tests.installed_layout).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import installed_layout

ROOT = Path(__file__).resolve().parents[1]
# The folders of the runtime code (installed as taizhang and its subpackages).
PACKAGES = ("domain", "projections", "api", "taizhang", "migrations")
RUNTIME_DIRS = (*PACKAGES, "ops")
# The import graph as grimp builds it, run where the copy is the only taizhang on the path.
GRAPH = """
import json, grimp
graph = grimp.build_graph("taizhang", cache_dir=None)
print(json.dumps({m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}))
"""


def _runtime_files() -> list[Path]:
    return sorted(path for top in RUNTIME_DIRS for path in (ROOT / top).rglob("*.py"))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return installed_layout.build(tmp_path_factory.mktemp("installed"))


def test_the_import_contracts_hold(installed: Path) -> None:
    done = installed_layout.lint_imports(installed)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "broken" in done.stdout and " 0 broken" in done.stdout


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_back(installed: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-c", GRAPH], cwd=installed, capture_output=True, text=True, check=True
    )
    graph = {module: set(imported) for module, imported in json.loads(built.stdout).items()}
    # Every runtime module is in the graph: the copy holds the whole installed layout.
    assert len(graph) == sum(1 for top in PACKAGES for _ in (ROOT / top).rglob("*.py"))
    assert _cycles(graph) == []


def test_runtime_code_imports_at_the_top() -> None:
    """An import inside a function hides a dependency (and often a cycle) from the reader."""
    inside: list[str] = []
    for path in _runtime_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for statement in ast.walk(node):
                    if isinstance(statement, ast.Import | ast.ImportFrom):
                        inside.append(f"{path.relative_to(ROOT)}:{statement.lineno}")
    assert inside == []


MAX_MODULE_LINES = 500


def test_each_module_stays_readable_in_one_sitting() -> None:
    """Each module one job, under ~500 lines (the developers' guide, Style)."""
    long = [
        f"{path.relative_to(ROOT)}: {lines}"
        for path in _runtime_files()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    ]
    assert long == []
