"""The `debt-coord` commands that need the service stack: database, organisations and keys, demo data.

Imported by ``debt_coord.cli`` only when one of them runs, so `debt-coord solve` does not pay for
SQLAlchemy, Alembic and the services.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from debt_coord import migrate
from debt_coord.bootstrap import Services, provide_services
from debt_coord.kernel.actors import Role
from debt_coord.kernel.clock import today
from debt_coord.kernel.errors import ServiceError
from debt_coord.kernel.settings import Settings, get_settings
from debt_coord.organisations.models import OrganisationKind

T = TypeVar("T")


def run_with_services(work: Callable[[Services], Awaitable[T]], settings: Settings | None = None) -> T:
    """Run `work` on the services, on a database migrated to the head first (a fresh data dir has no tables)."""
    settings = settings or get_settings()
    migrate.upgrade(settings.effective_database_url)

    async def runner() -> T:
        async with provide_services(settings) as services:
            return await work(services)

    try:
        return asyncio.run(runner())
    except ServiceError as error:
        raise click.ClickException(error.detail) from None


@click.group()
def db() -> None:
    """The database schema (Alembic)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    migrate.upgrade(get_settings().effective_database_url, revision)
    click.echo(f"database at {revision}")


@db.command("downgrade")
@click.option("--revision", default="base", show_default=True)
def db_downgrade(revision: str) -> None:
    migrate.downgrade(get_settings().effective_database_url, revision)
    click.echo(f"database at {revision}")


@click.group()
def orgs() -> None:
    """Organisations: counselling, creditor, platform."""


@orgs.command("create")
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice([k.value for k in OrganisationKind]), required=True)
@click.option("--email", default=None)
@click.option("--phone", default=None, help="Shown to debtors; stored in E.164 (without a country code: Dutch).")
def orgs_create(name: str, kind: str, email: str | None, phone: str | None) -> None:
    async def work(services: Services) -> str:
        org = await services.organisations.register(name, OrganisationKind(kind), contact_email=email,
                                                    contact_phone=phone)
        return str(org.id)

    click.echo(run_with_services(work))


@orgs.command("payout-account")
@click.option("--org", "org_name", required=True, help="The counselling organisation's name.")
@click.option("--iban", required=True, help="The account debtors pay into and payout runs pay creditors from.")
@click.option("--bic", default=None, help="The bank's BIC (optional within SEPA).")
@click.option("--day", type=int, required=True, help="Payout runs: monthly, the first bank day on or after this day "
                                                     "(1 to 28).")
def orgs_payout_account(org_name: str, iban: str, bic: str | None, day: int) -> None:
    """Set a counselling organisation's payout account, so its cases can be paid via the counsellor."""
    from debt_coord.payouts.account import PayoutAccount, set_payout_account

    try:
        account = PayoutAccount.checked(iban, bic, day)
    except ValueError as error:
        raise click.ClickException(str(error)) from None

    async def work(services: Services) -> str:
        return await set_payout_account(services.uow, org_name, account)

    click.echo(run_with_services(work))


@click.group()
def keys() -> None:
    """API keys: shown once, stored as a hash."""


@keys.command("create")
@click.option("--org", "org_name", required=True, help="The organisation's name.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--label", default="")
def keys_create(org_name: str, role: str, label: str) -> None:
    """Issue a key and print it once."""

    async def work(services: Services) -> str:
        org = await services.organisations.get_one_or_none(name=org_name)
        if org is None:
            raise click.ClickException(f"no organisation named {org_name!r}; create it with `debt-coord orgs create`")
        issued = await services.api_keys.issue(org, Role(role), label)
        return issued.plain_key

    click.echo(run_with_services(work))


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Seed the demo cases into an empty database and print their keys and the debtor page."""
    from debt_coord.demo import is_empty, save_demo, seed_demo

    settings = get_settings()
    if not run_with_services(is_empty, settings):
        raise click.ClickException("the database already holds organisations; the demo seeds only an empty one")
    demo = asyncio.run(seed_demo(settings, today()))
    save_demo(settings.data_dir, demo)
    for key in demo.keys:
        click.echo(f"{key.role:<11} {key.organisation:<30} {key.key}")
    click.echo(f"debtor page of DEMO-002: {demo.debtor_page}")
