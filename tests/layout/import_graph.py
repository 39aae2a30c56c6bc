"""The project's import graph, read from the source with `ast` (nothing is imported), for the layout test.

A node is a module (`launchpad.fleet.loader`). `from pkg import name` is an edge to `pkg.name` when that is
a module, else to `pkg`; imports inside functions count like any other (a cycle hidden in a function body
is still a cycle), and so do imports under `if TYPE_CHECKING:` (the type still couples the two). The edge
from a module to the packages that contain it is Python's own and is left out."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOTS = ("launchpad", "components", "policies", "services")
TOP_MODULES = ("__main__",)  # the Pulumi program's page


@dataclass
class Graph:
    modules: dict[str, Path] = field(default_factory=dict)
    edges: dict[str, set[str]] = field(default_factory=dict)  # module -> modules of this tree it imports
    external: dict[str, set[str]] = field(default_factory=dict)  # module -> third-party modules it imports


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(name: str, modules: Mapping[str, Path]) -> str | None:
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def _imported(module: str, path: Path, node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            source = ".".join([*base, *([node.module] if node.module else [])])
        else:
            source = node.module or ""
        # `pkg.name`: _resolve finds the module `pkg.name` if there is one, else `pkg` (name is an attribute).
        return [f"{source}.{alias.name}" for alias in node.names]
    return []


def _parse(path: Path) -> ast.Module:
    """ast.parse, once more when CPython 3.11 raises its spurious "AST constructor recursion depth mismatch"
    (python/cpython#106905, fixed after 3.11.7: seen here when other tests leave threads running)."""
    source = path.read_text()
    try:
        return ast.parse(source, str(path))
    except SystemError:
        return ast.parse(source, str(path))


def build(root: Path, roots: Iterable[str] = ROOTS, top: Iterable[str] = TOP_MODULES) -> Graph:
    graph = Graph()
    for name in roots:
        for path in sorted((root / name).rglob("*.py")) if (root / name).is_dir() else []:
            if "tests" in path.relative_to(root).parts:
                continue  # a package's own tests may import anything
            graph.modules[_module_name(root, path)] = path
    for name in top:
        if (root / f"{name}.py").exists():
            graph.modules[name] = root / f"{name}.py"
    for module, path in graph.modules.items():
        inside: set[str] = set()
        outside: set[str] = set()
        for node in ast.walk(_parse(path)):
            for name in _imported(module, path, node):
                target = _resolve(name, graph.modules)
                if target is None:
                    outside.add(name)
                elif target != module and not module.startswith(f"{target}."):
                    inside.add(target)
        graph.edges[module] = inside
        graph.external[module] = outside
    return graph


def cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted: the cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative, so a deep chain of imports cannot hit the recursion limit.
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
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
                    found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def package_of(module: str) -> str:
    """The unit the layout speaks of: a subpackage or top-level module of the core (`launchpad.fleet`,
    `launchpad.errors`), one service (`services.api`), a module of the Pulumi program (`components.program`:
    its modules are small and import each other), or the policy pack as a whole."""
    parts = module.split(".")
    if parts[0] in ("launchpad", "services") and len(parts) > 1:
        return ".".join(parts[:2])
    if parts[0] == "components":
        return ".".join(parts[:3] if len(parts) > 2 and parts[1] == "providers" else parts[:2])
    return parts[0]


def package_edges(graph: Graph) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for module, targets in graph.edges.items():
        source = package_of(module)
        edges.setdefault(source, set()).update(package_of(t) for t in targets if package_of(t) != source)
    return edges
