"""A plan flow through the API, and reading /metrics as Prometheus does."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families

from debt_coord.bootstrap import provide_services
from debt_coord.jobs.models import JobKind
from debt_coord.jobs.store import enqueue
from debt_coord.kernel.actors import Actor, Role
from debt_coord.kernel.settings import Settings
from tests.negotiation.flow import wait_for_plan
from tests.support import World, claim_body, open_case_with_creditors

METRICS_TOKEN = "metrics-token-of-the-tests-0123456789"
INCOME = {"streams": [{"id": "salaris", "amount_cents": 180_000, "available_cents": 15_000, "day_of_month": 24}]}
PLAN_ASK = {"start_date": "2027-01-01", "months": 6, "time_limit_seconds": 2}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient[Any], token: str = METRICS_TOKEN) -> Samples:
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(answer.text) for sample in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples of `name` whose labels include `labels` (0 when there are none)."""
    wanted = set(labels.items())
    return sum(v for (n, have), v in samples.items() if n == name and wanted <= have)


def plan_case(client: TestClient[Any], world: World, headers: dict[str, str] | None = None) -> tuple[str, str]:
    """A case with c1's claim and income; a plan asked (with `headers`) and solved. Returns (case id, plan id)."""
    case_id = open_case_with_creditors(client, world, "c1", reference=f"OBS-{uuid.uuid4().hex[:8]}")
    counsellor = world.counsellor.headers
    assert client.put(f"/v1/cases/{case_id}/income", json=INCOME, headers=counsellor).is_success
    claim = client.post(f"/v1/cases/{case_id}/claims", json=claim_body("OBS-1", 60_000), headers=world.c1.headers)
    assert claim.status_code == 201, claim.text
    asked = client.post(f"/v1/cases/{case_id}/plans", json=PLAN_ASK, headers={**counsellor, **(headers or {})})
    assert asked.status_code == 202, asked.text
    return case_id, wait_for_plan(client, asked.headers["location"], counsellor)


def queue_job(settings: Settings, world: World, case_id: str, payload: dict[str, Any]) -> str:
    """A job row written outside the API (no message sent): only a sweeper finds it."""

    async def write() -> str:
        actor = Actor(uuid.UUID(world.counsellor.organisation_id), Role.COUNSELLOR, "tests")
        async with provide_services(settings) as services:
            job = await enqueue(services.uow, kind=JobKind.SOLVE_PLAN, payload=payload, actor=actor,
                                case_id=uuid.UUID(case_id))
            await services.uow.commit()
            return str(job.id)

    return asyncio.run(write())


def wait_for(check: Any, what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")
