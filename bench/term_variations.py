"""Issue 13's variations in the term simulation (bench/term_sim.py): a share of the cases lose a quarter of their
income in a seeded month, and the counsellor varies their plan through the API.

On the first of that month (after the previous month's statements are imported, before this month's are) every
income stream's amount and available part drop by a quarter (`PUT /v1/cases/{id}/income`), a plan is asked for the
active case (a variation: it starts on the next first of a month), proposed, accepted by every creditor in it and
activated; the service's `today` is that first of the month while the plan is asked (planning/service.py reads it
for the variation's start and for what counts as missed). From the variation's start the simulated debtor pays the
plan as it runs (the installments route: the carried schedule, then the variation).

Per variation: the money it moves against the agreed payments from its start (solver.variation.moved_cents, with
the request's reference_payments), the money a fresh plan for the same rest of the term moves (the same request
without reference_payments, solved here in-process), whether the validator accepts the varied proposal, and whether
the installments route lists exactly the carried schedule followed by the variation.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from litestar.testing import TestClient
from sqlalchemy import create_engine, select

from bench.seed import Seeded
from bench.term_debtor import running_schedule
from debt_coord.kernel.database import sync_url
from debt_coord.planning.models import PlanVersion
from solver import solve, validate
from solver.models import Payment, PlanProposal, PlanRequest
from solver.problem import make_problem
from solver.variation import least_moved, moved_cents

INCOME_CUT = 0.25
SHARE = 0.05


@dataclass(frozen=True)
class Varied:
    """One variation's figures."""

    case_id: str
    cut_on: dt.date
    start: dt.date
    agreed_cents: int
    """The agreed payments from the variation's start (the solver's reference)."""
    least_cents: int
    """The least any plan could move: per claim, how far its new total is from what was agreed from the start."""
    moved_cents: int
    fresh_moved_cents: int
    valid: bool
    runs_as_carried_and_varied: bool
    problems: tuple[str, ...] = ()


def wait_for_plan(client: TestClient[Any], location: str, headers: dict[str, str]) -> str | None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = client.get(location, headers=headers).json()
        if job["status"] == "succeeded":
            return str(job["result"]["plan_id"])
        if job["status"] not in ("queued", "running"):
            return None
        time.sleep(0.05)
    return None


def agree(client: TestClient[Any], seeded: Seeded, plan_id: str, creditors: list[str]) -> str | None:
    """Propose, every creditor accepts, activate: None when the plan is active, else why not."""
    counsellor = {"Authorization": f"Bearer {seeded.counsellor_key}"}
    proposed = client.post(f"/v1/plans/{plan_id}/propose", json={}, headers=counsellor)
    if not proposed.is_success:
        return f"propose answered {proposed.status_code} {proposed.text[:300]}"
    number = proposed.json()["number"]
    for organisation in creditors:
        key = {"Authorization": f"Bearer {seeded.creditor_keys[organisation]}"}
        decided = client.post(f"/v1/plans/{plan_id}/decisions", json={"plan_version": number, "decision": "accept"},
                              headers=key)
        if decided.status_code != 201:
            return f"a decision answered {decided.status_code} {decided.text[:300]}"
    activated = client.post(f"/v1/plans/{plan_id}/activate", headers=counsellor)
    return None if activated.status_code == 200 else f"activate answered {activated.status_code} {activated.text[:300]}"


def choose(rng: random.Random, case_ids: list[str], share: float, start: dt.date, months: int) -> dict[str, dt.date]:
    """The cases that lose income (`share` of them, at least one when the share is above nothing) and the first of
    the month it happens: from the plan's second month to the one before its last, so a month is left to vary."""
    if share <= 0 or months < 3 or not case_ids:
        return {}
    count = min(len(case_ids), max(1, round(share * len(case_ids))))
    return {case_id: start + relativedelta(months=rng.randint(1, months - 2))
            for case_id in sorted(rng.sample(sorted(case_ids), count))}


def cut_income(client: TestClient[Any], headers: dict[str, str], case_id: str) -> str | None:
    """Every income stream brings a quarter less, and a quarter less of it is available: None, or why not."""
    streams = client.get(f"/v1/cases/{case_id}/income", headers=headers).json()["streams"]
    kept = 1 - INCOME_CUT
    cut = [{**s, "amount_cents": int(s["amount_cents"] * kept), "available_cents": int(s["available_cents"] * kept)}
           for s in streams]
    answer = client.put(f"/v1/cases/{case_id}/income", json={"streams": cut}, headers=headers)
    return None if answer.status_code == 200 else f"the income answered {answer.status_code} {answer.text[:300]}"


