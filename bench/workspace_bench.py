"""The workspace's pages at scale: one counselling organisation with 5,000 cases on PostgreSQL.

1. creates a temporary database on --postgres-url (dropped afterwards), migrates it, seeds --cases cases with
   --claims claims in bulk (bench/seed.py) and gives them list_bench.py's mix of states, then VACUUM ANALYZE;
2. makes a workspace user of the organisation (as `debt-coord users create` does), signs in through the form,
   and times, in-process through the whole app (routing, session, guard, services, template; no network), each
   page --repeat times round-robin with varying arguments: the board's first page, a search by reference, by
   part of a name, a state, the next page, and the sign-in page;
3. prints p50 and p95 (ms) per page. Target (issue 15): p95 under 100 ms. Figures only: nothing asserts a time.

The case pages (W2/W3) can be added to PAGES the same way.

Usage: .venv/bin/python bench/workspace_bench.py [--cases 5000] [--claims 60000] [--repeat 100] [--json]
       [--postgres-url postgresql://127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
from debt_coord import migrate
from debt_coord.bootstrap import provide_services
from debt_coord.kernel.settings import Settings
from debt_coord.workspace.service import WorkspaceAccountService

HTML = {"Accept": "text/html"}
PASSWORD = "bench password, long enough"
Page = Callable[[random.Random], str]


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
            path = page(rng)
            started = time.perf_counter()
            answer = client.get(path, headers=HTML)
            times[name].append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, (path, answer.status_code)
    return {name: {"p50_ms": statistics.median(values),
                   "p95_ms": statistics.quantiles(values, n=20)[18]} for name, values in times.items()}


def main() -> None:
    args = parse_args()
    with temporary_database(args.postgres_url) as database_url:
        migrate.upgrade(database_url)
        seeded = seed(database_url, cases=args.cases, claims=args.claims)
        prepare(database_url, seeded)
        settings = Settings(database_url=database_url, seed_demo=False)
        email = asyncio.run(make_user(settings))
        references = [case.reference for case in seeded.cases]
        names = ["jans", "yilmaz", "de vries", "bakker", "ozturk", "garcia"]
        with TestClient(create_app(settings)) as client:
            signed_in(client, email)
            scenarios = pages(client, references, names)
            measure(client, scenarios, 3)  # warm up
            figures = measure(client, scenarios, args.repeat)
    if args.json:
        print(json.dumps({"cases": args.cases, "claims": args.claims, "repeat": args.repeat, "pages": figures}))
        return
    print(f"workspace pages, {args.cases} cases / {args.claims} claims, {args.repeat} requests each (in-process)")
    for name, row in figures.items():
        print(f"  {name:<34} p50 {row['p50_ms']:7.1f} ms   p95 {row['p95_ms']:7.1f} ms")


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
