"""Load: the API on PostgreSQL with 1,000 cases and 15,000 claims, read at a steady rate while claims come in.

1. creates a temporary database on --postgres-url (dropped afterwards), migrates it and seeds
   --cases cases with --claims claims in bulk (bench/seed.py: realistic cases, valid IBANs);
2. starts the API as `uvicorn api.app:create_app` (one process, as `debt-coord serve` runs it;
   the embedded job threads, no Redis; rate limits set out of the way);
3. when the service has the debtor schedule, asks for and proposes a plan on --planned cases
   through the API (a debtor schedule needs a proposed plan);
4. sends each route --sequential times one request at a time (no load): its own cost;
5. runs locust (bench/locustfile.py; with --asyncio, httpx clients in this process instead)
   headless: every route at its own steady rate, the writes
   (claims registered with an Idempotency-Key) at the same time, and a trivial route
   (`GET /health`) on the same server in the same run: first --warmup seconds unmeasured,
   then --duration seconds measured;
6. prints, per route: requests, failures, throughput, p50 and p99 latency, and p99 against
   the trivial route's p99 (the target: the debtor's schedule within 3x) and `/ready`'s.

Figures only: nothing here asserts a time.

Usage: .venv/bin/python bench/load_bench.py [--duration 60] [--warmup 10] [--scale 1] [--json] [--asyncio]
       [--workers 1] [--sequential 100] [--cases 1000] [--claims 15000] [--planned 40] [--postgres-url postgresql://127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.jobs_bench import temporary_database
from bench.processes import cpu_seconds, free_port, stop_group, wait_for_health
from bench.seed import Seeded, SeededCase, seed
from debt_coord import migrate

ROOT = Path(__file__).resolve().parents[1]
LOCUST = str(Path(sys.executable).with_name("locust"))
LOCUSTFILE = ROOT / "bench" / "locustfile.py"

# route (an entry of bench/locustfile.py's ROUTES): (locust users, requests per second in all)
LOAD: dict[str, tuple[int, float]] = {
    "trivial": (2, 5),
    "ready": (1, 2),
    "case": (2, 3),
    "overview": (2, 4),
    "claims": (2, 3),
    "claims_all": (1, 2),
    "register": (3, 3),
    "schedule": (2, 4),
}
"""About 26 requests a second in all: below what one API process serves on a shared 2-core machine, so
the figures are the routes' own cost and not a queue in front of them (--scale raises every rate)."""
TRIVIAL = "trivial: GET /health"
READY = "GET /ready (SELECT 1)"
TARGETS = {"GET /v1/debtor/schedule": 3.0}
"""p99 at most this many times the trivial route's p99."""
SERVER_SETTINGS = {
    "DEBT_COORD_SEED_DEMO": "false",
    "DEBT_COORD_RATE_LIMIT_REQUESTS": str(10**9),  # the limiter runs, but never limits the bench's keys
    "DEBT_COORD_WEBHOOK_IN_PROCESS_DELIVERY": "false",
}


