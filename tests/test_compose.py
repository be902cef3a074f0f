"""docker-compose.yml cannot run here (no Docker engine), so check what it would run."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from api.cli import main
from debt_coord.kernel.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict[str, dict[str, dict[str, object]]]:
    loaded: dict[str, dict[str, dict[str, object]]] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_every_app_command_is_a_real_cli_command() -> None:
    for name, service in compose()["services"].items():
        command = service.get("command")
        if not isinstance(command, list) or command[0] != "debt-coord":
            continue
        result = CliRunner().invoke(main, [*map(str, command[1:]), "--help"])
        assert result.exit_code == 0, f"{name}: {command} -> {result.output}"


def test_app_environment_names_are_settings_we_read() -> None:
    known = {f"DEBT_COORD_{field.upper()}" for field in Settings.model_fields}
    for name, service in compose()["services"].items():
        if service.get("build"):
            assert set(service["environment"]) <= known, name  # type: ignore[arg-type]


def test_dockerfile_copies_every_package_the_app_imports() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for folder in ("src", "solver", "api", "migrations", "alembic.ini", "pyproject.toml"):
        assert folder in dockerfile, folder
