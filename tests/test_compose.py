"""docker-compose.yml cannot run here (no Docker engine), so check what it would run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from click.testing import CliRunner
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from api.cli import main
from api.observability import METRICS_PATH
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


def test_the_observability_profile_scrapes_the_api_and_every_worker_with_the_metrics_token() -> None:
    services = compose()["services"]
    for name in ("prometheus", "grafana"):
        assert services[name]["profiles"] == ["observability"], name
        for volume in services[name]["volumes"]:  # type: ignore[union-attr]
            assert (ROOT / str(volume).split(":")[0]).exists(), volume
    assert all("profiles" not in services[name] for name in ("api", "worker", "postgres", "redis"))
    app_env: dict[str, str] = services["api"]["environment"]  # type: ignore[assignment]
    token = app_env["DEBT_COORD_METRICS_TOKEN"]
    settings = Settings(metrics_token=token, worker_metrics_port=app_env["DEBT_COORD_WORKER_METRICS_PORT"])
    assert services["worker"]["environment"] == app_env

    prometheus = yaml.safe_load((ROOT / "deploy/prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in prometheus["scrape_configs"]}
    assert set(jobs) == {"debt-coord-api", "debt-coord-worker"}
    for job in jobs.values():
        assert job["metrics_path"] == METRICS_PATH
        assert job["authorization"] == {"type": "Bearer", "credentials": token}
    api_command = services["api"]["command"]
    api_port = api_command[api_command.index("--port") + 1]  # type: ignore[union-attr]
    assert jobs["debt-coord-api"]["static_configs"] == [{"targets": [f"api:{api_port}"]}]
    assert f"{api_port}:{api_port}" in services["api"]["ports"]  # type: ignore[operator]
    assert jobs["debt-coord-worker"]["dns_sd_configs"] == [
        {"names": ["worker"], "type": "A", "port": settings.worker_metrics_port}]


def test_the_dashboard_shows_only_series_the_app_exports() -> None:
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/debt-coord.json").read_text())
    used = {re.sub(r"_(total|bucket|count|sum)$", "", name)
            for panel in dashboard["panels"] for target in panel["targets"]
            for name in re.findall(r"debt_coord_\w+", target["expr"])}
    settings = Settings(database_url="sqlite:///:memory:", seed_demo=False, metrics_token="t" * 16)
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").status_code == 200  # Litestar makes its request series on the first request
        answer = client.get("/metrics", headers={"Authorization": f"Bearer {'t' * 16}"})
    exported = {family.name for family in text_string_to_metric_families(answer.text)}
    assert len(used) >= 10 and used <= exported, used - exported
