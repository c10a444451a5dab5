"""The package's layout keeps its promises: stages only import from earlier stages, no module
imports itself back through others (lazy imports included: they hide cycles, not remove them),
no module grows past 400 lines, and every module says its job in its first docstring line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dxanalysis.core import paths

PACKAGE = paths.PROJECT_ROOT / "dxanalysis"
#: The pipeline's stages in order; a module may import its own stage and the ones before it.
STAGES = ("core", "data", "portal", "forecast", "report", "run", "cli")
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def imports_of(name: str) -> set[str]:
    """Every module of the package that ``name`` imports, at the top or inside a function."""
    path = MODULES[name]
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(here[: len(here) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in MODULES else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {target for target in found if target in MODULES and target != name}


def stage_of(name: str) -> int | None:
    parts = name.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[1] in STAGES else None


def test_no_module_imports_from_a_later_stage():
    upward = [
        f"{name} -> {target}"
        for name in MODULES
        if stage_of(name) is not None
        for target in imports_of(name)
        if stage_of(target) is not None and stage_of(target) > stage_of(name)
    ]
    assert upward == []


def test_no_import_cycles():
    # A module that imports its own package's __init__ (``from . import name``) is in a cycle too:
    # the __init__ imports its modules, and which one runs first decides what exists.
    graph = {name: imports_of(name) for name in MODULES}
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                cycles.append(" -> ".join(stack[stack.index(target) :] + [target]))
            elif target not in state:
                visit(target, stack)
        stack.pop()
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert cycles == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_is_short_and_says_its_job(name):
    text = MODULES[name].read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_LINES, f"{MODULES[name]} has {len(text.splitlines())} lines"
    docstring = ast.get_docstring(ast.parse(text))
    assert docstring and len(docstring.splitlines()[0]) > 10, f"{MODULES[name]}: no one-line docstring saying its job"
    first = docstring.splitlines()[0]
    assert first.endswith((".", "?", ")")), f"{MODULES[name]}: the docstring's first line is not a whole sentence: {first!r}"


def test_the_readme_map_is_the_package():
    import subprocess
    import sys

    made = subprocess.run(
        [sys.executable, str(paths.PROJECT_ROOT / "scripts" / "layout.py")], capture_output=True, text=True, check=True
    ).stdout.strip()
    readme = (paths.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```\n{made}\n```" in readme, "README's module map is stale: run `python scripts/layout.py --write`"


def test_the_stages_are_the_packages():
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()} == set(STAGES)
