"""The package's shape: layers in subpackages, no import cycle, few modules at the top."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

import kuangquan_cli

PACKAGE = Path(kuangquan_cli.__file__).parent


def _graph() -> grimp.ImportGraph:
    # every import counts: top-level, inside functions, and under TYPE_CHECKING
    return grimp.build_graph("kuangquan_cli", cache_dir=None)


def _cycle(graph: grimp.ImportGraph) -> list[str] | None:
    """One import cycle between modules, or None (depth-first search, colouring the modules)."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if state.get(imported) == 1:
                return path[path.index(imported):] + [imported]
            if imported not in state and (found := visit(imported)):
                return found
        state[module] = 2
        path.pop()
        return None

    for module in sorted(graph.modules):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_no_import_cycle() -> None:
    assert _cycle(_graph()) is None


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("p", "p.a", "p.b", "p.c"):
        graph.add_module(name)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.c")
    graph.add_import(importer="p.c", imported="p.a")
    assert _cycle(graph) == ["p.a", "p.b", "p.c", "p.a"]


def test_at_most_eight_modules_at_the_top() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 8, top


def test_layer_contract_holds() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    if not lint_imports.exists():
        import pytest

        pytest.skip("import-linter 未安装（make lint 会安装）")
    done = subprocess.run([str(lint_imports)], capture_output=True, text=True, cwd=PACKAGE.parents[1])
    assert done.returncode == 0, done.stdout


def test_importing_the_package_loads_no_library() -> None:
    probe = ("import sys, kuangquan_cli; "
             "print(sorted(m for m in ('pandas', 'pydantic', 'openpyxl', 'click') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_facade_names_the_library_functions() -> None:
    from kuangquan_cli.jobs import merge_and_store
    from kuangquan_cli.reference.plan import load_plan

    assert kuangquan_cli.load_plan is load_plan
    assert kuangquan_cli.merge_and_store is merge_and_store
    assert sorted(kuangquan_cli.__all__) == sorted(kuangquan_cli._PUBLIC)
    for name in kuangquan_cli.__all__:
        assert callable(getattr(kuangquan_cli, name)), name
