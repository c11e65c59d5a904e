"""The package's layers, read from the code itself (docs/architecture.md).

Imports run one way: cli → report → analysis → execution → engine → scenario → the
foundations (errors, stats). These tests walk every module's syntax tree, so a new import
that runs back up, closes a cycle or hides in a function fails here before review.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sim"

#: A module may import from its own layer and from layers further down this list.
LAYERS = ("version", "errors", "stats", "scenario", "engine", "execution", "analysis", "report", "cli", "__main__")
RANK = {"version": 0, "errors": 0, "stats": 0, "scenario": 1, "engine": 2, "execution": 3, "analysis": 4, "report": 5,
        "cli": 6, "__main__": 7}
#: Imported inside functions on purpose: optional extras, loaded only when a user asks.
OPTIONAL_EXTRAS = {"matplotlib", "distributed", "SALib", "prim", "pandas", "scipy"}
#: Deferred on purpose for start-up, module by module: ``sim validate`` needs the schema,
#: which declares the distributions, but never computes with one, and numpy is about a
#: third of its start-up. tests/test_startup_imports.py checks that it stays unloaded.
DEFERRED_FOR_START_UP = {"sim.scenario.distributions": {"numpy"}}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, ast.Module]:
    return {module_name(path): ast.parse(path.read_text(), str(path)) for path in sorted(PACKAGE.rglob("*.py"))}


def imported(node: ast.AST, here: str) -> list[str]:
    """The sim modules an import statement names (``from sim.report import export`` names both)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.split(".")[0] == "sim"]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            raise AssertionError(f"{here}: relative import; write the absolute sim.… path")
        if not node.module or node.module.split(".")[0] != "sim":
            return []
        return [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return []


def layer(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else None


def edges() -> dict[str, set[str]]:
    known = modules()
    found: dict[str, set[str]] = defaultdict(set)
    for name, tree in known.items():
        for node in ast.walk(tree):
            for target in imported(node, name):
                if target in known and target != name:
                    found[name].add(target)
    return found


def test_every_module_belongs_to_a_layer():
    """Each file lives in one of the named layers; a newcomer knows where it goes."""
    strays = [name for name in modules() if name != "sim" and layer(name) is None]
    assert strays == []


def test_no_import_runs_back_up():
    """A module imports only from its own layer or the ones below it (the facade sim/__init__ aside)."""
    upward = []
    for name, targets in edges().items():
        if name == "sim":
            continue
        for target in targets:
            if RANK[layer(target)] > RANK[layer(name)]:
                upward.append(f"{name} -> {target}")
    assert upward == []


def test_nothing_inside_imports_the_facade():
    """sim/__init__.py is for users; a module inside importing it would run back up."""
    taken = []
    for name, tree in modules().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "sim" and name != "sim":
                taken += [f"{name}: {alias.name}" for alias in node.names]
    assert taken == []


def test_no_import_cycle():
    """Depth-first search over module imports: a back edge is a cycle."""
    graph = edges()
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append(" -> ".join(path[path.index(target):] + [target]) if target in path else target)
            elif target not in state:
                visit(target, path + [target])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_deferred_imports_only_in_the_cli_or_for_optional_extras():
    """An import inside a function hides a dependency; only the CLI (start-up speed),
    optional extras and the few named in DEFERRED_FOR_START_UP may defer one."""
    deferred = []
    for name, tree in modules().items():
        if layer(name) in {"cli", "__main__"} or name == "sim":
            continue
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    top = (node.module if isinstance(node, ast.ImportFrom) else node.names[0].name) or ""
                    package = top.split(".")[0]
                    if package not in OPTIONAL_EXTRAS and package not in DEFERRED_FOR_START_UP.get(name, ()):
                        deferred.append(f"{name}.{function.name}: {top}")
    assert deferred == []


@pytest.mark.parametrize("forbidden", ["print", "open", "write_text", "write_bytes"])
def test_analyses_and_lower_layers_neither_print_nor_write(forbidden):
    """Only the report and CLI layers render or write files; analyses return results."""
    found = []
    for name, tree in modules().items():
        if layer(name) not in {"scenario", "engine", "analysis"}:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if called == forbidden and not (forbidden == "open" and _reads(node)):
                    found.append(f"{name}:{node.lineno}")
    assert found == []


def _reads(call: ast.Call) -> bool:
    """``open(path)`` or ``open(path, "r…")``: reading input is allowed."""
    mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
    return mode is None or (isinstance(mode, ast.Constant) and str(mode.value).startswith("r"))


#: What `pip install .` brings: the declared dependencies, by the name they are imported as.
DECLARED = {"numpy", "simpy", "typer", "pydantic", "yaml", "rich", "jinja2"}


def test_every_outside_import_is_a_declared_dependency_or_an_optional_extra():
    """`pip install .` must be enough for every command: a module that imports a package
    only some other package happens to bring (click came with older typer) breaks a fresh
    install although the test environment, with its extras, still has it."""
    import sys

    outside = set()
    for name, tree in modules().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                tops = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = [node.module.split(".")[0]]
            else:
                continue
            outside.update(f"{name}: {top}" for top in tops
                           if top != "sim" and top not in sys.stdlib_module_names
                           and top not in DECLARED and top not in OPTIONAL_EXTRAS)
    assert sorted(outside) == []
