"""api -> debt_coord -> solver, never back: read every import of every module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"solver": ROOT / "solver", "debt_coord": ROOT / "src" / "debt_coord", "api": ROOT / "api"}
FORBIDDEN = {
    "solver": {"debt_coord", "api", "sqlalchemy", "litestar", "advanced_alchemy", "alembic", "celery"},
    "debt_coord": {"api", "litestar"},
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_nothing_upstream(package: str) -> None:
    files = sorted(PACKAGES[package].rglob("*.py"))
    assert files, f"no modules found for {package}"
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in files
        if imported_roots(path) & FORBIDDEN[package]
    }
    assert offenders == {}


def test_the_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("import os\nfrom litestar import get\nimport sqlalchemy.orm as orm\nfrom . import sibling\n")
    assert imported_roots(module) == {"os", "litestar", "sqlalchemy"}
