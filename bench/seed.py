"""Seed a database with many realistic cases, fast: rows written in bulk through the service's models.

Organisations and API keys go through the services (keys are hashed there); cases, invited
creditors, income, claims and their audit events are written with SQLAlchemy core inserts on
the models' tables, thousands of rows a statement, with the same values the services would
write: claims and income from bench/cases.py (realistic Dutch cases), IBANs generated with
schwifty and checked with the claims' own validator, an audit event for every case opened,
creditor invited and claim registered. Debtors have the names of a Dutch caseload (accents and
all, with the search form the model keeps beside them), and cases were opened one after another
over the months before now, so lists and filters by time see what a real database holds.

Usage: .venv/bin/python bench/seed.py DATABASE_URL [--cases 1000] [--claims 15000] [--seed 0] > seed.json
       (the database must be migrated; prints the keys and case ids as JSON)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from schwifty import IBAN
from sqlalchemy import Table, create_engine, insert
from uuid_utils.compat import uuid7

from bench.cases import make_case
from debt_coord.audit.models import AuditEvent
from debt_coord.bootstrap import provide_services
from debt_coord.cases.models import Case, CaseParticipant, Claim, ContactChannel, DebtType, IncomeStream
from debt_coord.cases.states import CaseState
from debt_coord.kernel.actors import Role
from debt_coord.kernel.database import sync_url
from debt_coord.kernel.search import search_key
from debt_coord.kernel.settings import Settings
from debt_coord.kernel.validation import normalise_iban
from debt_coord.organisations.models import OrganisationKind
from solver.models import ClaimClass

COUNSELLING_ORG = "Schuldhulp Load"
MONTHS = 18
MIN_CLAIMS, MAX_CLAIMS = 3, 40
"""An average case has 14 creditors, some up to 40 (DESIGN.md)."""
CHUNK = 5_000
BANKS = ("ABNA", "INGB", "RABO", "SNSB", "TRIO", "ASNB", "KNAB", "BUNQ")
DEBT_TYPES = {"zorg": DebtType.HEALTH, "ziekenhuis": DebtType.HEALTH, "tandarts": DebtType.HEALTH,
              "belasting": DebtType.PUBLIC, "toeslagen": DebtType.PUBLIC, "cjib": DebtType.PUBLIC,
              "gemeente": DebtType.PUBLIC, "waterschap": DebtType.PUBLIC, "energie": DebtType.UTILITIES,
              "water": DebtType.UTILITIES, "telecom": DebtType.UTILITIES}


@dataclass
class SeededCase:
    id: str
    reference: str
    creditors: list[str]
    """Organisation ids of the creditors invited to the case (each may register claims on it)."""
    claims: int
    reference_date: str = ""


@dataclass
class Seeded:
    """What a load test needs: keys by organisation and the cases; serialised as JSON."""

    counsellor_key: str
    creditor_keys: dict[str, str] = field(default_factory=dict)
    """Organisation id -> plain API key (creditor role)."""
    cases: list[SeededCase] = field(default_factory=list)
    debtor_tokens: dict[str, str] = field(default_factory=dict)
    """Case id -> debtor-link token, for the debtor's schedule (when the service has debtor links)."""
    planned: dict[str, str] = field(default_factory=dict)
    """Case id -> the plan version proposed on it (load_bench.py asks for these through the API)."""
    asked: list[str] = field(default_factory=list)
    """Cases a plan was asked for (proposed or infeasible): they no longer collect claims."""
    seconds: float = 0.0

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Seeded:
        data = json.loads(text)
        data["cases"] = [SeededCase(**c) for c in data["cases"]]
        return cls(**data)


FIRST_NAMES = ("Jan", "Zoë", "Noël", "Chloé", "Renée", "Anaïs", "Mehmet", "Ayşe", "Çağla", "Fatima", "Youssef",
               "Łukasz", "Małgorzata", "Björn", "Søren", "José", "María", "Inês", "Daan", "Sanne", "Priya", "Mohamed",
               "Eva", "Bram", "Iris", "Thijs", "Lotte", "Emre", "Nadia", "Ruud")
LAST_NAMES = ("de Vries", "Jansen", "van den Berg", "Bakker", "Öztürk", "Yılmaz", "Şahin", "Çelik", "El Amrani",
              "Bouzid", "Wróbel", "Kowalski", "Müller", "Ødegaard", "Muñoz", "García", "Gonçalves", "Smit", "Visser",
              "de Groot", "Meijer", "Dijkstra", "Brouwer", "Hoekstra", "van Dijk", "Mulder", "Bos", "Vos", "Peters",
              "Hendriks", "Ramdin", "Sewdien", "Nguyễn", "Ćosić", "Ĳzerman")
CASE_EVERY = dt.timedelta(minutes=53)
"""Cases are opened one after another, 27 a day: 10,000 cases over the year before now."""


