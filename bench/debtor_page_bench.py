"""The debtor's page against the same schedule as JSON and as a calendar, on the demo's seeded database.

1. makes a temporary database (SQLite in a temporary folder, or with --postgres-url a temporary
   PostgreSQL database, dropped afterwards), migrates it and seeds the demo (`debt_coord.demo`: three
   creditors, DEMO-002 with an agreed, active plan and a debtor link);
2. starts the API as `uvicorn api.app:create_app` (one process, as `debt-coord serve` runs it);
3. asks the page (`GET /debtor`, as a browser: Accept text/html), the JSON schedule and the calendar
   --repeat times each, round-robin, one request at a time, after --warmup unmeasured rounds;
4. prints per route the median and p90 wall time as the client sees it, the median against the JSON
   schedule's (the target: the page within 5x), the very first request's time after the server started
   (before anything is cached), the body size and the number of images in it.

Figures only: nothing here asserts a time.

Usage: .venv/bin/python bench/debtor_page_bench.py [--repeat 21] [--warmup 3] [--postgres-url URL] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench.processes import free_port, stop_group, wait_for_health
from debt_coord import migrate
from debt_coord.demo import seed_demo
from debt_coord.kernel.clock import today
from debt_coord.kernel.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def seeded_database(postgres_url: str | None) -> Iterator[tuple[str, str]]:
    """(database URL, the demo debtor page's path with its token) on a fresh database."""
    with tempfile.TemporaryDirectory() as folder:
        if postgres_url:
            from bench.jobs_bench import temporary_database

            with temporary_database(postgres_url) as url:
                yield url, _seed(url, Path(folder))
        else:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            yield url, _seed(url, Path(folder))


def _seed(url: str, data_dir: Path) -> str:
    migrate.upgrade(url)
    demo = asyncio.run(seed_demo(Settings(database_url=url, data_dir=data_dir, seed_demo=False), today()))
    assert demo.debtor_page, "the demo seeds a debtor link"
    return demo.debtor_page


@contextmanager
def server(database_url: str) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEBT_COORD_")}
    env |= {"DEBT_COORD_DATABASE_URL": database_url, "DEBT_COORD_SEED_DEMO": "false",
            "DEBT_COORD_RATE_LIMIT_REQUESTS": "0"}
    command = [sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app", "--host", "127.0.0.1",
               "--port", str(port), "--log-level", "warning"]
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)

        def log_text() -> str:
            log.seek(0)
            return log.read()

        try:
            wait_for_health(process, base, log_text)
            yield base
        finally:
            stop_group(process)


def measure(base: str, page_path: str, repeat: int, warmup: int) -> dict[str, dict[str, Any]]:
    token = page_path.split("token=", 1)[1]
    routes = {
        "page": ("/debtor", {"Accept": "text/html"}),
        "json": ("/v1/debtor/schedule", {"Accept": "application/json"}),
        "calendar": ("/v1/debtor/schedule.ics", {}),
    }
    times: dict[str, list[float]] = {name: [] for name in routes}
    first: dict[str, float] = {}
    sizes: dict[str, int] = {}
    images: dict[str, int] = {}
    with httpx.Client(base_url=base, timeout=60) as client:
        for round_number in range(warmup + repeat):
            for name, (path, headers) in routes.items():
                started = time.perf_counter()
                answer = client.get(path, params={"token": token}, headers=headers)
                elapsed = time.perf_counter() - started
                assert answer.status_code == 200, (name, answer.status_code, answer.text[:300])
                if round_number >= warmup:
                    times[name].append(elapsed * 1000)
                first.setdefault(name, elapsed * 1000)
                sizes[name] = len(answer.content)
                images[name] = answer.text.count("<img") if name == "page" else 0
    json_median = statistics.median(times["json"])
    return {
        name: {"median_ms": statistics.median(values),
               "p90_ms": statistics.quantiles(values, n=10)[-1] if len(values) > 1 else values[0],
               "ratio_to_json": statistics.median(values) / json_median, "first_ms": first[name],
               "bytes": sizes[name], "images": images[name]}
        for name, values in times.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--postgres-url", default=None, help="Use PostgreSQL (a temporary database) instead of SQLite.")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    args = parser.parse_args()

    with seeded_database(args.postgres_url) as (url, page_path), server(url) as base:
        figures = measure(base, page_path, args.repeat, args.warmup)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    backend = "PostgreSQL" if args.postgres_url else "SQLite"
    print(f"debtor page bench: demo DEMO-002 on {backend}, {args.repeat} requests a route after {args.warmup} "
          f"warm-up rounds; {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{'route':<10} {'median ms':>10} {'p90 ms':>8} {'x JSON':>7} {'first ms':>9} {'bytes':>8} {'images':>7}")
    for name, row in figures.items():
        print(f"{name:<10} {row['median_ms']:>10.1f} {row['p90_ms']:>8.1f} {row['ratio_to_json']:>7.1f} "
              f"{row['first_ms']:>9.1f} {row['bytes']:>8} {row['images']:>7}")


if __name__ == "__main__":
    main()
