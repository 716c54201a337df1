"""The layers below the graph stand without it, and the wire formats they share are the graph's.

pyproject.toml's [tool.importlinter] contracts (run by `lint-imports` in `dev.py test`) forbid the
imports; this test checks the outcome in a fresh interpreter, where nothing else loaded strawberry.
"""

from __future__ import annotations

import ast
import itertools
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from strawberry import relay

from core.ids import decode_cursor, encode_cursor, global_id, in_order, row_id, row_ids
from core.integrations.feed import finding_global_id
from tests.helpers.environment import REPO_ROOT


@pytest.mark.parametrize(
    "module", ["core.workflow.findings", "core.integrations.webhooks", "core.integrations.routes"]
)
def test_the_layers_below_the_graph_load_without_strawberry(module: str) -> None:
    check = (
        f"import sys, {module}; "
        "loaded = sorted(m for m in sys.modules if m == 'strawberry' or m.startswith("
        "('strawberry.', 'core.graphql'))); "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", check], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, f"{module} loads the GraphQL layer: {done.stdout}{done.stderr}"


def test_global_ids_are_relays() -> None:
    assert global_id("Finding", 12) == str(relay.GlobalID("Finding", "12"))
    assert finding_global_id(12) == global_id("Finding", 12)
    parsed = relay.GlobalID.from_id(global_id("ListUpload", 7))
    assert (parsed.type_name, row_id(parsed.node_id)) == ("ListUpload", 7)


def test_cursors_round_trip_and_anything_else_is_none() -> None:
    assert decode_cursor(encode_cursor(2_147_483_647)) == 2_147_483_647
    for cursor in ("", "not base64!", "aWQ6MDE=", encode_cursor(0), "eDox", "ünïcode", "aWQ6"):
        assert decode_cursor(cursor) is None, cursor


def test_only_canonical_row_ids_name_rows() -> None:
    assert [row_id(t) for t in ("1", "01", "²", "١", "2147483647", "2147483648", "-1")] == [
        1, None, None, None, 2_147_483_647, None, None
    ]  # fmt: skip
    assert row_ids(["3", "x", "1"]) == [3, 1]
    assert in_order(["3", "x", "2", "1"], {1: "one", 3: "three"}) == ["three", None, None, "one"]


def test_the_base_layer_contract_names_every_other_module_of_the_graph() -> None:
    """import-linter has no "everything but" form, so the base-layer contract lists the graph's
    other modules: a module added to core/graphql without joining that list fails here."""
    with (REPO_ROOT / "pyproject.toml").open("rb") as file:
        contracts = tomllib.load(file)["tool"]["importlinter"]["contracts"]
    (contract,) = [c for c in contracts if c["source_modules"] == ["core.graphql.base"]]
    graph = REPO_ROOT / "core" / "graphql"
    others = {
        f"core.graphql.{path.stem if path.is_file() else path.name}"
        for path in graph.iterdir()
        if path.name not in {"base", "__init__.py", "__pycache__"}
        and (path.suffix == ".py" or (path / "__init__.py").exists())
    }
    assert set(contract["forbidden_modules"]) == others


WRITES = ("session.add(", ".add_all(", "session.delete(")


def test_the_graph_writes_nothing_itself() -> None:
    """Every write lives in core/workflow (or core/audit): a resolver parses ids, calls one
    service and maps its result, so core/graphql adds and deletes no rows of its own."""
    found = [
        f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}"
        for path in sorted((REPO_ROOT / "core" / "graphql").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if any(write in line for write in WRITES)
    ]
    assert found == [], "move these writes into a core/workflow service:\n" + "\n".join(found)


# --- The graph's own import graph ----------------------------------------------------------------

_GRAPH = REPO_ROOT / "core" / "graphql"


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(source: str, package: str) -> dict[str, int]:
    """Every module an import statement names anywhere in the source (top level, in functions,
    under ``if TYPE_CHECKING``), with its line. ``strawberry.lazy`` strings are not imports."""
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            found.setdefault(name, node.lineno)
    return found


def _import_graph(root: Path) -> dict[str, dict[str, int]]:
    paths = {_module_name(path): path for path in sorted(root.rglob("*.py"))}
    graph: dict[str, dict[str, int]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        named = _imports(path.read_text(encoding="utf-8"), package)
        graph[name] = {m: line for m, line in named.items() if m in paths and m != name}
    return graph


def _a_cycle(graph: dict[str, dict[str, int]]) -> list[str] | None:
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        for target in sorted(graph[module]):
            if cycle := visit(target, [*path, module]):
                return cycle
        done.add(module)
        return None

    for module in sorted(graph):
        if cycle := visit(module, []):
            return cycle
    return None


def test_the_cycle_finder_counts_every_kind_of_import() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from core.graphql.a import A\n"
        "def f():\n    from . import b\n"
        "X = Annotated['C', strawberry.lazy('core.graphql.c')]\n"
    )
    named = _imports(source, "core.graphql")
    assert {"core.graphql.a", "core.graphql.b"} <= set(named)
    assert "core.graphql.c" not in named
    cyclic = {"x": {"y": 1}, "y": {"z": 1}, "z": {"y": 1}}
    assert _a_cycle(cyclic) == ["y", "z", "y"]
    assert _a_cycle({"x": {"y": 1}, "y": {}}) is None


def test_the_graph_has_no_import_cycle_even_counting_type_checking_and_local_imports() -> None:
    graph = _import_graph(_GRAPH)
    assert len(graph) > 20  # the walk really found the graph's modules
    cycle = _a_cycle(graph)
    assert cycle is None, (
        "Import cycle in core.graphql: "
        + " -> ".join(f"{a} (line {graph[a][b]})" for a, b in itertools.pairwise(cycle))
        + f" -> {cycle[-1]}. Fix: refer back through strawberry.lazy, or move the shared part down."
    )