def debtor_names(count: int, seed_value: int) -> list[str]:
    """Debtors' names as a counsellor's caseload has them: Dutch, Turkish, Moroccan, Polish, ..., with accents."""
    rng = random.Random(f"names {seed_value}")  # its own draw: the claims stay what they were for a seed
    return [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(count)]


def claim_counts(rng: random.Random, cases: int, claims: int) -> list[int]:
    """Claims per case between MIN_CLAIMS and MAX_CLAIMS, skewed to the small side, adding up to `claims`."""
    if not MIN_CLAIMS * cases <= claims <= MAX_CLAIMS * cases:
        raise ValueError(f"{claims} claims do not fit {cases} cases of {MIN_CLAIMS}..{MAX_CLAIMS}")
    mean = claims / cases
    counts = [min(MAX_CLAIMS, max(MIN_CLAIMS, round(rng.lognormvariate(0, 0.5) * mean * 0.9))) for _ in range(cases)]
    while (gap := claims - sum(counts)) != 0:
        index = rng.randrange(cases)
        step = 1 if gap > 0 else -1
        if MIN_CLAIMS <= counts[index] + step <= MAX_CLAIMS:
            counts[index] += step
    return counts


def iban_for(number: int) -> str:
    iban = IBAN.generate("NL", bank_code=BANKS[number % len(BANKS)], account_code=str(1_000_000 + number).zfill(10))
    return normalise_iban(str(iban))  # what the claims service accepts, or ValueError


def debt_type(creditor: str) -> DebtType:
    lowered = creditor.lower()
    return next((kind for word, kind in DEBT_TYPES.items() if word in lowered), DebtType.OTHER)


