"""Issue 13's payout simulation: N cases via the counsellor through their term, monthly payout runs, PostgreSQL.

1. creates a temporary database on --postgres-url (dropped afterwards), seeds --cases cases (bench/seed.py), gives
   the counselling organisation a payout account (runs on the first bank day on or after the 26th) and sends every
   case via the counsellor;
2. activates a plan per case through the API (ask, propose, every creditor accepts, activate), the term starting on
   the 1st of next month, so every payout run is for a date to come (the app runs in-process, as term_sim.py's);
3. month by month, with a seeded random generator: the debtor deposits what each payout day needs (the plan's money
   for that day, never more than the plan pays in all) four days before it, about 10% of the deposits a month late;
   on each payout day the organisation's camt.053 of what was booked up to the day before (the deposits, the debits of
   the last run's transfers, about 1% of them returned by the creditor's bank) goes through
   `POST /v1/account-statements`, then that day's payout run (`POST /v1/payout-runs`) and its pain.001. The
   service's `today` is the simulated day for these two calls (a statement shows only what happened; a run is
   never for a day gone by);
4. after the term two more months of statements and runs, so late money is paid on;
5. checks: every pain.001 valid against the pain.001.001.03 schema and adding up to its run; no payout before the
   debtor's money arrived (per case, what each run paid out in all is at most what was deposited before its date);
   the reserve never negative after a run; every claim finally received its plan total within one minimum payment;
   every case's ledger sums to zero.

Prints runs, transfers and seconds per run and per statement import. Figures only: nothing here asserts a time.

Usage: .venv/bin/python bench/payout_sim.py [--cases 200] [--months 12] [--seed 0] [--json]
       [--postgres-url postgresql://127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.resources
import json
import logging
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from litestar.testing import TestClient
from lxml import etree
from sqlalchemy import create_engine, func, select, update

from api.app import create_app
from bench.jobs_bench import temporary_database
from bench.seed import Seeded, seed
from bench.term_sim import Entry, Tx, activate, camt053, prepare
from debt_coord import migrate
from debt_coord.bootstrap import JOB_HANDLERS
from debt_coord.cases.models import Case, Claim, PaymentRoute
from debt_coord.kernel.clock import today
from debt_coord.kernel.database import sync_url
from debt_coord.kernel.settings import Settings
from debt_coord.money_in.models import Account
from debt_coord.money_in.models import Entry as LedgerEntry
from debt_coord.organisations.models import Organisation, OrganisationKind
from solver.calendar import next_bank_day

ORG_IBAN, DEBTOR_IBAN = "NL91ABNA0417164300", "NL69INGB0123456789"
PAYOUT_DAY, LATE, RETURNED = 26, 0.10, 0.01
PAIN = "{urn:iso:std:iso:20022:tech:xsd:pain.001.001.03}"


@dataclass
class SimCase:
    id: str
    reference: str
    owed: dict[str, int]
    """claim id -> the plan's total for it."""
    minimum: dict[str, int]
    deposits: list[tuple[dt.date, int]] = field(default_factory=list)


@dataclass
class Figures:
    runs: int = 0
    transfers: int = 0
    run_seconds: list[float] = field(default_factory=list)
    import_seconds: list[float] = field(default_factory=list)
    returned: int = 0
    failures: list[str] = field(default_factory=list)
    invalid_files: int = 0
    early_payouts: int = 0
    negative_reserves: int = 0
    paid_out: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    """case id -> paid out by the runs so far (returned transfers taken off again)."""


def schema() -> etree.XMLSchema:
    path = importlib.resources.files("sepaxml") / "schemas" / "pain.001.001.03.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def payout_days(first: dt.date, months: int) -> list[dt.date]:
    return [next_bank_day((first + relativedelta(months=n)).replace(day=PAYOUT_DAY), "NL") for n in range(months)]


