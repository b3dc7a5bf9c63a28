"""The package's shape: no import circles, floors respected, no oversized modules.

The import graph is read from the source with :mod:`ast` (every ``import`` of a
``computegov`` module, at module level or inside a function, except under
``if TYPE_CHECKING:``), so it sees lazy imports too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "computegov"

#: DESIGN.md's floors, bottom to top. A module may import from its own floor and the floors below.
FLOORS: tuple[frozenset[str], ...] = (
    frozenset({"errors", "units", "jsonsafe", "data", "cache", "inputfiles", "inputyaml", "ed25519", "durable"}),
    frozenset({"catalog", "tlog"}),
    frozenset({"policy", "costs", "measure", "trends"}),
    frozenset({"compute", "ledger", "clusters", "supply", "emerging", "attest"}),
    frozenset({"planning", "integrations", "outlook", "registry"}),
    frozenset({"charts"}),
    frozenset({"report", "web"}),
    frozenset({"cli"}),
)

#: Modules longer than this many lines should be split along their seams (STYLE.md).
MAX_LINES = 500


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, name: str, modules: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def resolve(target: str) -> str | None:
        # the longest known module that is a prefix of the imported name
        while target:
            if target in modules:
                return target
            target = target.rpartition(".")[0]
        return None

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if (hit := resolve(alias.name)) is not None:
                        found.add(hit)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - child.level + 1]
                    stem = ".".join([*base, child.module] if child.module else base)
                else:
                    stem = child.module or ""
                for alias in child.names:
                    hit = resolve(f"{stem}.{alias.name}") or resolve(stem)
                    if hit is not None:
                        found.add(hit)
            visit(child)

    visit(tree)
    found.discard(name)
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in SRC.rglob("*.py")}
    modules = set(files)
    return {name: _imports(path, name, modules) for name, path in files.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def _floor(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) < 2:
        return None  # the package face itself
    for level, names in enumerate(FLOORS):
        if parts[1] in names:
            return level
    return None


def test_cycle_finder_finds_a_planted_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_package_has_no_import_circles() -> None:
    graph = _graph()
    assert len(graph) > 100
    assert _cycles(graph) == []


def test_no_module_imports_from_a_floor_above_its_own() -> None:
    bad = []
    for module, targets in _graph().items():
        level = _floor(module)
        if level is None:
            continue
        for target in targets:
            other = _floor(target)
            if other is not None and other > level:
                bad.append(f"{module} -> {target}")
    assert bad == []


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_module_is_not_oversized(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(SRC)} has {lines} lines; split it along its seams"
