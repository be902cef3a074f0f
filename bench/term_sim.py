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
5. checks: every case's ledger sums to zero; per claim, received equals what the simulation paid; every
   entry matched or listed as unmatched (unmatched exactly the unrelated ones); the arrears flagged equal
   the installments the simulation left overdue (replaying the grace rules on what had been imported by each
   chore day); final statements add up (owed = received + remainder, per claim and per creditor).

Prints entries imported per second and the chore's time per day (and per active case, extrapolated to
10,000 active cases). Figures only: nothing here asserts a time.

Usage: .venv/bin/python bench/term_sim.py [--cases 200] [--months 18] [--seed 0] [--chore-days every|due]
       [--json] [--postgres-url postgresql://127.0.0.1:5432/test]
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
from xml.sax.saxutils import escape

from dateutil.relativedelta import relativedelta
from litestar.testing import TestClient
from sqlalchemy import create_engine, func, select, update

from api.app import create_app
from bench.jobs_bench import temporary_database
from bench.seed import Seeded, seed
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
from solver.models import Payment

DEBTOR_IBAN = "NL69INGB0123456789"
SHOP_IBAN, BENEFIT_IBAN = "NL73ABNA0555123456", "NL39RABO0300065264"
MISSED, PARTLY, LATE, BATCH = 0.10, 0.03, 0.15, 0.30


@dataclass(frozen=True)
class Tx:
    iban: str
    cents: int
    remittance: str
    end_to_end_id: str = "NOTPROVIDED"


@dataclass
class Entry:
    booked: dt.date
    debit: bool
    txs: list[Tx]
    reference: str = ""


@dataclass
class SimCase:
    id: str
    payments: list[Payment]
    payees: dict[str, tuple[str, str]]
    """claim id -> (creditor IBAN, payment reference)."""
    bookings: list[tuple[dt.date, str, int]] = field(default_factory=list)
    """(booked on, claim id, cents) of every transfer the debtor made."""
    entries: dict[tuple[int, int], list[Entry]] = field(default_factory=lambda: defaultdict(list))
    """(year, month) -> the month's entries, in booking order once sorted."""
    unrelated: int = 0


def camt053(entries: list[Entry], message_id: str, created: dt.date, account: str = DEBTOR_IBAN) -> bytes:
    body = "".join(_entry(e, account) for e in entries)
    stamp = f"{created.isoformat()}T06:00:00"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
 <GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>{stamp}</CreDtTm></GrpHdr>
 <Stmt><Id>{message_id}</Id><CreDtTm>{stamp}</CreDtTm>
  <Acct><Id><IBAN>{account}</IBAN></Id><Ccy>EUR</Ccy></Acct>
  <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
   <Dt><Dt>{created.isoformat()}</Dt></Dt></Bal>{body}
 </Stmt></BkToCstmrStmt></Document>""".encode()


def euros(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _entry(entry: Entry, account: str) -> str:
    total = sum(tx.cents for tx in entry.txs)
    details = "".join(_details(tx, entry.debit, len(entry.txs) > 1, account) for tx in entry.txs)
    batch = f"<Btch><NbOfTxs>{len(entry.txs)}</NbOfTxs></Btch>" if len(entry.txs) > 1 else ""
    return f"""
  <Ntry><Amt Ccy="EUR">{euros(total)}</Amt><CdtDbtInd>{'DBIT' if entry.debit else 'CRDT'}</CdtDbtInd>
   <Sts>BOOK</Sts><BookgDt><Dt>{entry.booked.isoformat()}</Dt></BookgDt><AcctSvcrRef>{entry.reference}</AcctSvcrRef>
   <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
   <NtryDtls>{batch}{details}</NtryDtls></Ntry>"""


def _details(tx: Tx, debit: bool, in_batch: bool, account: str) -> str:
    own, other = f"<IBAN>{account}</IBAN>", f"<IBAN>{tx.iban}</IBAN>"
    parties = (f"<DbtrAcct><Id>{own}</Id></DbtrAcct><CdtrAcct><Id>{other}</Id></CdtrAcct>" if debit
               else f"<DbtrAcct><Id>{other}</Id></DbtrAcct><CdtrAcct><Id>{own}</Id></CdtrAcct>")
    amount = f"<AmtDtls><TxAmt><Amt Ccy=\"EUR\">{euros(tx.cents)}</Amt></TxAmt></AmtDtls>" if in_batch else ""
    return (f"<TxDtls><Refs><EndToEndId>{tx.end_to_end_id}</EndToEndId></Refs>{amount}<RltdPties>{parties}</RltdPties>"
            f"<RmtInf><Ustrd>{escape(tx.remittance)}</Ustrd></RmtInf></TxDtls>")


def month_of(day: dt.date) -> tuple[int, int]:
    return day.year, day.month


def behave(rng: random.Random, case: SimCase) -> None:
    """The debtor's payments (and other bookings) over the whole term, into case.entries by month."""
    by_date: dict[dt.date, list[Payment]] = defaultdict(list)
    for payment in case.payments:
        by_date[payment.date].append(payment)
    for number, (due, payments) in enumerate(sorted(by_date.items())):
        transfers: dict[dt.date, list[Tx]] = defaultdict(list)
        for payment in sorted(payments, key=lambda p: p.claim_id):
            draw, first = rng.random(), number == 0
            if draw < MISSED and not first:
                continue
            cents = payment.amount_cents
            if draw < MISSED + PARTLY and not first:
                cents = max(1, int(cents * rng.uniform(0.2, 0.8)))
            booked = due + dt.timedelta(days=rng.randint(1, 12)) if rng.random() < LATE and not first else due
            iban, reference = case.payees[payment.claim_id]
            transfers[booked].append(Tx(iban, cents, f"{reference} termijn {number + 1}"))
            case.bookings.append((booked, payment.claim_id, cents))
        batch = rng.random() < BATCH
        for booked, txs in transfers.items():
            groups = [txs] if batch else [[tx] for tx in txs]
            case.entries[month_of(booked)].extend(Entry(booked, True, group) for group in groups)
        others = [Entry(due - dt.timedelta(days=rng.randint(1, 20)), True,
                        [Tx(SHOP_IBAN, rng.randint(500, 12_000), "boodschappen")]) for _ in range(rng.randint(0, 2))]
        others.append(Entry(due - dt.timedelta(days=1), False, [Tx(BENEFIT_IBAN, 140_000, "Uitkering")]))
        for other in others:
            if month_of(other.booked) >= month_of(min(by_date)):  # statements begin with the first payment's month
                case.entries[month_of(other.booked)].append(other)
                case.unrelated += 1
    for month, entries in case.entries.items():
        entries.sort(key=lambda e: e.booked)
        for position, entry in enumerate(entries):
            entry.reference = f"{month[0]}{month[1]:02d}-{case.id[-8:]}-{position:03d}"


def prepare(database_url: str, seeded: Seeded, start: dt.date) -> None:
    """Seeded cases stand at dates to come: their debts are reckoned from before the term instead."""
    engine = create_engine(sync_url(database_url))
    before = start - dt.timedelta(days=15)
    with engine.begin() as connection:
        connection.execute(update(Case).values(reference_date=before))
        connection.execute(update(Claim).values(balance_date=before))
        connection.execute(update(Claim).where(Claim.arose_on > before).values(arose_on=before - dt.timedelta(days=60)))
    engine.dispose()


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
    proposed = client.post(f"/v1/plans/{plan_id}/propose", json={}, headers=counsellor)
    if not proposed.is_success:
        return f"propose answered {proposed.status_code} {proposed.text[:300]}"
    for organisation in creditors:
        key = {"Authorization": f"Bearer {seeded.creditor_keys[organisation]}"}
        decided = client.post(f"/v1/plans/{plan_id}/decisions", json={"plan_version": 1, "decision": "accept"},
                              headers=key)
        if decided.status_code != 201:
            return f"a decision answered {decided.status_code} {decided.text[:300]}"
    activated = client.post(f"/v1/plans/{plan_id}/activate", headers=counsellor)
    return None if activated.status_code == 200 else f"activate answered {activated.status_code} {activated.text[:300]}"


def sim_case(client: TestClient[Any], database_url: str, seeded: Seeded, case_id: str) -> SimCase:
    counsellor = {"Authorization": f"Bearer {seeded.counsellor_key}"}
    found = client.get(f"/v1/cases/{case_id}/installments", headers=counsellor).json()["installments"]
    payments = [Payment(date=dt.date.fromisoformat(i["date"]), claim_id=i["claim_id"], amount_cents=i["amount_cents"])
                for i in found]
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        rows = connection.execute(select(Claim.id, Claim.iban, Claim.payment_reference)
                                  .where(Claim.case_id == case_id)).all()
    engine.dispose()
    return SimCase(case_id, payments, {str(i): (iban, reference) for i, iban, reference in rows})


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
        for booked, claim_id, cents in case.bookings:
            if booked < imported_until:
                received[claim_id] += cents
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
        for _, claim_id, cents in case.bookings:
            paid[claim_id] += cents
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
            "final statements add up": statements_ok, "no failed requests": not figures.failures}