def sim_case(client: TestClient[Any], seeded: Seeded, database_url: str, case_id: str, rng: random.Random
             ) -> SimCase:
    counsellor = {"Authorization": f"Bearer {seeded.counsellor_key}"}
    [active] = [p for p in client.get(f"/v1/cases/{case_id}/plans", headers=counsellor).json()
                if p["status"] == "active"]
    proposal = client.get(f"/v1/plans/{active['id']}", headers=counsellor).json()["proposal"]
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        reference = connection.scalar(select(Case.reference).where(Case.id == case_id))
    engine.dispose()
    owed = {c["claim_id"]: c["paid_cents"] for c in proposal["claims"]}
    minimum = {c["claim_id"]: min((p["amount_cents"] for p in proposal["payments"] if p["claim_id"] == c["claim_id"]),
                                  default=0) for c in proposal["claims"]}
    case = SimCase(case_id, str(reference), owed, minimum)
    left = proposal["metrics"]["total_paid_cents"]
    for day in proposal["dates"]:
        cents = min(left, day["capacity_cents"])
        if cents <= 0:
            continue
        left -= cents
        booked = dt.date.fromisoformat(day["date"]) - dt.timedelta(days=4)
        if rng.random() < LATE:
            booked += relativedelta(months=1)
        case.deposits.append((booked, cents))
    return case


def deposits(cases: list[SimCase]) -> list[Entry]:
    return [Entry(booked, False, [Tx(DEBTOR_IBAN, cents, f"{case.reference} aflossing")])
            for case in cases for booked, cents in case.deposits]


def run_entries(run: list[dict[str, Any]], rng: random.Random, figures: Figures, *, returns: bool) -> list[Entry]:
    """A run's debits on the organisation's account, and the transfers a creditor's bank returns three days later
    (none after the last run: no run follows to pay them again)."""
    entries = []
    for transfer in run:
        debit = Tx(transfer["iban"], transfer["cents"], transfer["remittance"], transfer["e2e"])
        entries.append(Entry(transfer["date"], True, [debit]))
        if returns and rng.random() < RETURNED:
            entries.append(Entry(transfer["date"] + dt.timedelta(days=3), False, [debit]))
            figures.returned += 1
            figures.paid_out[transfer["case_id"]] -= transfer["cents"]
    return entries


def import_statement(client: TestClient[Any], seeded: Seeded, entries: list[Entry], day: dt.date,
                     figures: Figures) -> None:
    """The organisation's statement of everything booked before `day`, imported on `day`."""
    if not entries:
        return
    entries.sort(key=lambda e: e.booked)
    for position, entry in enumerate(entries):
        entry.reference = f"ORG-{day:%Y%m%d}-{position:05d}"
    headers = {"Authorization": f"Bearer {seeded.counsellor_key}", "Content-Type": "application/xml"}
    document = camt053(entries, f"ORG-{day:%Y%m%d}", day, account=ORG_IBAN)
    started = time.perf_counter()
    with patch("debt_coord.money_in.statements.service.today", return_value=day):
        answer = client.post("/v1/account-statements", content=document, headers=headers)
    figures.import_seconds.append(time.perf_counter() - started)
    if answer.status_code not in (200, 201):
        figures.failures.append(f"statement of {day} answered {answer.status_code} {answer.text[:300]}")


