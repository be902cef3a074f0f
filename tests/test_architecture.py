"""The shape of the code, checked: no import cycles, small modules and classes, one owner of each commit.

Read from the source with `ast`, imports inside functions included, so a cycle cannot hide
behind a late import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TREES = {"debt_coord": ROOT / "src" / "debt_coord", "api": ROOT / "api"}
MAX_MODULE_LINES = 400
MAX_CLASS_METHODS = 20
UNIT_OF_WORK = "debt_coord.kernel.uow"
"""The only module that commits a session."""


def modules() -> dict[str, Path]:
    found = {}
    for package, folder in TREES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = [package, *path.relative_to(folder).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of ours that `name` imports, at any depth of its code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # `from pkg import module` imports the module; `from module import name` the module itself
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        found |= {target for target in targets if target in known and target != name}
    return found


def import_graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected set of modules larger than one (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_check_sees_a_cycle_hidden_in_a_function() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_imports_inside_functions_and_relative_ones_are_read(tmp_path: Path) -> None:
    module = tmp_path / "mod.py"
    module.write_text("from . import sibling\n\ndef late():\n    from pkg.other import thing\n    import pkg.third\n")
    known = {"pkg.sibling", "pkg.other", "pkg.third", "pkg.mod"}
    assert imports_of("pkg.mod", module, known) == {"pkg.sibling", "pkg.other", "pkg.third"}


def test_the_graph_knows_the_real_import_of_the_composition_root() -> None:
    graph = import_graph()
    assert "debt_coord.bootstrap" in graph["api.app"]
    assert "debt_coord.kernel.uow" in graph["debt_coord.kernel.service"]


def test_modules_stay_small() -> None:
    lines = {name: len(path.read_text().splitlines()) for name, path in modules().items()}
    assert {name: count for name, count in lines.items() if count > MAX_MODULE_LINES} == {}


def classes() -> Iterator[tuple[str, ast.ClassDef]]:
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                yield f"{name}.{node.name}", node


def method_count(node: ast.ClassDef) -> int:
    return sum(isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) for item in node.body)


def test_classes_stay_small() -> None:
    counts = {name: method_count(node) for name, node in classes()}
    assert counts, "no classes found"
    assert {name: count for name, count in counts.items() if count > MAX_CLASS_METHODS} == {}


def commits_in(path: Path) -> list[int]:
    """Lines that call `<something>.commit(...)` on anything but a unit of work (`uow`, `self.uow`)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit":
            receiver = node.func.value
            owner = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
            if owner != "uow":
                lines.append(node.lineno)
    return lines


def test_only_the_unit_of_work_commits() -> None:
    offenders = {name: commits_in(path) for name, path in modules().items() if name != UNIT_OF_WORK}
    assert {name: found for name, found in offenders.items() if found} == {}


@pytest.mark.parametrize(("source", "caught"), [
    ("async def f(session):\n    await session.commit()\n", [2]),
    ("async def f(db):\n    await db.session.commit()\n", [2]),
    ("async def f(self):\n    await self.uow.commit()\n", []),
    ("async def f(uow):\n    await uow.commit()\n", []),
])
def test_the_commit_check_tells_a_session_from_a_unit_of_work(tmp_path: Path, source: str, caught: list[int]) -> None:
    module = tmp_path / "some.py"
    module.write_text(source)
    assert commits_in(module) == caught