def vary(client: TestClient[Any], database_url: str, seeded: Seeded, case_id: str, day: dt.date) -> Varied | str:
    """The income cut on `day` and the plan varied through the API: its figures, or why it could not be."""
    counsellor = {"Authorization": f"Bearer {seeded.counsellor_key}"}
    if why := cut_income(client, counsellor, case_id):
        return why
    with patch("debt_coord.planning.service.today", return_value=day):
        asked = client.post(f"/v1/cases/{case_id}/plans", json={"time_limit_seconds": 2}, headers=counsellor)
    if asked.status_code != 202:
        return f"asking for a variation answered {asked.status_code} {asked.text[:300]}"
    plan_id = wait_for_plan(client, asked.headers.get("location", ""), counsellor)
    if plan_id is None:
        return "the variation's solve job did not succeed"
    detail = client.get(f"/v1/plans/{plan_id}", headers=counsellor).json()
    if why := agree(client, seeded, plan_id, [a["organisation_id"] for a in detail["allocations"]]):
        return why
    return figures(database_url, case_id, plan_id, day, running_schedule(client, counsellor, case_id))


def figures(database_url: str, case_id: str, plan_id: str, day: dt.date, running: list[Payment]) -> Varied:
    """The variation against the agreed plan and against a fresh plan for the same rest of the term."""
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        request_json, proposal_json, varies = connection.execute(
            select(PlanVersion.request, PlanVersion.proposal, PlanVersion.varies)
            .where(PlanVersion.id == uuid.UUID(plan_id))).one()
    engine.dispose()
    request, proposal = PlanRequest.model_validate(request_json), PlanProposal.model_validate(proposal_json)
    reference = request.reference_payments
    fresh = solve(PlanRequest.model_validate({**request.model_dump(by_alias=True), "reference_payments": []}))
    problems = validate(request, proposal)
    carried = [Payment.model_validate(p) for p in varies["payments"]]
    return Varied(case_id=case_id, cut_on=day,
                  start=request.start_date, agreed_cents=sum(p.amount_cents for p in reference),
                  least_cents=least_moved(make_problem(request)),
                  moved_cents=moved_cents(reference, proposal.payments),
                  fresh_moved_cents=moved_cents(reference, fresh.payments), valid=not problems,
                  runs_as_carried_and_varied=_rows(running) == _rows([*carried, *proposal.payments]),
                  problems=tuple(problems[:3]))


def _rows(payments: list[Payment]) -> list[tuple[dt.date, str, int]]:
    return sorted((p.date, p.claim_id, p.amount_cents) for p in payments)


def summary(rows: list[Varied]) -> dict[str, Any]:
    moved, fresh = sum(r.moved_cents for r in rows), sum(r.fresh_moved_cents for r in rows)
    return {"count": len(rows), "agreed_cents": sum(r.agreed_cents for r in rows),
            "least_cents": sum(r.least_cents for r in rows), "moved_cents": moved,
            "fresh_moved_cents": fresh, "ratio": round(moved / fresh, 3) if fresh else None,
            "valid": sum(r.valid for r in rows)}


def as_json(rows: list[Varied]) -> list[dict[str, Any]]:
    return [asdict(r) for r in rows]


def render(rows: list[dict[str, Any]], total: dict[str, Any], not_varied: dict[str, str]) -> list[str]:
    if not rows and not not_varied:
        return []
    lines = [f"variations: {len(rows)} (every income stream cut by {INCOME_CUT:.0%}); moved = cents that differ from "
             "the agreed payments from the variation's start, per claim and date",
             f"{'case':>8} {'cut on':>10} {'starts':>10} {'agreed €':>10} {'least €':>9} {'variation €':>12} "
             f"{'fresh €':>10} {'ratio':>6}  valid"]
    for row in rows:
        lines.append(_line(row["case_id"][-8:], str(row["cut_on"]), str(row["start"]), row))
        lines += [f"         validator: {problem}" for problem in row["problems"]]
    lines.append(_line("total", "", "", {**total, "valid": f"{total['valid']}/{total['count']}"}))
    lines += [f"not varied: case {case_id}: {why}" for case_id, why in not_varied.items()]
    return lines


def _line(name: str, cut_on: str, start: str, row: dict[str, Any]) -> str:
    fresh = row["fresh_moved_cents"]
    ratio = f"{row['moved_cents'] / fresh:.2f}" if fresh else "-"
    valid = row["valid"] if isinstance(row["valid"], str) else ("yes" if row["valid"] else "NO")
    return (f"{name:>8} {cut_on:>10} {start:>10} {row['agreed_cents'] / 100:>10.2f} {row['least_cents'] / 100:>9.2f} "
            f"{row['moved_cents'] / 100:>12.2f} {fresh / 100:>10.2f} {ratio:>6}  {valid}")
