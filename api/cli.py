"""The `debt-coord` command: the service core's commands plus `serve`, which needs the API."""

from __future__ import annotations

import asyncio

import click
import uvicorn

from debt_coord import migrate
from debt_coord.cli import main
from debt_coord.demo import DemoKey, is_empty, load_demo_keys, save_demo_keys, seed_demo
from debt_coord.domain.clock import today
from debt_coord.services.context import Services, provide_services
from debt_coord.settings import Settings, get_settings


async def _seed_if_empty(settings: Settings) -> list[DemoKey]:
    async with provide_services(settings) as services:
        if not await is_empty(services):
            return []
        return await seed_demo(services, today())


def _print_welcome(settings: Settings, keys: list[DemoKey]) -> None:
    base = f"http://{settings.host}:{settings.port}"
    click.echo(f"\ndebt-coord API   {base}/v1")
    click.echo(f"API docs         {base}/schema   (Swagger UI: {base}/schema/swagger)")
    click.echo(f"database         {settings.effective_database_url}")
    click.echo(f"jobs             {'Celery on ' + settings.redis_url if settings.redis_url else 'in-process'}")
    if keys:
        click.echo("\nDemo API keys (case DEMO-001):")
        for key in keys:
            click.echo(f"  {key.role:<11} {key.organisation:<28} {key.key}")
        click.echo(f'\nTry: curl -H "Authorization: Bearer <counsellor key>" {base}/v1/cases')
    click.echo("")


@main.command()
@click.option("--host", default=None, help="Overrides DEBT_COORD_HOST.")
@click.option("--port", type=int, default=None, help="Overrides DEBT_COORD_PORT.")
def serve(host: str | None, port: int | None) -> None:
    """Migrate the database, seed the demo case on first start, and serve the API."""
    settings = get_settings().model_copy(update={k: v for k, v in {"host": host, "port": port}.items() if v})
    migrate.upgrade(settings.effective_database_url)
    keys: list[DemoKey] = []
    if settings.seed_demo:
        new_keys = asyncio.run(_seed_if_empty(settings))
        if new_keys:
            save_demo_keys(settings.data_dir, new_keys)
        keys = load_demo_keys(settings.data_dir)
    _print_welcome(settings, keys)
    from api.app import create_app

    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


__all__ = ["Services", "main"]
