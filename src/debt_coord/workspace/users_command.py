"""`debt-coord users create --org NAME --email E`: a workspace user, and its one-time set-password link."""

from __future__ import annotations

import datetime as dt

import click

from debt_coord.bootstrap import Services
from debt_coord.kernel.settings import get_settings
from debt_coord.service_commands import run_with_services
from debt_coord.workspace.service import SET_PASSWORD_VALID, WorkspaceAccountService

SET_PASSWORD_PATH = "/app/set-password"


@click.group()
def users() -> None:
    """Counsellors who sign in to the workspace (/app)."""


@users.command("create")
@click.option("--org", "organisation", required=True, help="The counselling organisation's name.")
@click.option("--email", required=True, help="The user's e-mail address: the sign-in name.")
def create(organisation: str, email: str) -> None:
    """Makes the user and prints a one-time link to choose a password (valid 7 days; only its hash is kept)."""

    async def work(services: Services) -> tuple[str, str, dt.datetime | None]:
        invitation = await WorkspaceAccountService(services.uow).invite(organisation, email)
        return invitation.account.email, invitation.token, invitation.account.set_password_expires_at

    address, token, expires = run_with_services(work)
    base = get_settings().effective_public_url
    click.echo(f"user {address} created; let them choose a password within {SET_PASSWORD_VALID.days} days at:")
    click.echo(f"{base}{SET_PASSWORD_PATH}?token={token}")
    if expires is not None:
        click.echo(f"(the link works once, until {expires:%Y-%m-%d %H:%M} UTC)")
