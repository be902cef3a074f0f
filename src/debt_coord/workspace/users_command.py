"""`debt-coord users create|reset|disable|enable|list`: workspace users, their one-time set-password links, and
whether they may sign in."""

from __future__ import annotations

import datetime as dt

import click

from debt_coord.bootstrap import Services
from debt_coord.kernel.settings import get_settings
from debt_coord.service_commands import run_with_services
from debt_coord.workspace.models import WorkspaceAccount
from debt_coord.workspace.service import SET_PASSWORD_VALID, WorkspaceAccountService

SET_PASSWORD_PATH = "/app/set-password"
EMAIL = click.option("--email", required=True, help="The user's e-mail address: the sign-in name.")


@click.group()
def users() -> None:
    """Counsellors who sign in to the workspace (/app)."""


def _echo_link(token: str, expires: dt.datetime | None) -> None:
    click.echo(f"{get_settings().effective_public_url}{SET_PASSWORD_PATH}?token={token}")
    if expires is not None:
        click.echo(f"(the link works once, until {expires:%Y-%m-%d %H:%M} UTC)")


@users.command("create")
@click.option("--org", "organisation", required=True, help="The counselling organisation's name.")
@EMAIL
def create(organisation: str, email: str) -> None:
    """Makes the user and prints a one-time link to choose a password (valid 7 days; only its hash is kept)."""

    async def work(services: Services) -> tuple[str, str, dt.datetime | None]:
        invitation = await WorkspaceAccountService(services.uow).invite(organisation, email)
        return invitation.account.email, invitation.token, invitation.account.set_password_expires_at

    address, token, expires = run_with_services(work)
    click.echo(f"user {address} created; let them choose a password within {SET_PASSWORD_VALID.days} days at:")
    _echo_link(token, expires)


@users.command("reset")
@EMAIL
def reset(email: str) -> None:
    """Prints a new one-time set-password link; an earlier unused link stops working. The current password keeps
    working until the new link is used (then every open session ends)."""

    async def work(services: Services) -> tuple[str, str, dt.datetime | None]:
        invitation = await WorkspaceAccountService(services.uow).reset(email)
        return invitation.account.email, invitation.token, invitation.account.set_password_expires_at

    address, token, expires = run_with_services(work)
    click.echo(f"a new password for {address} can be chosen within {SET_PASSWORD_VALID.days} days at:")
    _echo_link(token, expires)


def _set_enabled(email: str, enabled: bool) -> None:
    async def work(services: Services) -> str:
        return (await WorkspaceAccountService(services.uow).set_enabled(email, enabled)).email

    address = run_with_services(work)
    click.echo(f"user {address} enabled" if enabled else f"user {address} disabled; its sessions have ended")


@users.command("disable")
@EMAIL
def disable(email: str) -> None:
    """The user can no longer sign in, and its open sessions end at once."""
    _set_enabled(email, False)


@users.command("enable")
@EMAIL
def enable(email: str) -> None:
    """A disabled user may sign in again (with its password, or a link from `users reset`)."""
    _set_enabled(email, True)


def _row(account: WorkspaceAccount) -> tuple[str, str, str, str]:
    last = account.last_sign_in_at
    return (account.email, "no" if account.disabled_at else "yes",
            f"{last:%Y-%m-%d %H:%M} UTC" if last is not None else "never", "yes" if account.password_hash else "no")


@users.command("list")
@click.option("--org", "organisation", required=True, help="The counselling organisation's name.")
def list_users(organisation: str) -> None:
    """The organisation's users: e-mail, enabled or not, last sign-in, password set or not."""

    async def work(services: Services) -> list[tuple[str, str, str, str]]:
        return [_row(a) for a in await WorkspaceAccountService(services.uow).accounts(organisation)]

    found = run_with_services(work)
    if not found:
        click.echo(f"{organisation} has no workspace users")
        return
    rows = [("e-mail", "enabled", "last sign-in", "password set"), *found]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