def main() -> None:
    args = parse_args()
    load_before = os.getloadavg()[0]
    figures: dict[str, Any] = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="minutes")}
    with temporary_database(args.postgres_url) as database_url, tempfile.TemporaryDirectory(
            prefix="debt-coord-load-") as folder:
        migrate.upgrade(database_url)
        seeded = seed(database_url, cases=args.cases, claims=args.claims)
        print(f"seeded {len(seeded.cases)} cases, {sum(c.claims for c in seeded.cases)} claims in {seeded.seconds} s",
              file=sys.stderr)
        with api_server(database_url, Path(folder) / "server.log", args.workers) as (base, server_pid):
            has_schedule = "getDebtorSchedule" in httpx.get(f"{base}/schema/openapi.json", timeout=30).text
            if has_schedule and seeded.debtor_tokens and args.planned:
                started = time.perf_counter()
                seeded.planned = propose_plans(base, seeded, args.planned)
                print(f"proposed {len(seeded.planned)} plans in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            seed_file = Path(folder) / "seed.json"
            seed_file.write_text(seeded.to_json())
            load = {name: (users, rate * args.scale) for name, (users, rate) in LOAD.items()
                    if name != "schedule" or seeded.planned}
            if args.warmup and args.asyncio:
                run_asyncio(base, seeded, load, args.warmup)
            elif args.warmup:
                run_locust(base, seed_file, load, args.warmup, Path(folder) / "warmup")
            if args.sequential:
                figures["sequential"] = one_at_a_time(base, seeded, args.sequential)
            cpu_before = cpu_seconds(server_pid)
            if args.asyncio:
                rows = run_asyncio(base, seeded, load, args.duration)
                figures["failures"] = [f"{r['route']}: {e}" for r in rows for e in r.pop("errors")]
            else:
                rows = run_locust(base, seed_file, load, args.duration, Path(folder) / "load")
                figures["failures"] = failures(Path(folder) / "load")
            figures["server_cpu"] = round((cpu_seconds(server_pid) - cpu_before) / args.duration, 2)
            figures["server_errors"] = server_errors(Path(folder) / "server.log")
        figures["postgres"] = server_version(args.postgres_url)
    figures |= {
        "routes": rows, "duration_s": args.duration, "warmup_s": args.warmup, "scale": args.scale,
        "client": "asyncio" if args.asyncio else "locust",
        "cases": args.cases, "claims": args.claims, "planned": len(seeded.planned), "seed_s": seeded.seconds,
        "workers": args.workers, "cpus": os.cpu_count(), "python": platform.python_version(), "commit": commit(),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    print(json.dumps(figures, indent=2) if args.json else render(figures))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=int, default=60, help="measured seconds")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of the same load before, not measured")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every route's rate")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--claims", type=int, default=15_000)
    parser.add_argument("--planned", type=int, default=40, help="cases given a proposed plan, for the debtor schedule")
    parser.add_argument("--postgres-url", default=os.environ.get("DEBT_COORD_TEST_POSTGRES_URL",
                                                                 "postgresql://127.0.0.1:5432/test"),
                        help="a server where a temporary database can be created (and is dropped after)")
    parser.add_argument("--asyncio", action="store_true",
                        help="drive the load with httpx clients in this process instead of locust")
    parser.add_argument("--workers", type=int, default=1,
                        help="API processes (uvicorn --workers); 1 is how `debt-coord serve` runs")
    parser.add_argument("--sequential", type=int, default=100,
                        help="requests per route sent one at a time (no load) before the load run; 0: none")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args()


@contextmanager
def api_server(database_url: str, log_path: Path, workers: int = 1) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEBT_COORD_")}
    env |= SERVER_SETTINGS | {"DEBT_COORD_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app", "--host", "127.0.0.1",
               "--port", str(port), "--log-level", "warning", "--no-access-log", "--workers", str(workers)]
    base = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            wait_for_health(process, base, lambda: log_path.read_text(errors="replace"), seconds=60)
            yield base, process.pid
        finally:
            stop_group(process, seconds=15)


def propose_plans(base: str, seeded: Seeded, count: int) -> dict[str, str]:
    """A proposed plan on `count` cases, asked for and proposed through the API: case id -> plan id.

    Plans start on each case's own reference date (its income's calendar); a case whose plan
    comes out infeasible is left collecting, and the next case is tried.
    """
    headers = {"Authorization": f"Bearer {seeded.counsellor_key}"}
    planned: dict[str, str] = {}
    candidates = iter(seeded.cases)
    with httpx.Client(base_url=base, headers=headers, timeout=60) as api:
        while len(planned) < count:
            jobs: dict[str, str] = {}
            for case in [c for _, c in zip(range(count - len(planned)), candidates, strict=False)]:
                answer = api.post(f"/v1/cases/{case.id}/plans", json={
                    "months": 18, "time_limit_seconds": 1, "start_date": case.reference_date})
                if answer.status_code != 202:
                    raise RuntimeError(f"asking for a plan: {answer.status_code} {answer.text[:300]}")
                jobs[case.id] = answer.json()["id"]
                seeded.asked.append(case.id)
            if not jobs:
                break  # no cases left
            for case_id, job_id in jobs.items():
                while (job := api.get(f"/v1/jobs/{job_id}").json())["status"] in ("queued", "running"):
                    time.sleep(0.2)
                if job["status"] == "failed":
                    raise RuntimeError(f"plan job failed: {job['problem']}")
                plan_id = job["result"]["plan_id"]
                if api.post(f"/v1/plans/{plan_id}/propose", json={}).status_code == 200:
                    planned[case_id] = plan_id
        case_id = next(iter(planned))
        check = httpx.get(f"{base}/v1/debtor/schedule", timeout=30, headers={
            "Authorization": f"Bearer {seeded.debtor_tokens[case_id]}", "Accept": "application/json"})
        if check.status_code != 200:
            raise RuntimeError(f"the debtor schedule answered {check.status_code}: {check.text[:300]}")
    return planned


Request = tuple[str, str, dict[str, Any] | None, dict[str, str]]
"""(method, path, JSON body, headers)"""

# locustfile.py's route names -> the names both clients report
ROUTE_NAMES = {"trivial": TRIVIAL, "ready": READY, "case": "GET /v1/cases/{id}",
               "overview": "GET /v1/cases/{id}/overview", "claims": "GET /v1/cases/{id}/claims (creditor)",
               "claims_all": "GET /v1/cases/{id}/claims (counsellor)", "register": "POST /v1/cases/{id}/claims",
               "schedule": "GET /v1/debtor/schedule"}


