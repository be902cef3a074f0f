"""The demo for the embedded default: three creditors, a key for each role, and two debtors' cases.

DEMO-001 is still collecting claims; DEMO-002 has a plan the creditors agreed, and a debtor
link to its page. The keys and the link are also written to var/demo-keys.json so that each
start can print them again; that file exists only for the local demo.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from debt_coord.bootstrap import Services, job_wiring, provide_services
from debt_coord.cases.models import Case, ContactChannel, DebtType, IncomeKind
from debt_coord.cases.service import NamedIncome
from debt_coord.jobs.models import Job
from debt_coord.jobs.runner import run_job
from debt_coord.kernel.actors import Actor, Role
from debt_coord.kernel.settings import Settings
from debt_coord.negotiation.models import Answer, DecisionKind
from debt_coord.organisations.models import Organisation, OrganisationKind
from debt_coord.planning.options import PlanOptions, PolicyOverrides
from solver.models import ClaimClass, IncomeStream

COUNSELLING = "Schuldhulp Voorbeeldstad"
COUNSELLING_PHONE = "020 123 4567"
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


@dataclass(frozen=True)
class Demo:
    keys: list[DemoKey]
    debtor_page: str | None = None
    """Path (with its token) of the debtor page of the demo case with an agreed plan."""


def demo_file(data_dir: Path) -> Path:
    return data_dir / "demo-keys.json"


async def is_empty(services: Services) -> bool:
    count = await services.uow.session.scalar(select(func.count()).select_from(Organisation))
    return not count


async def seed_demo(settings: Settings, today: dt.date) -> Demo:
    """Seed the demo into an empty database: DEMO-001 collects claims, DEMO-002 has an agreed, active plan."""
    async with provide_services(settings) as services:
        keys, counsellor, creditors = await _organisations(services)
        await _case(services, counsellor, creditors, "DEMO-001", "Jan de Vries", today)
        planned = await _case(services, counsellor, creditors, "DEMO-002", "Samira Bakker", today)
        options = PlanOptions(policy=PolicyOverrides(time_limit_seconds=10))
        job = await services.plans.request_plan(counsellor, planned.id, options)
    await asyncio.to_thread(run_job, job.id, settings, job_wiring())
    async with provide_services(settings) as services:
        solved = await services.uow.session.get(Job, job.id)
        assert solved is not None and solved.result is not None, "the demo plan could not be solved"
        plan_id, number = uuid.UUID(solved.result["plan_id"]), solved.result["number"]
        await services.negotiations.propose(counsellor, plan_id, None)
        for creditor in creditors:
            await services.negotiations.decide(creditor, plan_id, number, Answer(DecisionKind.ACCEPT, "Demo: akkoord."))
        await services.negotiations.activate(counsellor, plan_id)
        link = await services.debtor_links.issue(counsellor, planned.id)
    return Demo(keys, f"/debtor?token={link.token}")


async def _organisations(services: Services) -> tuple[list[DemoKey], Actor, list[Actor]]:
    keys: list[DemoKey] = []

    async def organisation(name: str, kind: OrganisationKind, role: Role, phone: str | None = None) -> Actor:
        org = await services.organisations.register(name, kind, contact_email=f"info@{name.split()[0].lower()}.example",
                                                    contact_phone=phone)
        issued = await services.api_keys.issue(org, role, label="demo")
        keys.append(DemoKey(name, role.value, issued.plain_key))
        return Actor(org.id, role, f"{name} (demo seed)")

    await organisation("debt-coord beheer", OrganisationKind.PLATFORM, Role.ADMIN)
    counsellor = await organisation(COUNSELLING, OrganisationKind.COUNSELLING, Role.COUNSELLOR, COUNSELLING_PHONE)
    creditors = [await organisation(c[0], OrganisationKind.CREDITOR, Role.CREDITOR) for c in CREDITORS]
    return keys, counsellor, creditors


async def _case(services: Services, counsellor: Actor, creditors: list[Actor], reference: str, debtor: str,
                today: dt.date) -> Case:
    """A case with the debtor's salary and holiday pay and a claim of each demo creditor."""
    case = await services.cases.open_case(counsellor, {
        "reference": reference, "debtor_name": debtor, "debtor_contact_channel": ContactChannel.EMAIL,
        "debtor_contact": f"{debtor.split()[0].lower()}@example.nl", "currency": "EUR", "country": "NL",
        "reference_date": today, "claims_deadline": today + dt.timedelta(days=28),
    })
    await services.cases.replace_income(counsellor, case.id, [
        NamedIncome(IncomeStream(id="salaris", amount_cents=215_000, available_cents=24_000, day_of_month=25),
                    IncomeKind.SALARY),
        NamedIncome(IncomeStream(id="vakantiegeld", amount_cents=120_000, available_cents=60_000,
                                 dates=[dt.date(today.year + (today.month > 5), 5, 22)]), IncomeKind.HOLIDAY_PAY),
    ])
    for number, (creditor, (_, debt_type, claim_class, iban, principal, interest, costs)) in enumerate(
            zip(creditors, CREDITORS, strict=True), 1):
        await services.cases.invite_creditor(counsellor, case.id, creditor.organisation_id, "Saldo-opgave gevraagd.")
        await services.claims.register(creditor, case.id, {
            "creditor_reference": f"{reference}-{number:03d}", "principal_cents": principal,
            "interest_cents": interest, "costs_cents": costs, "claim_class": claim_class, "debt_type": debt_type,
            "iban": iban, "payment_reference": f"Dossier {number:03d}-{reference}",
            "arose_on": today - dt.timedelta(days=200), "balance_date": today,
        })
    return case


def save_demo(data_dir: Path, demo: Demo) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = demo_file(data_dir)
    path.write_text(json.dumps({"keys": [vars(k) for k in demo.keys], "debtor_page": demo.debtor_page}, indent=2))
    path.chmod(0o600)


def load_demo(data_dir: Path) -> Demo | None:
    path = demo_file(data_dir)
    if not path.exists():
        return None
    saved = json.loads(path.read_text())
    if isinstance(saved, list):  # written before the demo had a planned case
        return Demo([DemoKey(**k) for k in saved])
    return Demo([DemoKey(**k) for k in saved["keys"]], saved.get("debtor_page"))
