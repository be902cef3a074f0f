"""The workspace's pages at scale: one counselling organisation with 5,000 cases on PostgreSQL.

1. creates a temporary database on --postgres-url (dropped afterwards), migrates it, seeds --cases cases with
   --claims claims in bulk (bench/seed.py) and gives them list_bench.py's mix of states, then VACUUM ANALYZE;
2. makes a workspace user of the organisation (as `debt-coord users create` does), signs in through the form,
   and times, in-process through the whole app (routing, session, guard, services, template; no network), each
   page --repeat times round-robin with varying arguments: the board's first page, a search by reference, by
   part of a name, a state, the next page, and the sign-in page;
   On the seeded case with the most claims (40 at 5,000 cases; bench/workspace_case.py builds it once, before
   timing: an active plan, installments paid by receipts and overdue ones) it times the case page, the plan
   builder with a solved version, two versions compared, the negotiation board, the debtor letter (POST) and the
   creditor's page (/creditor?token=...);
3. prints p50 and p95 (ms) per page beside the target (issue 15): p95 under 100 ms. Figures only: nothing asserts
   a time.

Usage: .venv/bin/python bench/workspace_bench.py [--cases 5000] [--claims 60000] [--repeat 100] [--json]
       [--postgres-url postgresql://127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

from litestar.testing import TestClient

from api.app import create_app
from bench.jobs_bench import temporary_database
from bench.list_bench import prepare
from bench.seed import COUNSELLING_ORG, seed
from bench.workspace_case import Request, case_pages, full_case
from debt_coord import migrate
from debt_coord.bootstrap import JOB_HANDLERS, provide_services
from debt_coord.kernel.settings import Settings
from debt_coord.workspace.service import WorkspaceAccountService

HTML = {"Accept": "text/html"}
PASSWORD = "bench password, long enough"
TARGET_MS = 100
Page = Callable[[random.Random], str | Request]


async def make_user(settings: Settings) -> str:
    async with provide_services(settings) as services:
        accounts = WorkspaceAccountService(services.uow)
        invitation = await accounts.invite(COUNSELLING_ORG, "bench@example.nl")
        await accounts.set_password(invitation.token, PASSWORD)
        return invitation.account.email


def signed_in(client: TestClient[Any], email: str) -> None:
    client.get("/app/login", headers=HTML)
    answer = client.post("/app/login", data={"email": email, "password": PASSWORD,
                                             "_csrf_token": client.cookies.get("csrftoken") or ""},
                         headers=HTML, follow_redirects=False)
    assert answer.status_code == 303, answer.text


def pages(client: TestClient[Any], references: list[str], names: list[str]) -> dict[str, Page]:
    first = client.get("/app/cases", headers=HTML).text
    found = re.search(r'href="/app/cases(\?cursor=[^"]+)"', first)
    next_page = found.group(1).replace("&amp;", "&") if found else ""
    return {
        "board, first page": lambda _: "/app/cases",
        "board, search by reference": lambda rng: f"/app/cases?q={rng.choice(references)}",
        "board, search by part of a name": lambda rng: f"/app/cases?q={rng.choice(names)}",
        "board, one state": lambda rng: f"/app/cases?status={rng.choice(['collecting', 'active', 'proposed'])}",
        "board, next page": lambda _: f"/app/cases{next_page}",
        "sign-in page": lambda _: "/app/login",
    }


def measure(client: TestClient[Any], scenarios: dict[str, Page], repeat: int) -> dict[str, dict[str, float]]:
    rng = random.Random(5)
    times: dict[str, list[float]] = {name: [] for name in scenarios}
    for _ in range(repeat):
        for name, page in scenarios.items():
            asked = page(rng)
            request = asked if isinstance(asked, Request) else Request("GET", asked)
            started = time.perf_counter()
            answer = client.request(request.method, request.path, data=request.form, headers=HTML)
            times[name].append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, (request.path, answer.status_code, answer.text[:500])
    return {name: {"p50_ms": statistics.median(values),
                   "p95_ms": statistics.quantiles(values, n=20)[18] if len(values) > 1 else values[0]}
            for name, values in times.items()}


def run(postgres_url: str, *, cases: int, claims: int, repeat: int) -> dict[str, Any]:
    with temporary_database(postgres_url) as database_url:
        migrate.upgrade(database_url)
        seeded = seed(database_url, cases=cases, claims=claims)
        prepare(database_url, seeded)
        settings = Settings(database_url=database_url, seed_demo=False, rate_limit_requests=0)
        email = asyncio.run(make_user(settings))
        references = [case.reference for case in seeded.cases]
        names = ["jans", "yilmaz", "de vries", "bakker", "ozturk", "garcia"]
        with TestClient(create_app(settings, JOB_HANDLERS)) as client:
            case = full_case(client, database_url, seeded)
            signed_in(client, email)
            scenarios = pages(client, references, names)
            for name, request in case_pages(case, client.cookies.get("csrftoken") or "").items():
                scenarios[name] = lambda _, request=request: request  # type: ignore[misc]
            measure(client, scenarios, 3)  # warm up
            figures = measure(client, scenarios, repeat)
            shown = client.get(f"/app/cases/{case.id}", headers=HTML).text
    installments = {status: shown.count(f'class="status-{status}"') for status in ("paid", "partly_paid", "overdue")}
    return {"cases": cases, "claims": claims, "repeat": repeat, "case_claims": case.claims,
            "installments": installments, "pages": figures}


def render(result: dict[str, Any]) -> str:
    lines = [f"workspace pages, {result['cases']} cases / {result['claims']} claims (the case: "
             f"{result['case_claims']} claims), {result['repeat']} requests each (in-process), target p95 "
             f"{TARGET_MS} ms; the case page's installments by status: {result['installments']}",
             f"  {'page':<40} {'p50 ms':>8} {'p95 ms':>8} {'target':>7}"]
    for name, row in result["pages"].items():
        verdict = "ok" if row["p95_ms"] < TARGET_MS else "OVER"
        lines.append(f"  {name:<40} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f} {TARGET_MS:>4} {verdict}")
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    result = run(args.postgres_url, cases=args.cases, claims=args.claims, repeat=args.repeat)
    print(json.dumps(result) if args.json else render(result))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--claims", type=int, default=60_000)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--postgres-url", default="postgresql://127.0.0.1:5432/test")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args()


if __name__ == "__main__":
    main()
