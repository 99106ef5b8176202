"""The shape of the code: the portal's import graph has no cycle, and the domain packages never
reach the web layer (DESIGN.md: views are HTTP only; models do not import views).

Read from the source with `ast`, so a lazy import inside a function counts as much as one at the
top. Two things are not dependencies: a package's imports of its own modules (microblog's
blueprint package loads its route modules at its bottom), and imports under `TYPE_CHECKING`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

PORTAL = Path(__file__).resolve().parent.parent / "portal"
DOMAIN_PACKAGES = (
    "portal.catalog",
    "portal.search",
    "portal.hsds",
    "portal.models",
    "portal.reports.metrics",
    "portal.reports.imports",
    "portal.reports.gaps",
)
WEB_LIBRARIES = frozenset({"wtforms", "flask_wtf"})

Graph = dict[str, frozenset[str]]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _import_nodes(node)


def imports_in(source: str, module: str, is_package: bool, known: set[str]) -> frozenset[str]:
    """What `module` imports: portal modules by full name, other libraries by top-level name."""
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    for node in _import_nodes(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from portal.x import y` imports the module portal.x.y when there is one.
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        found.update(n if n.startswith("portal") else n.split(".")[0] for n in names)
    return frozenset(n for n in found if n != module and not n.startswith(module + "."))


@cache
def sources() -> dict[str, Path]:
    found = {}
    for path in PORTAL.rglob("*.py"):
        parts = list(path.relative_to(PORTAL.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


@cache
def portal_graph() -> Graph:
    known = set(sources())
    return {
        module: imports_in(path.read_text(encoding="utf-8"), module, path.stem == "__init__", known)
        for module, path in sources().items()
    }


def blueprint_packages() -> set[str]:
    """Packages whose __init__ defines a blueprint: importing any of their modules loads it."""
    return {
        module
        for module, path in sources().items()
        if path.stem == "__init__" and "Blueprint(" in path.read_text(encoding="utf-8")
    }


def cycles_in(graph: Graph) -> list[list[str]]:
    state: dict[str, str] = {}
    found = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(t for t in graph[module] if t in graph):
            if state.get(target) == "open":
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return found


def web_imports_reached(graph: Graph, starts: list[str], web_packages: set[str]) -> list[str]:
    """Each way a start module reaches the web layer, as "a -> b -> portal.admin": wtforms or
    flask_wtf imported by the module itself (portal.extensions, which every module uses,
    wires Flask-WTF's CSRF protection), a blueprint package directly or through other modules."""

    def is_blueprint(name: str) -> bool:
        return any(name == p or name.startswith(p + ".") for p in web_packages)

    found = [f"{start} -> {name}" for start in starts for name in graph[start] & WEB_LIBRARIES]
    for start in starts:
        seen, stack = {start}, [[start]]
        while stack:
            route = stack.pop()
            for name in sorted(graph[route[-1]]):
                if is_blueprint(name):
                    found.append(" -> ".join([*route, name]))
                elif name in graph and name not in seen:
                    seen.add(name)
                    stack.append([*route, name])
    return found


def test_the_import_graph_has_no_cycle():
    assert cycles_in(portal_graph()) == []


def test_domain_packages_never_reach_the_web_layer():
    domain = sorted(m for m in portal_graph() if m.startswith(DOMAIN_PACKAGES))
    assert len(domain) > 20
    assert web_imports_reached(portal_graph(), domain, blueprint_packages()) == []


def test_the_blueprint_packages_are_found():
    assert {
        "portal.admin",
        "portal.api",
        "portal.auth",
        "portal.directory",
        "portal.problems",
        "portal.providers",
        "portal.referrals",
        "portal.reports",
    } == blueprint_packages()


def test_the_checks_find_a_lazy_import_cycle_and_a_hidden_web_import():
    known = {"portal.catalog.one", "portal.catalog.two", "portal.catalog.three"}
    graph = {
        "portal.catalog.one": imports_in(
            "from portal.catalog import two\n", "portal.catalog.one", False, known
        ),
        "portal.catalog.two": imports_in(
            "from . import three\n\ndef later():\n    from .one import thing\n",
            "portal.catalog.two",
            False,
            known,
        ),
        "portal.catalog.three": imports_in(
            "from typing import TYPE_CHECKING\nimport wtforms.fields\nimport portal.admin.forms\n"
            "if TYPE_CHECKING:\n    from portal.api import views\n",
            "portal.catalog.three",
            False,
            known,
        ),
    }
    assert graph["portal.catalog.two"] == {"portal.catalog.three", "portal.catalog.one"}
    assert graph["portal.catalog.three"] == {"typing", "wtforms", "portal.admin.forms"}
    assert cycles_in(graph) == [["portal.catalog.one", "portal.catalog.two", "portal.catalog.one"]]
    assert web_imports_reached(
        graph, ["portal.catalog.one", "portal.catalog.three"], {"portal.admin"}
    ) == [
        "portal.catalog.three -> wtforms",
        "portal.catalog.one -> portal.catalog.two -> portal.catalog.three -> portal.admin.forms",
        "portal.catalog.three -> portal.admin.forms",
    ]
    # A package importing its own route modules is not a dependency on them.
    assert imports_in("from portal.admin import views\n", "portal.admin", True, known) == set()
