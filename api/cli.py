"""The `debt-coord` command: the service core's commands plus `serve`, which needs the API."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from debt_coord.cli import main

if TYPE_CHECKING:
    from debt_coord.demo import Demo
    from debt_coord.kernel.settings import Settings


def _print_welcome(settings: Settings, demo: Demo | None) -> None:
    base = f"http://{settings.host}:{settings.port}"
    click.echo(f"\ndebt-coord API   {base}/v1")
    click.echo(f"API docs         {base}/schema   (Swagger UI: {base}/schema/swagger)")
    click.echo(f"database         {settings.effective_database_url}")
    click.echo(f"jobs             {'Celery on ' + settings.redis_url if settings.redis_url else 'in-process'}")
    if demo:
        click.echo("\nDemo API keys (cases DEMO-001 and DEMO-002):")
        for key in demo.keys:
            click.echo(f"  {key.role:<11} {key.organisation:<28} {key.key}")
        click.echo(f'\nTry: curl -H "Authorization: Bearer <counsellor key>" {base}/v1/cases')
        if demo.debtor_page:
            click.echo(f"Debtor page of DEMO-002: {settings.effective_public_url}{demo.debtor_page}")
    click.echo("")


@main.command()
@click.option("--host", default=None, help="Overrides DEBT_COORD_HOST.")
@click.option("--port", type=int, default=None, help="Overrides DEBT_COORD_PORT.")
def serve(host: str | None, port: int | None) -> None:
    """Migrate the database, seed the demo case on first start, and serve the API."""
    # Imported here, not above, so that the other commands (`solve` above all) start fast.
    import asyncio

    from debt_coord import migrate
    from debt_coord.demo import is_empty, load_demo, save_demo, seed_demo
    from debt_coord.kernel.clock import today
    from debt_coord.kernel.settings import get_settings
    from debt_coord.service_commands import run_with_services

    settings = get_settings().model_copy(update={k: v for k, v in {"host": host, "port": port}.items() if v})
    migrate.upgrade(settings.effective_database_url)
    demo = None
    if settings.seed_demo:
        if run_with_services(is_empty, settings):
            save_demo(settings.data_dir, asyncio.run(seed_demo(settings, today())))
        demo = load_demo(settings.data_dir)
    _print_welcome(settings, demo)
    from api.app import create_app
    from api.server import run

    run(create_app(settings), settings)  # Hypercorn: it cuts off slow clients (api/server.py)


__all__ = ["main"]