def chore_days(cases: list[SimCase], begins: dt.date, grace: int, every_day: bool) -> list[dt.date]:
    """The days of the month from `begins` the chore runs on: every day, or only the import's day and the days an
    installment becomes overdue (the same flags: once past its grace, an installment only stops being overdue)."""
    days = [begins + dt.timedelta(days=n) for n in range(((begins + relativedelta(months=1)) - begins).days)]
    if every_day:
        return days
    firsts = {bank_days_after(p.date, grace, "NL") + dt.timedelta(days=1) for c in cases for p in c.payments}
    return [day for day in days if day == begins or day in firsts]


def simulate(database_url: str, *, cases: int, months: int, seed_value: int, every_day: bool = True
             ) -> dict[str, Any]:
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
        month, last = min(min(sim.entries) for sim in sims), max(max(sim.entries) for sim in sims)
        while month <= last:
            import_month(client, seeded, sims, month, figures)
            begins = dt.date(*month, 1) + relativedelta(months=1)
            days = chore_days(sims, begins, settings.arrears_grace_bank_days, every_day)
            expect_flags(sims, begins, days, settings.arrears_grace_bank_days, figures)
            asyncio.run(run_chores(database_url, days, figures))
            month = month_of(begins)
            print(f"{month} imported and chored, {figures.entries} entries", file=sys.stderr, flush=True)
        checks = check(client, database_url, seeded, sims, figures)
    return {"cases": cases, "activated": len(sims), "months": months, "seed": seed_value,
            "activation_s": round(activation_seconds, 1), "entries": figures.entries,
            "import_s": round(figures.import_seconds, 2),
            "entries_per_s": round(figures.entries / figures.import_seconds, 1) if figures.import_seconds else 0,
            "chore_days": figures.chore_days, "chore_ms_per_day": round(1000 * figures.chore_seconds
                                                                        / max(1, figures.chore_days), 1),
            "chore_ms_per_active_case": round(1000 * figures.chore_seconds / max(1, sum(figures.chore_active)), 3),
            "flags": len(figures.expected_flags), "checks": checks, "failures": figures.failures[:5],
            "not_activated": figures.not_activated}


def render(result: dict[str, Any]) -> str:
    per_case = result["chore_ms_per_active_case"]
    lines = [f"{result['activated']} of {result['cases']} cases activated in {result['activation_s']} s, "
             f"{result['months']} months each",
             f"statement entries imported: {result['entries']} in {result['import_s']} s = "
             f"{result['entries_per_s']} entries/s",
             f"daily arrears chore: {result['chore_days']} days, {result['chore_ms_per_day']} ms a day "
             f"({per_case} ms per active case; extrapolated to 10,000 active cases: {per_case * 10:.1f} s a day)",
             f"arrears flagged: {result['flags']}"]
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
    args = parser.parse_args()
    with temporary_database(args.postgres_url) as database_url:
        result = simulate(database_url, cases=args.cases, months=args.months, seed_value=args.seed,
                          every_day=args.chore_days == "every")
    print(json.dumps(result, default=str) if args.json else render(result))
    sys.exit(0 if all(result["checks"].values()) else 1)


if __name__ == "__main__":
    main()
