"""The layers hold: faces over services over the store, nothing importing a face, no import cycle in jifen/.

``python -m tests.test_layers`` prints the counts these tests keep at zero.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FACES = ("admin", "api", "public")
SERVICES = ("jifen.standard", "jifen.scoring", "jifen.applications", "jifen.access", "jifen.store")
STORE = re.compile(r"(sqlalchemy|jifen\.store|jifen\.models|jifen\.db|jifen\.dbfaults)(\.|$)")
FACE = re.compile(r"(admin|api|public|application|wsgi|flask_admin)(\.|$)")


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    found = {_module(p): p for package in ("jifen", "engine", *FACES) for p in (ROOT / package).rglob("*.py")}
    found.update({name: ROOT / f"{name}.py" for name in ("application", "wsgi")})
    return found


MODULES = _modules()


def _imports(name: str) -> Iterator[tuple[ast.Import | ast.ImportFrom, list[str], bool]]:
    """Each import statement of a module: the modules it names, and whether it sits inside a function."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    local: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            local.update(id(inner) for inner in ast.walk(node) if isinstance(inner, ast.Import | ast.ImportFrom))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield node, [alias.name for alias in node.names], id(node) in local
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            # ``from package import module`` depends on the module; ``from module import name`` on the module
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
            yield node, targets, id(node) in local


def _graph(prefix: str) -> dict[str, set[str]]:
    return {
        name: {t for _node, targets, _local in _imports(name) for t in targets if t in MODULES and t != name}
        for name in MODULES
        if name == prefix or name.startswith(prefix + ".")
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root] & graph.keys())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target] & graph.keys()))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
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
    return found


def faces_reaching_the_store() -> list[str]:
    return [
        f"{MODULES[name].relative_to(ROOT)}:{node.lineno}"
        for name in MODULES
        if name.split(".")[0] in FACES
        for node, targets, _local in _imports(name)
        if any(STORE.match(t) for t in targets)
    ]


def service_side_importing_a_face() -> list[str]:
    return [
        f"{MODULES[name].relative_to(ROOT)}:{node.lineno}"
        for name in MODULES
        if name.split(".")[0] in ("jifen", "engine")
        for node, targets, _local in _imports(name)
        if any(FACE.match(t) for t in targets)
    ]


def local_imports(prefix: str = "jifen") -> list[str]:
    return [
        f"{MODULES[name].relative_to(ROOT)}:{node.lineno}"
        for name in MODULES
        if name.split(".")[0] == prefix
        for node, _targets, local in _imports(name)
        if local
    ]


def services_reaching_current_app() -> list[str]:
    return [
        f"{MODULES[name].relative_to(ROOT)}:{node.lineno}"
        for name in MODULES
        if name.startswith(SERVICES)
        for node, targets, _local in _imports(name)
        if isinstance(node, ast.ImportFrom)
        and node.module == "flask"
        and any(a.name == "current_app" for a in node.names)
    ]


def test_the_faces_import_nothing_of_the_store() -> None:
    """admin/ and api/ ask services; SQLAlchemy, the models and the database modules are the services' own."""
    assert faces_reaching_the_store() == []


def test_nothing_under_the_service_layer_imports_a_face() -> None:
    """The composition root (application.py) imports the faces; jifen/ and engine/ never do."""
    assert service_side_importing_a_face() == []


def test_no_import_cycle_among_the_modules_of_jifen() -> None:
    assert cycles(_graph("jifen")) == []


def test_no_function_local_import_in_jifen() -> None:
    """Imports stand at the top of a module: an import inside a function hides a dependency (or a cycle)."""
    assert local_imports("jifen") == []


def test_no_service_reaches_the_current_application() -> None:
    """Services take what they need as arguments; only the faces and the CLI look up the current application."""
    assert services_reaching_current_app() == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


if __name__ == "__main__":
    reports = {
        "import lines of admin/ and api/ reaching sqlalchemy, the models or the store": faces_reaching_the_store(),
        "import lines of jifen/ or engine/ naming a face": service_side_importing_a_face(),
        "function-local imports in jifen/": local_imports("jifen"),
        "import lines of a service reaching flask.current_app": services_reaching_current_app(),
    }
    for title, found in reports.items():
        print(f"{title}: {len(found)}")
        for place in found:
            print(f"    {place}")
    components = cycles(_graph("jifen"))
    print(f"import cycles among the modules of jifen/: {len(components)}")
    for component in components:
        print("    " + " ↔ ".join(component))
    sys.exit(1 if components or any(reports.values()) else 0)
