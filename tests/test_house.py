"""The house plan, enforced: arrows point down (interfaces -> run -> stages, state, voices ->
models, config, files) and no module imports in a circle. An AST walk over the source, so a
lazy import inside a function counts as much as one at the top."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("pipeline", "voices", "workers", "web")


def modules(root: Path = REPO) -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            name = ".".join(path.relative_to(root).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The module of ours an import names (``pipeline.run.feed.poll_feed`` -> ``pipeline.run.feed``)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports(known: dict[str, Path]) -> dict[str, set[str]]:
    """Every module's imports of our own modules, at any depth of its code."""
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                    package = package[: len(package) - (node.level - 1)]
                    base = ".".join([*package, base] if base else package)
                # "from pkg import module" names the module; "from module import name" the module
                targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            else:
                continue
            for target in targets:
                if target.split(".")[0] in PACKAGES:
                    found = _resolve(target, known)
                    if found and found != name:
                        deps.add(found)
        # "from pkg import module" also names pkg itself: keep only the most precise
        graph[name] = {d for d in deps if not (_is_package(d, known) and any(o.startswith(d + ".") for o in deps))}
    return graph


def _is_package(name: str, known: dict[str, Path]) -> bool:
    return known[name].name == "__init__.py"


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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
            visit(node)
    return found


def _under(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


# (who, what it must not import, why)
RULES = [
    (("pipeline.stages",), ("pipeline.state", "pipeline.run", "pipeline.cli", "voices", "workers", "web"),
     "a stage is a plain function over records: it knows no store, no orchestration, no interface"),
    (("pipeline.state",), ("pipeline.run", "pipeline.cli", "pipeline.stages", "voices", "workers", "web"),
     "the store keeps records; it does not run stages"),
    (("pipeline.run",), ("pipeline.cli", "workers", "web"),
     "the orchestration is handed its dispatcher; it never reaches up to an interface"),
    (("pipeline.models", "pipeline.config", "pipeline.files"), ("pipeline", "voices", "workers", "web"),
     "the floor of the house imports nothing of ours"),
    (("voices",), ("pipeline.run", "pipeline.state", "pipeline.cli", "pipeline.stages", "workers", "web"),
     "a voice speaks segments; it knows nothing of articles or the store"),
]


def violations(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for module, deps in sorted(graph.items()):
        for owners, forbidden, why in RULES:
            if not _under(module, *owners):
                continue
            for dep in sorted(deps):
                allowed_floor = dep in ("pipeline.models", "pipeline.config", "pipeline.files")
                own = _under(dep, *owners)
                if _under(dep, *forbidden) and not own and not (allowed_floor and owners[0] != "pipeline.models"):
                    found.append(f"{module} imports {dep}: {why}")
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return imports(modules())


def test_no_module_imports_in_a_circle(graph):
    assert cycles(graph) == []


def test_arrows_point_down(graph):
    assert violations(graph) == []


def test_only_the_interfaces_import_workers_or_web(graph):
    up = [f"{m} imports {d}" for m, deps in sorted(graph.items()) for d in sorted(deps)
          if _under(m, "pipeline") and not _under(m, "pipeline.cli") and _under(d, "workers", "web")]
    assert up == []


def test_the_check_sees_a_circle_and_an_upward_arrow(tmp_path):
    """The walk itself: a planted circle and a stage importing the store are both found."""
    for package in PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "pipeline" / "stages").mkdir()
    (tmp_path / "pipeline" / "stages" / "__init__.py").write_text("")
    (tmp_path / "pipeline" / "state").mkdir()
    (tmp_path / "pipeline" / "state" / "__init__.py").write_text("")
    (tmp_path / "pipeline" / "stages" / "a.py").write_text("def f():\n    from pipeline.state import store\n")
    (tmp_path / "pipeline" / "state" / "store.py").write_text("from pipeline.state import other\n")
    (tmp_path / "pipeline" / "state" / "other.py").write_text("from pipeline.state.store import x\n")
    planted = imports(modules(tmp_path))
    assert cycles(planted) == [["pipeline.state.other", "pipeline.state.store"]]
    assert violations(planted) == [
        "pipeline.stages.a imports pipeline.state.store: "
        "a stage is a plain function over records: it knows no store, no orchestration, no interface"
    ]