def payout_run(client: TestClient[Any], seeded: Seeded, day: dt.date, claims: dict[str, str],
               figures: Figures, xsd: etree.XMLSchema) -> list[dict[str, Any]]:
    """The run for `day`, read back from its pain.001 (each transfer checked against the run's own list, which
    names its case and claim): one dict per transfer."""
    headers = {"Authorization": f"Bearer {seeded.counsellor_key}"}
    started = time.perf_counter()
    with patch("debt_coord.payouts.service.today", return_value=day):
        answer = client.post("/v1/payout-runs", json={"execution_date": day.isoformat()}, headers=headers)
    figures.run_seconds.append(time.perf_counter() - started)
    if answer.status_code != 201:
        if answer.status_code not in (409, 422):  # nothing to pay is a problem answer, not a failure
            figures.failures.append(f"run {day} answered {answer.status_code} {answer.text[:300]}")
        return []
    run = answer.json()
    detail = {t["end_to_end_id"]: t for t in
              client.get(f"/v1/payout-runs/{run['id']}", headers=headers).json()["transfers"]}
    document = client.get(f"/v1/payout-runs/{run['id']}/pain.001", headers=headers)
    tree = etree.fromstring(document.content)
    if not xsd.validate(tree):
        figures.invalid_files += 1
        figures.failures.append(f"run {day}: pain.001 invalid: {xsd.error_log.last_error}")
    transfers = []
    for tx in tree.iter(f"{PAIN}CdtTrfTxInf"):
        cents = round(100 * float(tx.findtext(f"{PAIN}Amt/{PAIN}InstdAmt") or 0))
        remittance = tx.findtext(f"{PAIN}RmtInf/{PAIN}Ustrd") or ""
        e2e = tx.findtext(f"{PAIN}PmtId/{PAIN}EndToEndId") or ""
        row = detail.get(e2e)
        if row is None or row["amount_cents"] != cents or claims[str(row["claim_id"])] != remittance:
            figures.failures.append(f"run {day}: the file's transfer {e2e} is not the run's ({row})")
            continue
        transfers.append({"date": day, "cents": cents, "remittance": remittance, "case_id": str(row["case_id"]),
                          "claim_id": str(row["claim_id"]), "e2e": e2e,
                          "iban": tx.findtext(f"{PAIN}CdtrAcct/{PAIN}Id/{PAIN}IBAN") or ""})
    control = tree.findtext(f"{PAIN}CstmrCdtTrfInitn/{PAIN}GrpHdr/{PAIN}CtrlSum")
    if control is None or round(100 * float(control)) != sum(t["cents"] for t in transfers):
        figures.failures.append(f"run {day}: the control sum {control} is not the transfers' total")
    figures.runs += 1
    figures.transfers += len(transfers)
    return transfers


def check_run(database_url: str, cases: list[SimCase], day: dt.date, transfers: list[dict[str, Any]],
              figures: Figures) -> None:
    for transfer in transfers:
        figures.paid_out[transfer["case_id"]] += transfer["cents"]
    for case in cases:
        deposited = sum(cents for booked, cents in case.deposits if booked < day)
        figures.early_payouts += figures.paid_out[case.id] > deposited
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        negative = connection.execute(
            select(LedgerEntry.case_id).where(LedgerEntry.account == Account.RESERVE)
            .group_by(LedgerEntry.case_id).having(func.sum(LedgerEntry.amount_cents) < 0)).all()
    engine.dispose()
    figures.negative_reserves += len(negative)


def final_checks(database_url: str, cases: list[SimCase], figures: Figures) -> dict[str, bool]:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        unbalanced = connection.execute(select(LedgerEntry.case_id).group_by(LedgerEntry.case_id)
                                        .having(func.sum(LedgerEntry.amount_cents) != 0)).all()
        received = {str(claim): int(total) for claim, total in connection.execute(
            select(LedgerEntry.claim_id, func.sum(LedgerEntry.amount_cents))
            .where(LedgerEntry.account == Account.RECEIVED).group_by(LedgerEntry.claim_id)).all()}
    engine.dispose()
    shares_ok = True
    for case in cases:
        for claim_id, owed in case.owed.items():
            if abs(received.get(claim_id, 0) - owed) > max(case.minimum[claim_id], 1):
                shares_ok = False
                figures.failures.append(f"{case.id} claim {claim_id}: received {received.get(claim_id, 0)} of {owed}")
    return {"every pain.001 valid": figures.invalid_files == 0 and figures.runs > 0,
            "no payout before the money arrived": figures.early_payouts == 0,
            "reserve never negative": figures.negative_reserves == 0,
            "every creditor paid its share (within one minimum payment)": shares_ok,
            "ledgers sum to zero": not unbalanced, "no failed requests": not figures.failures}


