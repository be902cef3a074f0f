"""The case the workspace benchmark opens: the seeded case with the most claims (40 at 5,000 cases), with an
active plan whose installments are partly paid and partly overdue, and the pages a counsellor opens on it.

Built once, before timing, through the API as term_sim.py does: two plan versions asked (the solver runs once per
version, here and never per request: 12 months, then 18), the second proposed, a creditor link made for its first
creditor, every creditor accepts, the plan is activated; then the debtor's bank statements (term_sim.py's seeded
debtor: some installments missed or paid in part) are imported for every month but the last two, and the arrears
chore runs for today, so the recent installments are overdue and the older ones paid by receipts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import uuid
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from litestar.testing import TestClient
from sqlalchemy import create_engine, text

from bench.seed import Seeded, SeededCase
from bench.term_sim import Figures, behave, import_month, month_of, run_chores, sim_case, wait_for_plan
from debt_coord.kernel.clock import today
from debt_coord.kernel.database import sync_url

HTML = {"Accept": "text/html"}
MONTHS_BEFORE = 5
"""The plan began this many months ago: its first installments are paid, the last two months' overdue."""
UNPAID_MONTHS = 2


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    form: dict[str, str] | None = None


@dataclass(frozen=True)
class FullCase:
    id: str
    claims: int
    plan_id: str
    other_plan_id: str
    creditor_token: str


def largest(seeded: Seeded) -> SeededCase:
    return max(seeded.cases, key=lambda c: c.claims)


def reopen(database_url: str, case: SeededCase, start: dt.date) -> None:
    """Back to collecting (list_bench.py gave it some state) with its debts reckoned from before the plan."""
    before = start - dt.timedelta(days=15)
    engine = create_engine(sync_url(database_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        params = {"id": uuid.UUID(case.id), "before": before, "arose": before - dt.timedelta(days=60)}
        connection.execute(text("UPDATE cases SET state = 'collecting', reference_date = :before WHERE id = :id"),
                           params)
        connection.execute(text("UPDATE claims SET balance_date = :before WHERE case_id = :id"), params)
        connection.execute(text("UPDATE claims SET arose_on = :arose WHERE case_id = :id AND arose_on > :before"),
                           params)
    engine.dispose()


def ask(client: TestClient[Any], case_id: str, start: dt.date, months: int, headers: dict[str, str]) -> str:
    asked = client.post(f"/v1/cases/{case_id}/plans", json={"start_date": start.isoformat(), "months": months,
                                                            "time_limit_seconds": 2}, headers=headers)
    assert asked.status_code == 202, asked.text
    plan_id = wait_for_plan(client, asked.headers["location"], headers)
    assert plan_id is not None, "the solve job did not succeed"
    return plan_id


def activate(client: TestClient[Any], seeded: Seeded, case: SeededCase, start: dt.date) -> tuple[str, str, str]:
    """(active plan, the other version, a creditor link's token)."""
    counsellor = {"Authorization": f"Bearer {seeded.counsellor_key}"}
    other = ask(client, case.id, start, 12, counsellor)
    plan_id = ask(client, case.id, start, 18, counsellor)
    proposed = client.post(f"/v1/plans/{plan_id}/propose", json={}, headers=counsellor)
    assert proposed.is_success, proposed.text
    link = client.post(f"/v1/plans/{plan_id}/creditor-links", json={"organisation_id": case.creditors[0]},
                       headers=counsellor)
    assert link.status_code == 201, link.text
    version = proposed.json()["number"]
    for organisation in case.creditors:
        key = {"Authorization": f"Bearer {seeded.creditor_keys[organisation]}"}
        decided = client.post(f"/v1/plans/{plan_id}/decisions", json={"plan_version": version, "decision": "accept"},
                              headers=key)
        assert decided.status_code == 201, decided.text
    activated = client.post(f"/v1/plans/{plan_id}/activate", headers=counsellor)
    assert activated.status_code == 200, activated.text
    return plan_id, other, str(link.json()["token"])


def full_case(client: TestClient[Any], database_url: str, seeded: Seeded) -> FullCase:
    case = largest(seeded)
    start = (today() - relativedelta(months=MONTHS_BEFORE)).replace(day=1)
    reopen(database_url, case, start)
    plan_id, other, token = activate(client, seeded, case, start)
    sim = sim_case(client, database_url, seeded, case.id)
    behave(random.Random(15), sim)
    figures, last = Figures(), month_of(today() - relativedelta(months=UNPAID_MONTHS))
    for month in sorted(m for m in sim.entries if m <= last):
        import_month(client, seeded, [sim], month, figures)
    assert not figures.failures, figures.failures
    asyncio.run(run_chores(database_url, [today()], figures))
    return FullCase(case.id, case.claims, plan_id, other, token)


def case_pages(case: FullCase, csrf: str) -> dict[str, Request]:
    base = f"/app/cases/{case.id}"
    return {
        f"case page ({case.claims} claims, active plan)": Request("GET", base),
        "plan builder (solved version)": Request("GET", f"{base}/plans?plan={case.plan_id}"),
        "plan builder, two versions compared": Request("GET", f"{base}/plans?plan={case.plan_id}"
                                                              f"&compare={case.other_plan_id}"),
        "negotiation board": Request("GET", f"{base}/negotiation"),
        "debtor letter (POST)": Request("POST", f"{base}/letter", {"_csrf_token": csrf, "letter_lang": "nl"}),
        "creditor page (token)": Request("GET", f"/creditor?token={case.creditor_token}"),
    }
