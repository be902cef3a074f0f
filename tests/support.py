"""Test helpers: a small world of organisations and keys, and a client per role."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import Engine, func, select

from api.app import create_app
from debt_coord.bootstrap import JOB_HANDLERS, provide_services
from debt_coord.jobs.runner import Handler
from debt_coord.kernel.actors import Role
from debt_coord.kernel.settings import Settings
from debt_coord.organisations.models import OrganisationKind
from debt_coord.tables import UUIDv7AuditBase

IBANS = ["NL91ABNA0417164300", "NL44RABO0123456789", "NL86INGB0002445588", "DE89370400440532013000"]


@dataclass
class Party:
    name: str
    organisation_id: str
    key: str
    role: Role

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@dataclass
class World:
    """admin; counsellor (our counselling organisation), other_counsellor; creditors c1..c3."""

    parties: dict[str, Party] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Party:
        try:
            return self.parties[name]
        except KeyError:
            raise AttributeError(name) from None


EXTRA_CREDITORS = {"c4": "Telecom Vier", "c5": "Betaal Later", "c6": "Woonstichting Zes"}


async def _build_world(settings: Settings, extra_creditors: tuple[str, ...]) -> World:
    world = World()
    plan = [
        ("admin", "Platform", OrganisationKind.PLATFORM, Role.ADMIN),
        ("counsellor", "Schuldhulp Noord", OrganisationKind.COUNSELLING, Role.COUNSELLOR),
        ("other_counsellor", "Schuldhulp Zuid", OrganisationKind.COUNSELLING, Role.COUNSELLOR),
        ("c1", "Zilverzorg", OrganisationKind.CREDITOR, Role.CREDITOR),
        ("c2", "Energie Direct", OrganisationKind.CREDITOR, Role.CREDITOR),
        ("c3", "Belastingdienst", OrganisationKind.CREDITOR, Role.CREDITOR),
        ("outsider", "Telecom Eén", OrganisationKind.CREDITOR, Role.CREDITOR),
        *((handle, EXTRA_CREDITORS[handle], OrganisationKind.CREDITOR, Role.CREDITOR) for handle in extra_creditors),
    ]
    async with provide_services(settings) as services:
        for handle, name, kind, role in plan:
            org = await services.organisations.register(name, kind)
            issued = await services.api_keys.issue(org, role, label=handle)
            world.parties[handle] = Party(name, str(org.id), issued.plain_key, role)
    return world


def build_world(database_url: str, extra_creditors: tuple[str, ...] = ()) -> World:
    """The standard parties, plus any of c4..c6 for cases with more creditors."""
    return asyncio.run(_build_world(Settings(database_url=database_url, seed_demo=False), extra_creditors))


@contextmanager
def api_client(database_url: str, job_handlers: Mapping[str, Handler] = JOB_HANDLERS) -> Iterator[TestClient[Any]]:
    app = create_app(Settings(database_url=database_url, seed_demo=False), job_handlers)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def case_body(reference: str = "2026-0001", **overrides: Any) -> dict[str, Any]:
    return {
        "reference": reference,
        "debtor_name": "Jan de Vries",
        "debtor_contact_channel": "email",
        "debtor_contact": "jan@example.nl",
        "currency": "EUR",
        "country": "NL",
        "reference_date": "2026-11-01",
        **overrides,
    }


def claim_body(reference: str, principal: int, **overrides: Any) -> dict[str, Any]:
    return {
        "creditor_reference": reference,
        "principal_cents": principal,
        "interest_cents": 0,
        "costs_cents": 0,
        "claim_class": "concurrent",
        "iban": IBANS[0],
        "payment_reference": f"Dossier {reference}",
        "arose_on": (dt.date(2026, 1, 15)).isoformat(),
        "balance_date": "2026-11-01",
        **overrides,
    }


def open_case_with_creditors(client: TestClient[Any], world: World, *creditors: str, **case: Any) -> str:
    """A case of world.counsellor with the given creditors invited; returns its id."""
    response = client.post("/v1/cases", json=case_body(**case), headers=world.counsellor.headers)
    assert response.status_code == 201, response.text
    case_id: str = response.json()["id"]
    for handle in creditors:
        invite = {"organisation_id": world.parties[handle].organisation_id}
        answer = client.post(f"/v1/cases/{case_id}/creditors", json=invite, headers=world.counsellor.headers)
        assert answer.status_code == 201, answer.text
    return case_id


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table (claims, cases, audit_events, outbox, ...): a refused request adds none."""
    with engine.connect() as connection:
        return {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one()
                for t in UUIDv7AuditBase.metadata.sorted_tables}