def route_via_counsellor(database_url: str) -> None:
    engine = create_engine(sync_url(database_url))
    with engine.begin() as connection:
        connection.execute(update(Organisation).where(Organisation.kind == OrganisationKind.COUNSELLING)
                           .values(payout_iban=ORG_IBAN, payout_day_of_month=PAYOUT_DAY))
        connection.execute(update(Case).values(payment_route=PaymentRoute.VIA_COUNSELLOR))
    engine.dispose()


def claim_references(database_url: str) -> dict[str, str]:
    """claim id -> its payment reference (the remittance of its transfers)."""
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        rows = connection.execute(select(Claim.id, Claim.payment_reference)).all()
    engine.dispose()
    return {str(claim_id): reference for claim_id, reference in rows}


def simulate(database_url: str, *, cases: int, months: int, seed_value: int) -> dict[str, Any]:
    migrate.upgrade(database_url)
    seeded = seed(database_url, cases=cases, claims=4 * cases, seed_value=seed_value)
    start = today().replace(day=1) + relativedelta(months=1)
    prepare(database_url, seeded, start)
    route_via_counsellor(database_url)
    settings = Settings(database_url=database_url, seed_demo=False, rate_limit_requests=0)
    rng, figures, xsd = random.Random(seed_value), Figures(), schema()
    with TestClient(create_app(settings, JOB_HANDLERS), raise_server_exceptions=False) as client:
        why_not = {c.id: activate(client, seeded, c.id, c.creditors, start, months) for c in seeded.cases}
        not_activated = {case_id: reason for case_id, reason in why_not.items() if reason is not None}
        sims = [sim_case(client, seeded, database_url, case_id, rng) for case_id, why in why_not.items()
                if why is None]
        claims = claim_references(database_url)
        waiting = deposits(sims)
        for day in payout_days(start, months + 2):
            due = [entry for entry in waiting if entry.booked < day]  # the statement up to the day before
            waiting = [entry for entry in waiting if entry.booked >= day]
            import_statement(client, seeded, due, day, figures)
            run = payout_run(client, seeded, day, claims, figures, xsd)
            check_run(database_url, sims, day, run, figures)
            waiting += run_entries(run, rng, figures, returns=day < start + relativedelta(months=months + 1))
            print(f"{day}: {len(run)} transfers", file=sys.stderr, flush=True)
        last = max([entry.booked for entry in waiting], default=start)
        import_statement(client, seeded, waiting, last + dt.timedelta(days=1), figures)
        checks = final_checks(database_url, sims, figures)
    median = sorted(figures.run_seconds)[len(figures.run_seconds) // 2] if figures.run_seconds else 0.0
    imports = sorted(figures.import_seconds)[len(figures.import_seconds) // 2] if figures.import_seconds else 0.0
    return {"cases": cases, "activated": len(sims), "months": months, "seed": seed_value, "runs": figures.runs,
            "transfers": figures.transfers, "returned": figures.returned, "run_s_median": round(median, 2),
            "import_s_median": round(imports, 2), "checks": checks, "failures": figures.failures[:5],
            "not_activated": not_activated}


def render(result: dict[str, Any]) -> str:
    lines = [f"{result['activated']} of {result['cases']} cases via the counsellor, {result['months']} months each",
             f"payout runs: {result['runs']}, {result['transfers']} transfers ({result['returned']} returned), "
             f"median {result['run_s_median']} s a run; statement import median {result['import_s_median']} s"]
    lines += [f"check {name}: {'ok' if ok else 'FAILED'}" for name, ok in result["checks"].items()]
    lines += [f"failure: {failure}" for failure in result["failures"]]
    lines += [f"not activated: case {case_id}: {why}" for case_id, why in result["not_activated"].items()]
    return "\n".join(lines)


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--postgres-url", default="postgresql://127.0.0.1:5432/test")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with temporary_database(args.postgres_url) as database_url:
        result = simulate(database_url, cases=args.cases, months=args.months, seed_value=args.seed)
    print(json.dumps(result, default=str) if args.json else render(result))
    sys.exit(0 if all(result["checks"].values()) else 1)


if __name__ == "__main__":
    main()
