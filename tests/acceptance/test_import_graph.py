"""The package's layers, read from its source: no import cycle between subpackages, and no import
upward through the declared layers. Every import counts, those inside functions and under
``if TYPE_CHECKING:`` too (they hide a cycle as well as they hide a cost)."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "hooks"

# Each node (a subpackage hooks/x/, or a top-level module hooks/y.py) and the nodes it may import.
# The top (hooks/__init__.py, hooks/__main__.py, hooks/cli) may import anything.
_BOTTOM = {"_version", "errors", "log", "registry"}
LAYERS: dict[str, frozenset[str]] = {
    # the bottom: no yaml-hooks imports but each other's
    "_version": frozenset(),
    "errors": frozenset(),
    "log": frozenset(),
    "registry": frozenset({"errors"}),
    # context, masking, templates, paths, events: what every layer above speaks
    "core": frozenset(_BOTTOM),
    # named sources (functions of a Context) and their registry
    "sources": frozenset({*_BOTTOM, "core"}),
    # the pipeline, read → resolve → interpolate → validate, and what a build step is written with
    # (Builder, ActionSpec): no registry; what it needs from them is handed in as data
    "config": frozenset({*_BOTTOM, "core"}),
    # the extension points built with a Builder: trackers, then action kinds (which call sinks)
    "sinks": frozenset({*_BOTTOM, "core", "config"}),
    "actions": frozenset({*_BOTTOM, "core", "config", "sinks"}),
    # the build step: the one place that knows the registries
    "loader": frozenset({*_BOTTOM, "core", "config", "sources", "sinks", "actions"}),
    # compiling and attaching; a plugin's types
    "runtime": frozenset({*_BOTTOM, "core", "config", "sources", "sinks", "actions", "loader"}),
    "plugin": frozenset({*_BOTTOM, "core", "config", "sources", "sinks", "actions", "loader"}),
    "testing": frozenset({*_BOTTOM, "core", "config", "sources", "sinks", "actions", "loader", "runtime"}),
}
# On top, beside the CLI: reading runs back (a reader per tracker; export replays a run through a
# sink), and the report on them. Nothing but the report and the CLI imports them.
LAYERS["runs"] = frozenset({*LAYERS["runtime"], "runtime"})
LAYERS["report"] = frozenset({*LAYERS["runs"], "runs"})
TOP = frozenset({"hooks", "__main__", "cli"})


@dataclass(frozen=True)
class Edge:
    source: str  # node
    target: str
    file: str  # relative to the repository
    line: int

    def __str__(self) -> str:
        return f"{self.source} → {self.target} ({self.file}:{self.line})"


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def node_of(module: str) -> str:
    """hooks.x.… → "x"; hooks → "hooks"."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def imports_of(path: Path, root: Path = PACKAGE) -> Iterable[tuple[str, int]]:
    """Every yaml-hooks module a file imports (absolute name), with its line: anywhere in the file."""
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "hooks" or alias.name.startswith("hooks."):
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target != "hooks" and not target.startswith("hooks."):
                continue
            if target == "hooks":  # from hooks import x: x may be a subpackage
                for alias in node.names:
                    yield f"hooks.{alias.name}", node.lineno
            else:
                yield target, node.lineno


def package_edges() -> list[Edge]:
    edges: list[Edge] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = node_of(module_name(path))
        for target_module, line in imports_of(path):
            target = node_of(target_module)
            if target != source:
                edges.append(Edge(source, target, str(path.relative_to(PACKAGE.parent)), line))
    return edges


def find_cycle(edges: Iterable[Edge]) -> list[Edge] | None:
    """One cycle of the graph (its edges, in order), or None."""
    graph: dict[str, list[Edge]] = {}
    for edge in edges:
        graph.setdefault(edge.source, []).append(edge)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[Edge] = []

    def visit(node: str) -> list[Edge] | None:
        state[node] = 1
        for edge in graph.get(node, ()):
            if state.get(edge.target) == 1:
                start = next((i for i, e in enumerate(path) if e.source == edge.target), len(path))
                return [*path[start:], edge]
            if edge.target not in state:
                path.append(edge)
                found = visit(edge.target)
                if found:
                    return found
                path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def upward(edges: Iterable[Edge], layers: Mapping[str, frozenset[str]], top: frozenset[str]) -> list[Edge]:
    """The edges the layer table does not allow (a node missing from it allows nothing)."""
    return [e for e in edges if e.source not in top and e.target not in layers.get(e.source, frozenset())]


def _edge(source: str, target: str, line: int = 1) -> Edge:
    return Edge(source, target, f"hooks/{source}/m.py", line)


def test_the_cycle_finder_finds_a_cycle_and_names_its_edges() -> None:
    edges = [_edge("a", "b", 3), _edge("b", "c", 5), _edge("c", "a", 7), _edge("c", "d")]
    cycle = find_cycle(edges)
    assert cycle is not None
    assert [(e.source, e.target) for e in cycle] == [("a", "b"), ("b", "c"), ("c", "a")]
    assert str(cycle[2]) == "c → a (hooks/c/m.py:7)"
    assert find_cycle([_edge("a", "b"), _edge("b", "c"), _edge("a", "c")]) is None


def test_the_layer_check_finds_an_upward_import() -> None:
    layers = {"low": frozenset(), "high": frozenset({"low"})}
    edges = [_edge("high", "low"), _edge("low", "high", 9), _edge("cli", "high")]
    assert upward(edges, layers, frozenset({"cli"})) == [edges[1]]


def test_the_layer_table_has_no_cycle_and_every_node_is_in_it() -> None:
    table = [Edge(a, b, "LAYERS", 0) for a, below in LAYERS.items() for b in below]
    assert find_cycle(table) is None
    assert all(b in LAYERS for e in table for b in (e.target,))
    nodes = {node_of(module_name(p)) for p in PACKAGE.rglob("*.py")}
    assert nodes - TOP <= set(LAYERS), f"add these to LAYERS (with what they may import): {nodes - TOP - set(LAYERS)}"


def test_imports_are_read_everywhere_in_a_file(tmp_path: Path) -> None:
    package = tmp_path / "hooks"
    (package / "config").mkdir(parents=True)
    (package / "config" / "x.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import y\n"
        "if TYPE_CHECKING:\n"
        "    from ..sinks.base import Sink\n"
        "def f():\n"
        "    from ..sources import registry\n"
        "    import hooks.runtime.attach\n"
        "    from hooks import loader\n"
    )
    found = sorted(imports_of(package / "config" / "x.py", package), key=lambda item: item[1])
    assert found == [
        ("hooks.config", 2),
        ("hooks.sinks.base", 4),
        ("hooks.sources", 6),
        ("hooks.runtime.attach", 7),
        ("hooks.loader", 8),
    ]


def test_no_import_cycle_between_subpackages() -> None:
    cycle = find_cycle(package_edges())
    assert cycle is None, "import cycle between subpackages:\n  " + "\n  ".join(str(e) for e in cycle or ())


def test_no_import_goes_up_the_layers() -> None:
    wrong = upward(package_edges(), LAYERS, TOP)
    assert not wrong, "imports the layer table (LAYERS) does not allow:\n  " + "\n  ".join(str(e) for e in wrong)
