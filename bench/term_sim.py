"""Issue 12's term simulation: N cases through their whole plan term, money in by bank statement, on PostgreSQL.

1. creates a temporary database on --postgres-url (dropped afterwards), migrates it and seeds --cases cases
   (bench/seed.py; about four claims a case), then moves their reference dates back to before the term;
2. activates a plan per case through the API (ask, propose, every creditor accepts, activate), the term
   starting --months + 2 months ago so that it has ended by today; the app runs in-process (litestar's
   TestClient on the real app with its own engine: no HTTP socket, everything else as served);
3. plays the debtor's bank month by month with a seeded random generator: per installment about 10% missed,
   3% partly paid, 15% paid late (1 to 12 days), the rest on the day; on 30% of the payment dates the day's
   transfers go in one batch entry for several creditors; groceries and the benefit in between. The first
   payment date is always paid (a case's first statement must pay a transfer: that is how the service
   learns the debtor's account). Each calendar month's bookings make one camt.053 per case, imported on the
   1st of the next month through `POST /v1/cases/{id}/statements`;
4. runs the daily arrears chore (ArrearsChore, the day as a parameter) for every day between the imports
   (`--chore-days due`: only on the import days and the days an installment falls overdue, which flags the
   same installments: past its grace an installment can only stop being overdue; much quicker at scale);
5. varies the plans of --vary-share of the cases (5%, at least one; bench/term_variations.py): on the first of a
   seeded month, after the month before is imported, every income stream brings a quarter less and the plan is
   varied through the API; from the variation's start the debtor pays the plan as it runs (the installments route).
   Per variation it prints the money moved against the agreed payments, against what a fresh plan for the same rest
   of the term moves, and whether the validator accepts the varied plan;
6. checks: every case's ledger sums to zero; per claim, received equals what the simulation paid; every
   entry matched or listed as unmatched (unmatched exactly the unrelated ones); the arrears flagged equal
   the installments the simulation left overdue (replaying the grace rules on what had been imported by each
   chore day); final statements add up (owed = received + remainder, per claim and per creditor); every varied
   plan valid, and the installments after a variation exactly its carried schedule followed by the variation. The
   arrears replay reads the plan as it runs: the first plan until a variation, the varied plan from then on.

Prints entries imported per second and the chore's time per day (and per active case, extrapolated to
10,000 active cases). Figures only: nothing here asserts a time.

Usage: .venv/bin/python bench/term_sim.py [--cases 200] [--months 18] [--seed 0] [--chore-days every|due]
       [--vary-share 0.05] [--json] [--postgres-url postgresql://127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from dateutil.relativedelta import relativedelta
from litestar.testing import TestClient
from sqlalchemy import create_engine, func, select, update

from api.app import create_app
from bench import term_variations
from bench.jobs_bench import temporary_database
from bench.seed import Seeded, seed
from bench.term_debtor import Entry, SimCase, Tx, behave, camt053, month_of, rewind, running_schedule
from bench.term_variations import Varied, agree, wait_for_plan
from debt_coord import migrate
from debt_coord.bootstrap import JOB_HANDLERS, message_bus
from debt_coord.cases.models import Case, Claim
from debt_coord.kernel.clock import AMSTERDAM, today
from debt_coord.kernel.database import create_engine as create_async_engine
from debt_coord.kernel.database import session_factory, sync_url
from debt_coord.kernel.settings import Settings
from debt_coord.money_in.arrears import ArrearsChore
from debt_coord.money_in.installments import InstallmentStatus, bank_days_after, installments
from debt_coord.money_in.models import ArrearsFlag
from debt_coord.money_in.models import Entry as LedgerEntry

__all__ = ["Entry", "Figures", "SimCase", "Tx", "activate", "behave", "camt053", "import_month", "month_of", "prepare",
           "run_chores", "sim_case", "simulate", "wait_for_plan"]
"""What other benches take from here (payout_sim.py, workspace_case.py), some of it from term_debtor.py."""


def prepare(database_url: str, seeded: Seeded, start: dt.date) -> None:
    """Seeded cases stand at dates to come: their debts are reckoned from before the term instead."""
    engine = create_engine(sync_url(database_url))
    before = start - dt.timedelta(days=15)
    with engine.begin() as connection:
        connection.execute(update(Case).values(reference_date=before))
        connection.execute(update(Claim).values(balance_date=before))
        connection.execute(update(Claim).where(Claim.arose_on > before).values(arose_on=before - dt.timedelta(days=60)))
    engine.dispose()


def activate(client: TestClient[Any], seeded: Seeded, case_id: str, creditors: list[str], start: dt.date,
             months: int) -> str | None:
    """Ask, propose, every creditor accepts, activate: None when the plan is active, else why not."""
    counsellor = {"Authorization": f"Bearer {seeded.counsellor_key}"}
    asked = client.post(f"/v1/cases/{case_id}/plans", json={"start_date": start.isoformat(), "months": months,
                                                            "time_limit_seconds": 2}, headers=counsellor)
    if asked.status_code != 202:
        return f"asking for a plan answered {asked.status_code} {asked.text[:300]}"
    plan_id = wait_for_plan(client, asked.headers.get("location", ""), counsellor)
    if plan_id is None:
        return "the solve job did not succeed"
    return agree(client, seeded, plan_id, creditors)


def sim_case(client: TestClient[Any], database_url: str, seeded: Seeded, case_id: str) -> SimCase:
    counsellor = {"Authorization": f"Bearer {seeded.counsellor_key}"}
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        rows = connection.execute(select(Claim.id, Claim.iban, Claim.payment_reference)
                                  .where(Claim.case_id == case_id)).all()
    engine.dispose()
    return SimCase(case_id, running_schedule(client, counsellor, case_id),
                   {str(i): (iban, reference) for i, iban, reference in rows})


@dataclass
class Figures:
    entries: int = 0
    import_seconds: float = 0.0
    chore_days: int = 0
    chore_seconds: float = 0.0
    chore_active: list[int] = field(default_factory=list)
    """Active cases per chore run (the cost the chore scales with)."""
    unmatched: int = 0
    expected_flags: set[tuple[str, str, dt.date]] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    not_activated: dict[str, str] = field(default_factory=dict)
    """Cases whose plan could not be made active, and why."""
    variations: list[Varied] = field(default_factory=list)
    not_varied: dict[str, str] = field(default_factory=dict)
    """Cases whose plan could not be varied, and why."""


def import_month(client: TestClient[Any], seeded: Seeded, cases: list[SimCase], month: tuple[int, int],
                 figures: Figures) -> None:
    counsellor = {"Authorization": f"Bearer {seeded.counsellor_key}", "Content-Type": "application/xml"}
    created = dt.date(*month, 1) + relativedelta(months=1)
    for case in cases:
        entries = case.entries.get(month, [])
        if not entries:
            continue
        document = camt053(entries, f"SIM-{month[0]}{month[1]:02d}-{case.id[-12:]}", created)
        started = time.perf_counter()
        answer = client.post(f"/v1/cases/{case.id}/statements", content=document, headers=counsellor)
        figures.import_seconds += time.perf_counter() - started
        if answer.status_code != 201:
            figures.failures.append(f"{case.id} {month}: import answered {answer.status_code} {answer.text[:300]}")
            continue
        body = answer.json()
        figures.entries += body["entries"]
        figures.unmatched += body["unmatched"]
        if body["entries"] != len(entries) or body["matched"] + body["unmatched"] != body["entries"] \
                or body["duplicates"]:
            figures.failures.append(f"{case.id} {month}: {body} for {len(entries)} entries")


async def run_chores(database_url: str, days: list[dt.date], figures: Figures) -> None:
    engine = create_async_engine(database_url)
    sessions = session_factory(engine)
    chore = ArrearsChore(Settings(database_url=database_url, seed_demo=False), message_bus())
    try:
        for day in days:
            async with sessions() as session:
                active = await session.scalar(select(func.count()).select_from(Case).where(Case.state == "active"))
            started = time.perf_counter()
            await chore(sessions, dt.datetime.combine(day, dt.time(9), tzinfo=AMSTERDAM))
            figures.chore_seconds += time.perf_counter() - started
            figures.chore_days += 1
            figures.chore_active.append(int(active or 0))
    finally:
        await engine.dispose()


def expect_flags(cases: list[SimCase], imported_until: dt.date, days: list[dt.date], grace: int,
                 figures: Figures) -> None:
    """The installments overdue on these chore days, from what the imports so far (bookings before) paid."""
    for case in cases:
        received: dict[str, int] = defaultdict(int)
        for booking in case.bookings:
            if booking.booked < imported_until:
                received[booking.claim_id] += booking.cents
        for day in days:
            for found in installments(case.payments, received, day, grace_bank_days=grace, country="NL"):
                if found.status is InstallmentStatus.OVERDUE:
                    figures.expected_flags.add((case.id, found.claim_id, found.date))


def check(client: TestClient[Any], database_url: str, seeded: Seeded, cases: list[SimCase],
          figures: Figures) -> dict[str, bool]:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        unbalanced = connection.execute(select(LedgerEntry.case_id).group_by(LedgerEntry.case_id)
                                        .having(func.sum(LedgerEntry.amount_cents) != 0)).all()
        flagged = {(str(c), str(k), d) for c, k, d in connection.execute(
            select(ArrearsFlag.case_id, ArrearsFlag.claim_id, ArrearsFlag.due_on)).all()}
    engine.dispose()
    counsellor = {"Authorization": f"Bearer {seeded.counsellor_key}"}
    received_ok = statements_ok = True
    for case in cases:
        paid: dict[str, int] = defaultdict(int)
        for booking in case.bookings:
            paid[booking.claim_id] += booking.cents
        answer = client.get(f"/v1/cases/{case.id}/final-statement", headers=counsellor)
        if answer.status_code != 200:
            figures.failures.append(f"{case.id}: final statement answered {answer.status_code} {answer.text[:300]}")
            statements_ok = False
            continue
        final = answer.json()
        for line in final["claims"]:
            received_ok &= line["received_cents"] == paid.get(line["claim_id"], 0)
            statements_ok &= line["owed_cents"] == line["received_cents"] + line["remainder_cents"]
        for total in final["creditors"]:
            lines = [c for c in final["claims"] if c["organisation_id"] == total["organisation_id"]]
            statements_ok &= all(total[k] == sum(c[k] for c in lines)
                                 for k in ("owed_cents", "received_cents", "remainder_cents"))
            statements_ok &= total["owed_cents"] == total["received_cents"] + total["remainder_cents"]
    if figures.unmatched != sum(c.unrelated for c in cases):
        figures.failures.append(f"{figures.unmatched} entries unmatched, {sum(c.unrelated for c in cases)} unrelated")
    return {"ledgers sum to zero": not unbalanced, "received per claim = simulated": received_ok,
            "entries matched or unmatched": figures.unmatched == sum(c.unrelated for c in cases),
            "arrears flagged = simulated overdue": flagged == figures.expected_flags,
            "final statements add up": statements_ok, "no failed requests": not figures.failures,
            "varied plans valid": all(v.valid for v in figures.variations),
            "installments after a variation = carried + varied": all(v.runs_as_carried_and_varied
                                                                   for v in figures.variations)}


def chore_days(cases: list[SimCase], begins: dt.date, grace: int, every_day: bool) -> list[dt.date]:
    """The days of the month from `begins` the chore runs on: every day, or only the import's day and the days an
    installment becomes overdue (the same flags: once past its grace, an installment only stops being overdue)."""
    days = [begins + dt.timedelta(days=n) for n in range(((begins + relativedelta(months=1)) - begins).days)]
    if every_day:
        return days
    firsts = {bank_days_after(p.date, grace, "NL") + dt.timedelta(days=1) for c in cases for p in c.payments}
    return [day for day in days if day == begins or day in firsts]


def vary_due(client: TestClient[Any], database_url: str, seeded: Seeded, sims: list[SimCase],
             planned: dict[str, dt.date], day: dt.date, rng: random.Random, figures: Figures) -> None:
    """The cases whose income drops on `day`: their plan varied, and from its start the debtor pays the plan as it
    runs (what they would have paid of the agreed plan from then on is forgotten: those months are not imported)."""
    counsellor = {"Authorization": f"Bearer {seeded.counsellor_key}"}
    for sim in (s for s in sims if planned.get(s.id) == day):
        varied = term_variations.vary(client, database_url, seeded, sim.id, day)
        if isinstance(varied, str):
            figures.not_varied[sim.id] = varied
            if " answered 5" in varied:
                figures.failures.append(f"{sim.id} {day}: {varied}")
            continue
        figures.variations.append(varied)
        sim.payments = running_schedule(client, counsellor, sim.id)
        rewind(sim, varied.start)
        behave(rng, sim, [p for p in sim.payments if p.date >= varied.start], first_paid=False)


def simulate(database_url: str, *, cases: int, months: int, seed_value: int, every_day: bool = True,
             vary_share: float = term_variations.SHARE) -> dict[str, Any]:
    migrate.upgrade(database_url)
    seeded = seed(database_url, cases=cases, claims=4 * cases, seed_value=seed_value)
    start = (today() - relativedelta(months=months + 2)).replace(day=1)
    prepare(database_url, seeded, start)
    settings = Settings(database_url=database_url, seed_demo=False, rate_limit_requests=0)
    rng, figures = random.Random(seed_value), Figures()
    with TestClient(create_app(settings, JOB_HANDLERS), raise_server_exceptions=False) as client:
        started = time.perf_counter()
        why_not = {c.id: activate(client, seeded, c.id, c.creditors, start, months) for c in seeded.cases}
        active = [case_id for case_id, reason in why_not.items() if reason is None]
        figures.not_activated = {case_id: reason for case_id, reason in why_not.items() if reason is not None}
        activation_seconds = time.perf_counter() - started
        sims = [sim_case(client, database_url, seeded, case_id) for case_id in active]
        for sim in sims:
            behave(rng, sim)
        varying = random.Random(f"{seed_value} variations")  # the other cases' debtors behave as without variations
        planned = term_variations.choose(varying, [sim.id for sim in sims], vary_share, start, months)
        month = min(min(sim.entries) for sim in sims)
        while month <= max(max(sim.entries) for sim in sims):  # a variation may book later than the first plan
            import_month(client, seeded, sims, month, figures)
            begins = dt.date(*month, 1) + relativedelta(months=1)
            vary_due(client, database_url, seeded, sims, planned, begins, varying, figures)
            days = chore_days(sims, begins, settings.arrears_grace_bank_days, every_day)
            expect_flags(sims, begins, days, settings.arrears_grace_bank_days, figures)
            asyncio.run(run_chores(database_url, days, figures))
            month = month_of(begins)
            print(f"{month} imported and chored, {figures.entries} entries", file=sys.stderr, flush=True)
        checks = check(client, database_url, seeded, sims, figures)
    varied = {v.case_id for v in figures.variations} | set(figures.not_varied)
    figures.not_varied |= {case_id: "the simulation never reached its month" for case_id in planned
                           if case_id not in varied}
    return {"cases": cases, "activated": len(sims), "months": months, "seed": seed_value,
            "activation_s": round(activation_seconds, 1), "entries": figures.entries,
            "import_s": round(figures.import_seconds, 2),
            "entries_per_s": round(figures.entries / figures.import_seconds, 1) if figures.import_seconds else 0,
            "chore_days": figures.chore_days, "chore_ms_per_day": round(1000 * figures.chore_seconds
                                                                        / max(1, figures.chore_days), 1),
            "chore_ms_per_active_case": round(1000 * figures.chore_seconds / max(1, sum(figures.chore_active)), 3),
            "flags": len(figures.expected_flags), "checks": checks, "failures": figures.failures[:5],
            "not_activated": figures.not_activated, "vary_share": vary_share,
            "variations": term_variations.as_json(figures.variations),
            "variation_total": term_variations.summary(figures.variations), "not_varied": figures.not_varied}


def render(result: dict[str, Any]) -> str:
    per_case = result["chore_ms_per_active_case"]
    lines = [f"{result['activated']} of {result['cases']} cases activated in {result['activation_s']} s, "
             f"{result['months']} months each",
             f"statement entries imported: {result['entries']} in {result['import_s']} s = "
             f"{result['entries_per_s']} entries/s",
             f"daily arrears chore: {result['chore_days']} days, {result['chore_ms_per_day']} ms a day "
             f"({per_case} ms per active case; extrapolated to 10,000 active cases: {per_case * 10:.1f} s a day)",
             f"arrears flagged: {result['flags']}"]
    lines += term_variations.render(result["variations"], result["variation_total"], result["not_varied"])
    lines += [f"check {name}: {'ok' if ok else 'FAILED'}" for name, ok in result["checks"].items()]
    lines += [f"failure: {failure}" for failure in result["failures"]]
    lines += [f"not activated: case {case_id}: {why}" for case_id, why in result["not_activated"].items()]
    return "\n".join(lines)


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--months", type=int, default=18)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--postgres-url", default="postgresql://127.0.0.1:5432/test")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--chore-days", choices=("every", "due"), default="every",
                        help="run the chore every day, or only on import days and days an installment falls overdue")
    parser.add_argument("--vary-share", type=float, default=term_variations.SHARE,
                        help="the share of cases that lose a quarter of their income and get a variation (at least one "
                             "when above 0)")
    args = parser.parse_args()
    with temporary_database(args.postgres_url) as database_url:
        result = simulate(database_url, cases=args.cases, months=args.months, seed_value=args.seed,
                          every_day=args.chore_days == "every", vary_share=args.vary_share)
    print(json.dumps(result, default=str) if args.json else render(result))
    sys.exit(0 if all(result["checks"].values()) else 1)


if __name__ == "__main__":
    main()
