"""The layers of ``src/regup`` as site/docs/architecture.md draws them: imports only go down.

The layer map is read from the document itself (the ``layers`` block), so the page and the
code cannot disagree: a new module that is not on the page fails here, and so does an import
that goes up a layer, an offline stage that reaches for the network, or a cycle of packages.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "regup"
DOC = ROOT / "site" / "docs" / "architecture.md"

#: Stages that run offline (a build): they never import network code.
OFFLINE = ("load", "validate", "emit", "site", "browse")
NETWORK = ("net", "enrich", "provenance")


def layer_map() -> list[tuple[str, list[str]]]:
    """``[(layer name, [module prefixes])]``, top layer first, from the document."""
    block = re.search(r"<!-- layers -->\s*```text\n(.*?)```", DOC.read_text(), re.S)
    assert block, f"{DOC} has no <!-- layers --> block"
    layers = []
    for line in block.group(1).splitlines():
        name, _, modules = line.partition(":")
        layers.append((name.strip(), modules.split()))
    return layers


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@functools.cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SRC.rglob("*.py")) if module_name(p)}


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """``(line, module)`` for every import of a ``regup`` module (relative to ``regup``)."""
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        line = 0
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            line = node.lineno
            names = [node.module]
            # ``from regup.emit import canonical`` imports the module regup.emit.canonical
            names += [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            line = node.lineno
            names = [a.name for a in node.names]
        for name in names:
            if name == "regup" or name.startswith("regup."):
                target = name.removeprefix("regup").removeprefix(".")
                if target and (target in modules() or target.partition(".")[0] in modules()):
                    yield line, target


def owner(module: str, layers: list[tuple[str, list[str]]]) -> tuple[int, str] | None:
    """The rank (0 = bottom) and prefix of the layer entry that holds ``module``."""
    best: tuple[int, str] | None = None
    for index, (_, prefixes) in enumerate(layers):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > len(best[1]):
                    best = (len(layers) - 1 - index, prefix)
    return best


def known(target: str) -> str | None:
    """The module of ``target`` (which may name a function inside a module)."""
    all_modules = modules()
    while target and target not in all_modules:
        target = target.rpartition(".")[0]
    return target or None


def test_every_module_is_on_the_page() -> None:
    layers = layer_map()
    missing = [m for m in modules() if owner(m, layers) is None]
    assert not missing, f"add these modules to the layers block of {DOC.name}: {missing}"


def test_imports_only_go_down() -> None:
    layers = layer_map()
    wrong = []
    for module, path in modules().items():
        mine = owner(module, layers)
        assert mine is not None
        for line, target in imports_of(path):
            target_module = known(target)
            theirs = owner(target_module, layers) if target_module else None
            if theirs is None or theirs[1] == mine[1]:
                continue
            if theirs[0] > mine[0]:
                wrong.append(f"src/regup/{path.relative_to(SRC)}:{line}: {module} -> {target}")
    assert not wrong, "imports that go up a layer:\n" + "\n".join(wrong)


def test_offline_stages_never_import_network_code() -> None:
    wrong = []
    for module, path in modules().items():
        if module.partition(".")[0] not in OFFLINE:
            continue
        for line, target in imports_of(path):
            if target.partition(".")[0] in NETWORK:
                wrong.append(f"src/regup/{path.relative_to(SRC)}:{line}: {module} -> {target}")
    assert not wrong, "offline stages importing network code:\n" + "\n".join(wrong)


def test_no_cycles_between_packages_and_modules() -> None:
    layers = layer_map()
    graph: dict[str, set[str]] = {}
    for module, path in modules().items():
        here = owner(module, layers)
        assert here is not None
        for _, target in imports_of(path):
            target_module = known(target)
            there = owner(target_module, layers) if target_module else None
            if there and there[1] != here[1]:
                graph.setdefault(here[1], set()).add(there[1])
    seen: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(node: str, trail: list[str]) -> None:
        seen[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if seen.get(nxt) == 1:
                pytest.fail("import cycle: " + " -> ".join([*trail, node, nxt]))
            if nxt not in seen:
                visit(nxt, [*trail, node])
        seen[node] = 2

    for node in sorted(graph):
        if node not in seen:
            visit(node, [])


def test_the_page_names_no_module_that_does_not_exist() -> None:
    all_modules = modules()
    stale = [
        prefix
        for _, prefixes in layer_map()
        for prefix in prefixes
        if not any(m == prefix or m.startswith(prefix + ".") for m in all_modules)
    ]
    assert not stale, f"the layers block of {DOC.name} names modules that are gone: {stale}"