def route_requests(seeded: Seeded, rng: random.Random) -> dict[str, Any]:
    """Route name -> a function that makes the next request to it (on a random case it applies to)."""
    counsellor = {"Authorization": f"Bearer {seeded.counsellor_key}"}
    collecting = [c for c in seeded.cases if c.id not in seeded.asked]
    planned = [c for c in seeded.cases if c.id in seeded.planned]

    def creditor(case: SeededCase) -> dict[str, str]:
        return {"Authorization": f"Bearer {seeded.creditor_keys[rng.choice(case.creditors)]}"}

    def claim() -> Request:
        case = rng.choice(collecting)
        reference = uuid.uuid4().hex[:12]
        body = {"creditor_reference": f"S-{reference}", "principal_cents": rng.randrange(2_000, 500_000),
                "claim_class": "concurrent", "iban": "NL91ABNA0417164300", "payment_reference": f"S-{reference}",
                "arose_on": "2026-01-15"}
        return "POST", f"/v1/cases/{case.id}/claims", body, {**creditor(case), "Idempotency-Key": reference}

    def reading(path: str, headers: Any) -> Any:
        def make() -> Request:
            case = rng.choice(collecting)
            return "GET", path.format(id=case.id), None, headers(case) if callable(headers) else headers
        return make

    routes: dict[str, Any] = {
        "trivial": lambda: ("GET", "/health", None, {}),
        "ready": lambda: ("GET", "/ready", None, {}),
        "case": reading("/v1/cases/{id}", counsellor),
        "overview": reading("/v1/cases/{id}/overview", counsellor),
        "claims": reading("/v1/cases/{id}/claims", creditor),
        "claims_all": reading("/v1/cases/{id}/claims", counsellor),
        "register": claim,
    }
    if planned:
        routes["schedule"] = lambda: ("GET", "/v1/debtor/schedule", None, {
            "Authorization": f"Bearer {seeded.debtor_tokens[rng.choice(planned).id]}", "Accept": "application/json"})
    return routes


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


