"""`debt-coord messages preview`: what would go out for a case at a moment, as JSON; nothing is sent or kept."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click

from debt_coord.bootstrap import Services
from debt_coord.kernel.clock import AMSTERDAM
from debt_coord.kernel.settings import get_settings
from debt_coord.messages.preview import find_case, preview
from debt_coord.service_commands import run_with_services


@click.group()
def messages() -> None:
    """The debtor's messages."""


@messages.command("preview")
@click.option("--case", "reference", required=True, help="The case's reference, e.g. 2026-0001.")
@click.option("--at", "at", required=True, type=click.DateTime(["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S",
                                                               "%Y-%m-%d %H:%M"]),
              help="Amsterdam time, e.g. 2027-01-26T09:00.")
@click.option("--organisation", default=None, help="The counsellor organisation's name, when references repeat.")
def preview_command(reference: str, at: dt.datetime, organisation: str | None) -> None:
    """Print, as JSON, the messages that would go out for the case at that moment (kind, channel, language, tone,
    text), without sending or writing anything: what a counsellor checks before switching a case on."""
    settings = get_settings()
    moment = at.replace(tzinfo=AMSTERDAM)

    async def work(services: Services) -> list[dict[str, Any]]:
        case = await find_case(services.uow.session, reference, organisation)
        return await preview(services.uow.session, settings, case, moment)

    found = run_with_services(work, settings)
    click.echo(json.dumps({"case": reference, "at": moment.isoformat(), "messages": found}, indent=2,
                          ensure_ascii=False))
