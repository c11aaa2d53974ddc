"""Imports point one way: every import in ``src/`` (module-level, function-level and ``TYPE_CHECKING``
ones alike, read with ``ast``) goes to a module on the same floor or a lower one, as the floors in
``docs/development.md`` ("Import floors") list them, and no set of modules imports itself in a cycle."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "src" / "rcc_cards"


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(module: str, path: Path) -> set[str]:
    """The package's modules that ``module`` imports, anywhere in its text. A package's ``__init__`` counts
    only when a name is imported from it, not when one of its modules is."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            for alias in node.names:  # "from pkg import module" imports the module; "from pkg import name", pkg
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {name for name in found if name in MODULES and name != module}


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def _floors() -> dict[str, int]:
    """Each module's floor, from the numbered list under "## Import floors" in docs/development.md."""
    text = (REPO / "docs" / "development.md").read_text(encoding="utf-8")
    section = text.split("## Import floors", 1)[1].split("\n## ", 1)[0]
    items = re.findall(r"^(\d+)\. (.*?)(?=^\d+\. |\Z)", section, re.M | re.S)
    packages: dict[str, int] = {}  # "rules/": every module of the package not listed on its own
    floors: dict[str, int] = {}
    for number, item in items:
        for written in re.findall(r"`([\w/]+(?:\.py|/))`", item):
            name = "rcc_cards." + written.removesuffix("/").removesuffix(".py").replace("/", ".")
            name = name.removesuffix(".__init__")
            assert any(m == name or m.startswith(name + ".") for m in MODULES), (
                f"docs/development.md names {written!r}, which is no module of src/rcc_cards")
            (packages if written.endswith("/") else floors)[name] = int(number)
    for module in MODULES:
        if module not in floors:
            owners = [p for p in packages if module == p or module.startswith(p + ".")]
            if owners:
                floors[module] = packages[max(owners, key=len)]
    return floors


def test_every_module_has_a_floor() -> None:
    floors = _floors()
    missing = sorted(set(MODULES) - set(floors))
    assert not missing, f"add these modules to a floor in docs/development.md: {missing}"


def test_no_import_points_up_a_floor() -> None:
    floors = _floors()
    upward = sorted(f"{module} (floor {floors[module]}) imports {target} (floor {floors[target]})"
                    for module, targets in GRAPH.items() for target in targets
                    if module in floors and target in floors and floors[target] > floors[module])
    assert not upward, "\n".join(upward)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected sets of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def test_no_cycles() -> None:
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_a_function_level_import_counts(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("def f():\n    from rcc_cards import cli\n", encoding="utf-8")
    assert "rcc_cards.cli" in _imports("rcc_cards.m", path)