def chunks(rows: list[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def json_safe(row: dict[str, Any]) -> dict[str, Any]:
    """A row as kernel.snapshot.snapshot() writes it: ids and dates as strings, enums as values."""
    out = {}
    for key, value in row.items():
        if key in ("created_at", "updated_at"):
            continue
        if hasattr(value, "value"):  # an enum
            value = value.value
        out[key] = value if isinstance(value, int | str | None) else str(value)
    return out


async def _organisations(settings: Settings, creditor_names: Iterable[str]) -> tuple[str, str, dict[str, str]]:
    """(counselling org id, its counsellor key, {creditor name: (org id, key)}) through the services."""
    keys: dict[str, str] = {}
    async with provide_services(settings) as services:
        counselling = await services.organisations.register(COUNSELLING_ORG, OrganisationKind.COUNSELLING)
        counsellor = await services.api_keys.issue(counselling, Role.COUNSELLOR, label="load")
        for name in creditor_names:
            org = await services.organisations.register(name, OrganisationKind.CREDITOR)
            issued = await services.api_keys.issue(org, Role.CREDITOR, label="load")
            keys[name] = f"{org.id} {issued.plain_key}"
    return str(counselling.id), counsellor.plain_key, keys


def seed(database_url: str, *, cases: int = 1000, claims: int = 15_000, seed_value: int = 0) -> Seeded:
    started = time.perf_counter()
    rng = random.Random(seed_value)
    counts = claim_counts(rng, cases, claims)
    shapes = [make_case(n, MONTHS, seed=seed_value * 100_000 + number) for number, n in enumerate(counts)]
    names = sorted({claim.creditor for shape in shapes for claim in shape.claims})
    counselling_id, counsellor_key, org_keys = asyncio.run(
        _organisations(Settings(database_url=database_url, seed_demo=False), names))
    org_of = {name: org_keys[name].split(" ", 1)[0] for name in names}
    ibans = {name: iban_for(number) for number, name in enumerate(names)}
    seeded = Seeded(counsellor_key, creditor_keys={org_of[n]: org_keys[n].split(" ", 1)[1] for n in names})

    now = dt.datetime.now(dt.UTC)
    names_of_debtors = debtor_names(len(shapes), seed_value)
    rows: dict[Table, list[dict[str, Any]]] = {
        table: [] for table in (Case.__table__, CaseParticipant.__table__, IncomeStream.__table__,
                                Claim.__table__, AuditEvent.__table__)  # type: ignore[misc]
    }

    def audit(case_id: Any, organisation: str, action: str, target: str, row: dict[str, Any]) -> None:
        at = row["created_at"]
        rows[AuditEvent.__table__].append({  # type: ignore[index]
            "id": uuid7(), "case_id": case_id, "organisation_id": organisation, "api_key_id": None,
            "actor": f"{action.split('.')[0]} (load seed)", "action": action, "target_type": target,
            "target_id": str(row["id"]), "before": None,
            "after": json_safe({k: v for k, v in row.items() if k != "debtor_search"}), "at": at,
            "created_at": at, "updated_at": at,
        })

    for number, shape in enumerate(shapes):
        reference = f"LOAD-{number:05d}"
        opened = now - CASE_EVERY * (len(shapes) - number)
        case = {"id": uuid7(), "organisation_id": counselling_id, "reference": reference,
                "debtor_name": names_of_debtors[number], "debtor_search": search_key(names_of_debtors[number]),
                "debtor_contact_channel": ContactChannel.EMAIL,
                "debtor_contact": f"debiteur{number}@example.nl", "currency": "EUR", "country": "NL",
                "reference_date": shape.start_date, "claims_deadline": None, "state": CaseState.COLLECTING,
                "version": 1, "created_at": opened, "updated_at": opened}
        rows[Case.__table__].append(case)  # type: ignore[index]
        audit(case["id"], counselling_id, "case.opened", "Case", case)
        invited = sorted({claim.creditor for claim in shape.claims})
        for name in invited:
            invited_at = opened + dt.timedelta(minutes=1)
            participant = {"id": uuid7(), "case_id": case["id"], "organisation_id": org_of[name],
                           "balance_as_of": shape.start_date, "message": "", "created_at": invited_at,
                           "updated_at": invited_at}
            rows[CaseParticipant.__table__].append(participant)  # type: ignore[index]
            audit(case["id"], counselling_id, "creditor.invited", "CaseParticipant", participant)
        for position, stream in enumerate(shape.income):
            rows[IncomeStream.__table__].append({  # type: ignore[index]
                "id": uuid7(), "case_id": case["id"], "position": position, "stream_id": stream.id,
                "amount_cents": stream.amount_cents, "available_cents": stream.available_cents,
                "day_of_month": stream.day_of_month, "every_weeks": stream.every_weeks,
                "first_date": stream.first_date,
                "dates": [d.isoformat() for d in stream.dates] if stream.dates is not None else None,
                "created_at": opened, "updated_at": opened,
            })
        for index, claim in enumerate(shape.claims):
            interest = claim.outstanding_cents // 10
            costs = min(claim.outstanding_cents // 20, 4_000)
            row = {"id": uuid7(), "case_id": case["id"], "organisation_id": org_of[claim.creditor],
                   "creditor_reference": f"{reference}-{index:02d}",
                   "principal_cents": claim.outstanding_cents - interest - costs, "interest_cents": interest,
                   "costs_cents": costs, "claim_class": ClaimClass(claim.claim_class.value),
                   "debt_type": debt_type(claim.creditor),
                   "min_payment_cents": claim.min_payment_cents, "iban": ibans[claim.creditor],
                   "payment_reference": f"Dossier {reference}-{index:02d}",
                   "arose_on": shape.start_date - dt.timedelta(days=rng.randrange(60, 900)),
                   "balance_date": shape.start_date, "version": 1,
                   "created_at": opened + dt.timedelta(hours=1, seconds=index),
                   "updated_at": opened + dt.timedelta(hours=1, seconds=index)}
            rows[Claim.__table__].append(row)  # type: ignore[index]
            audit(case["id"], org_of[claim.creditor], "claim.registered", "Claim", row)
        seeded.cases.append(SeededCase(str(case["id"]), reference, [org_of[n] for n in invited], len(shape.claims),
                                       shape.start_date.isoformat()))

    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as connection:
            for table, table_rows in rows.items():
                for chunk in chunks(table_rows):
                    connection.execute(insert(table), chunk)
        seeded.debtor_tokens = debtor_links(engine, seeded)
    finally:
        engine.dispose()
    seeded.seconds = round(time.perf_counter() - started, 2)
    return seeded


def debtor_links(engine: Any, seeded: Seeded) -> dict[str, str]:
    """A debtor link for every case, when this version of the service has them (else none)."""
    try:
        from debt_coord.debtor.models import DebtorLink
        from debt_coord.organisations.service import hash_key
    except ImportError:
        return {}
    import secrets

    now = dt.datetime.now(dt.UTC)
    tokens = {case.id: "dtl_" + secrets.token_urlsafe(32) for case in seeded.cases}
    rows = [{"id": uuid7(), "case_id": case_id, "token_hash": hash_key(token), "created_by": "load seed",
             "expires_at": now + dt.timedelta(days=365), "revoked_at": None, "created_at": now, "updated_at": now}
            for case_id, token in tokens.items()]
    with engine.begin() as connection:
        for chunk in chunks(rows):
            connection.execute(insert(DebtorLink.__table__), chunk)
    return tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--claims", type=int, default=15_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    seeded = seed(args.database_url, cases=args.cases, claims=args.claims, seed_value=args.seed)
    print(seeded.to_json())
    print(f"seeded {len(seeded.cases)} cases, {sum(c.claims for c in seeded.cases)} claims, "
          f"{len(seeded.creditor_keys)} creditors in {seeded.seconds} s", file=sys.stderr)


if __name__ == "__main__":
    main()