def one_at_a_time(base: str, seeded: Seeded, count: int) -> list[dict[str, Any]]:
    """Each route `count` times, one request at a time from one client: its cost without a queue in front."""
    results = []
    with httpx.Client(base_url=base, timeout=60) as http:
        for name, make in route_requests(seeded, random.Random(1)).items():
            times = []
            for _ in range(count + 10):  # the first ten are not counted
                method, path, body, headers = make()
                started = time.perf_counter()
                answer = http.request(method, path, json=body, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
                if answer.status_code >= 300:
                    raise RuntimeError(f"{name}: {answer.status_code} {answer.text[:300]}")
            times = times[10:]
            results.append({"route": ROUTE_NAMES[name], "requests": count,
                            "p50_ms": round(statistics.median(times), 1), "p99_ms": round(percentile(times, 0.99), 1)})
    return results


def run_asyncio(base: str, seeded: Seeded, load: dict[str, tuple[int, float]], seconds: int) -> list[dict[str, Any]]:
    """Every route at its steady rate at once, from this process: `users` clients a route, each with its own
    connection, each sending a request every users/rate seconds (like locust's constant_throughput)."""
    routes = route_requests(seeded, random.Random(2))
    times: dict[str, list[float]] = {name: [] for name in load}
    failures: dict[str, list[str]] = {name: [] for name in load}

    async def user(name: str, interval: float, until: float) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            await asyncio.sleep(random.random() * interval)  # spread the users' phases
            while time.monotonic() < until:
                method, path, body, headers = routes[name]()
                started = time.perf_counter()
                try:
                    answer = await http.request(method, path, json=body, headers=headers)
                    if answer.status_code >= 300:
                        failures[name].append(f"{answer.status_code}: {answer.text[:160]}")
                except httpx.HTTPError as error:
                    failures[name].append(repr(error))
                elapsed = time.perf_counter() - started
                times[name].append(elapsed * 1000)
                await asyncio.sleep(max(0.0, interval - elapsed))

    async def everyone() -> None:
        until = time.monotonic() + seconds
        await asyncio.gather(*(user(name, users / rate, until) for name, (users, rate) in load.items()
                               for _ in range(users)))

    started = time.monotonic()
    asyncio.run(everyone())
    wall = time.monotonic() - started
    return [{"route": ROUTE_NAMES[name], "requests": len(found), "failures": len(failures[name]),
             "rps": round(len(found) / wall, 2), "p50_ms": round(statistics.median(found), 1),
             "p99_ms": round(percentile(found, 0.99), 1), "mean_ms": round(statistics.fmean(found), 1),
             "max_ms": round(max(found), 1), "errors": failures[name][:3]}
            for name, found in times.items() if found]


def run_locust(base: str, seed_file: Path, load: dict[str, tuple[int, float]], seconds: int,
               prefix: Path) -> list[dict[str, Any]]:
    users = sum(u for u, _ in load.values())
    env = {**os.environ, "DEBT_COORD_LOAD_SEED": str(seed_file),
           "DEBT_COORD_LOAD_ROUTES": json.dumps({name: [u, r] for name, (u, r) in load.items()})}
    command = [LOCUST, "-f", str(LOCUSTFILE), "--headless", "--host", base, "-u", str(users), "-r", str(users),
               "-t", f"{seconds}s", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
               "--stop-timeout", "10"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    stats = Path(f"{prefix}_stats.csv")
    if not stats.exists():
        raise RuntimeError(f"locust wrote no figures (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    with stats.open() as handle:
        rows = [row for row in csv.DictReader(handle) if row["Name"] != "Aggregated"]
    return [{"route": row["Name"], "requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
             "rps": float(row["Requests/s"]), "p50_ms": float(row["50%"]), "p99_ms": float(row["99%"]),
             "mean_ms": float(row["Average Response Time"]), "max_ms": float(row["Max Response Time"])}
            for row in rows]


def failures(prefix: Path) -> list[str]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with path.open() as handle:
        return [f"{row['Occurrences']}x {row['Method']} {row['Name']}: {row['Error'][:160]}"
                for row in csv.DictReader(handle)]


def server_errors(log: Path) -> int:
    return log.read_text(errors="replace").count("unhandled error")


def server_version(url: str) -> str:
    with psycopg.connect(url) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


def render_sequential(rows: list[dict[str, Any]]) -> list[str]:
    trivial = next(r for r in rows if r["route"] == TRIVIAL)
    header = f"{'route':<40} {'requests':>8} {'p50 ms':>7} {'p99 ms':>7} {'p50/trivial':>11} {'p99/trivial':>11}"
    lines = ["One request at a time (no load):", header, "-" * len(header)]
    for row in rows:
        lines.append(f"{row['route']:<40} {row['requests']:>8} {row['p50_ms']:>7.1f} {row['p99_ms']:>7.1f} "
                     f"{row['p50_ms'] / trivial['p50_ms']:>10.2f}x {row['p99_ms'] / trivial['p99_ms']:>10.2f}x")
    return [*lines, ""]


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    return done.stdout.strip() or "?"


def render(figures: dict[str, Any]) -> str:
    lines = []
    if figures.get("sequential"):
        lines += render_sequential(figures["sequential"])
    rows = figures["routes"]
    trivial = next((r for r in rows if r["route"] == TRIVIAL), None)
    ready = next((r for r in rows if r["route"] == READY), None)
    header = (f"{'route':<40} {'requests':>8} {'fail':>5} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
              f"{'max ms':>7} {'p99/trivial':>11} {'p99/ready':>9}  target (p99/trivial)")
    lines += ["Under load (all routes at once, steady rates):", header, "-" * len(header)]
    order = sorted(rows, key=lambda r: (r["route"] != TRIVIAL, r["route"]))
    for row in order:
        ratio = row["p99_ms"] / trivial["p99_ms"] if trivial and trivial["p99_ms"] else float("nan")
        to_ready = row["p99_ms"] / ready["p99_ms"] if ready and ready["p99_ms"] else float("nan")
        target = TARGETS.get(row["route"])
        verdict = f"<= {target:g}x: {'yes' if ratio <= target else 'NO'}" if target else ""
        lines.append(f"{row['route']:<40} {row['requests']:>8} {row['failures']:>5} {row['rps']:>7.1f} "
                     f"{row['p50_ms']:>7.0f} {row['p99_ms']:>7.0f} {row['max_ms']:>7.0f} {ratio:>10.2f}x "
                     f"{to_ready:>8.2f}x  {verdict}")
    lines.append("")
    lines.append(f"{figures['cases']} cases, {figures['claims']} claims seeded in {figures['seed_s']} s; "
                 f"{figures['planned']} proposed plans; {figures['duration_s']} s measured after "
                 f"{figures['warmup_s']} s warm-up ({figures['client']} clients); "
                 f"server errors logged: {figures['server_errors']}; "
                 f"API ({figures['workers']} process(es)) CPU: {figures['server_cpu']:.0%} of one core")
    lines.extend(f"failure: {line}" for line in figures["failures"])
    lines.append(f"PostgreSQL {figures['postgres']}, Python {figures['python']}, {figures['cpus']} CPUs, "
                 f"load average {figures['load_average'][0]} -> {figures['load_average'][1]}, "
                 f"commit {figures['commit']}, {figures['date']}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
