"""A demo case for the embedded default: one debtor, three creditors, and a key for each role.

The demo keys are also written to var/demo-keys.json so that each start can print them again;
that file exists only for the local demo and is never created for a real installation.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from debt_coord.models import (
    ClaimClass,
    ContactChannel,
    DebtType,
    Organisation,
    OrganisationKind,
    Role,
)
from debt_coord.services.actors import Actor
from debt_coord.services.context import Services
from solver.models import IncomeStream

COUNSELLING = "Schuldhulp Voorbeeldstad"
CREDITORS = (
    ("Zilverzorg Zorgverzekeraar", DebtType.HEALTH, ClaimClass.CONCURRENT, "NL91ABNA0417164300", 123_456, 0, 4_000),
    ("Energie Direct", DebtType.UTILITIES, ClaimClass.CONCURRENT, "NL44RABO0123456789", 86_420, 1_250, 15_000),
    ("Belastingdienst", DebtType.PUBLIC, ClaimClass.PREFERENT, "NL86INGB0002445588", 214_000, 3_200, 0),
)


@dataclass(frozen=True)
class DemoKey:
    organisation: str
    role: str
    key: str


def demo_keys_file(data_dir: Path) -> Path:
    return data_dir / "demo-keys.json"


async def is_empty(services: Services) -> bool:
    count = await services.session.scalar(select(func.count()).select_from(Organisation))
    return not count


async def seed_demo(services: Services, today: dt.date) -> list[DemoKey]:
    """Create the demo organisations, keys and case, and commit. Returns the plain keys."""
    keys: list[DemoKey] = []

    async def organisation(name: str, kind: OrganisationKind, role: Role) -> Organisation:
        org = await services.organisations.register(name, kind, contact_email=f"info@{name.split()[0].lower()}.example")
        issued = await services.api_keys.issue(org, role, label="demo")
        keys.append(DemoKey(name, role.value, issued.plain_key))
        return org

    await organisation("debt-coord beheer", OrganisationKind.PLATFORM, Role.ADMIN)
    counselling = await organisation(COUNSELLING, OrganisationKind.COUNSELLING, Role.COUNSELLOR)
    counsellor = Actor(counselling.id, Role.COUNSELLOR, f"{COUNSELLING} (demo seed)")
    case = await services.cases.open_case(counsellor, {
        "reference": "DEMO-001", "debtor_name": "Jan de Vries", "debtor_contact_channel": ContactChannel.EMAIL,
        "debtor_contact": "jan.devries@example.nl", "currency": "EUR", "country": "NL", "reference_date": today,
        "claims_deadline": today + dt.timedelta(days=28),
    })
    await services.cases.replace_income(counsellor, case.id, [
        IncomeStream(id="salaris", amount_cents=215_000, available_cents=24_000, day_of_month=25),
        IncomeStream(id="vakantiegeld", amount_cents=120_000, available_cents=60_000,
                     dates=[dt.date(today.year + (today.month > 5), 5, 22)]),
    ])
    for number, (name, debt_type, claim_class, iban, principal, interest, costs) in enumerate(CREDITORS, 1):
        creditor = await organisation(name, OrganisationKind.CREDITOR, Role.CREDITOR)
        await services.cases.invite_creditor(counsellor, case.id, creditor.id, "Saldo-opgave gevraagd.")
        await services.claims.register(Actor(creditor.id, Role.CREDITOR, f"{name} (demo seed)"), case.id, {
            "creditor_reference": f"DEMO-{number:03d}", "principal_cents": principal, "interest_cents": interest,
            "costs_cents": costs, "claim_class": claim_class, "debt_type": debt_type, "iban": iban,
            "payment_reference": f"Dossier {number:03d}-{case.reference}", "arose_on": today - dt.timedelta(days=200),
            "balance_date": today,
        })
    await services.session.commit()
    return keys


def save_demo_keys(data_dir: Path, keys: list[DemoKey]) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = demo_keys_file(data_dir)
    path.write_text(json.dumps([vars(k) for k in keys], indent=2))
    path.chmod(0o600)


def load_demo_keys(data_dir: Path) -> list[DemoKey]:
    path = demo_keys_file(data_dir)
    return [DemoKey(**k) for k in json.loads(path.read_text())] if path.exists() else []
