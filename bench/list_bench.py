"""Lists at scale: one counselling organisation with 10,000 cases and 150,000 claims on PostgreSQL.

1. creates a temporary database on --postgres-url (dropped afterwards), migrates it and seeds
   --cases cases with --claims claims in bulk (bench/seed.py: realistic cases, debtors' names
   with accents, cases opened one after another over the months before now); gives the cases a
   mix of states and a few recent changes, then VACUUM ANALYZE, as a live database would be;
2. times, in-process (best of --rounds rounds), what a list route does besides HTTP: a unit of work, the service call
   (the query) and the answer's models, for each scenario --repeat times with varying arguments
   (a different reference, name, state, page, case each time): the counsellor's list, paging
   through every page, search by reference, by a part of the debtor's name (with and without
   accents), by state, changed since, a creditor's cases, a case's claims and audit trail;
3. in the same run, the baselines: the unpaged list (every case of the organisation, as
   `GET /v1/cases` answered before it paged) and the same paged scenarios with the list indexes
   of migration 0006 replaced by the single-column ones they replaced;
4. prints p50 and p95 (ms) per scenario beside the baseline's. Target: p95 under 50 ms.

Figures only: nothing here asserts a time.

Usage: .venv/bin/python bench/list_bench.py [--cases 10000] [--claims 150000] [--repeat 200] [--json]
       [--postgres-url postgresql://127.0.0.1:5432/test] [--keep seed.json --database-url postgresql://.../db]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.util
import json
import os
import platform
import random
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import create_engine, select, text

from api.cases.routes import case_view
from api.cases.schemas import AuditEventOut, ClaimOut
from bench.jobs_bench import temporary_database
from bench.seed import Seeded, seed
from debt_coord import migrate
from debt_coord.audit.trail import TrailFilter
from debt_coord.bootstrap import Services, message_bus
from debt_coord.cases.listing import CaseFilter
from debt_coord.cases.models import Case
from debt_coord.cases.states import CaseState
from debt_coord.kernel.actors import Actor, Role
from debt_coord.kernel.database import create_engine as create_async_engine
from debt_coord.kernel.database import session_factory, sync_url
from debt_coord.kernel.paging import DEFAULT_LIMIT, PageRequest
from debt_coord.kernel.uow import UnitsOfWork, units_of_work

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["öztürk", "ozturk", "CELIK", "çelik", "müller", "muller", "wrobel", "Zoë", "zoe", "nguyen", "ĳzerman",
         "de vries", "van den", "jansen", "sahin", "ana", "xyz"]
"""Parts of names a counsellor types: common and rare ones, with and without accents, and one found nowhere."""
STATES = [(CaseState.COLLECTING, 30), (CaseState.PLANNING, 10), (CaseState.PROPOSED, 10), (CaseState.ACTIVE, 35),
          (CaseState.COMPLETED, 10), (CaseState.WITHDRAWN, 5)]
"""The share (percent) of the organisation's cases in each state."""
Scenario = Callable[[random.Random], Awaitable[int]]


def migration_indexes() -> list[Any]:
    path = next((ROOT / "migrations" / "versions").glob("*_0006_*.py"))
    spec = importlib.util.spec_from_file_location("migration_0006", path)
    assert spec is not None and spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # only its list of indexes is read
    indexes: list[Any] = module.INDEXES
    return indexes


def prepare(database_url: str, seeded: Seeded) -> None:
    """States and recent changes for the organisation's cases; then statistics, as autovacuum keeps them."""
    rng = random.Random(7)
    states = rng.choices([s for s, _ in STATES], weights=[w for _, w in STATES], k=len(seeded.cases))
    now = dt.datetime.now(dt.UTC)
    engine = create_engine(sync_url(database_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for state in {s for s, _ in STATES}:
            ids = [uuid.UUID(c.id) for c, s in zip(seeded.cases, states, strict=True) if s is state]
            connection.execute(text("UPDATE cases SET state = :state WHERE id = ANY(:ids)"),
                               {"state": state.value, "ids": ids})
        changed = [uuid.UUID(c.id) for c in rng.sample(seeded.cases, k=len(seeded.cases) // 50)]
        connection.execute(text("UPDATE cases SET updated_at = :at WHERE id = ANY(:ids)"),
                           {"at": now - dt.timedelta(days=1), "ids": changed})
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


@contextmanager
def without_list_indexes(database_url: str) -> Iterator[None]:
    """The single-column indexes that 0006 replaced, instead of its list indexes; put back afterwards."""
    indexes = migration_indexes()
    engine = create_engine(sync_url(database_url), isolation_level="AUTOCOMMIT")

    def swap(drop: list[str], create: list[tuple[str, str, list[str]]]) -> None:
        with engine.connect() as connection:
            for name in drop:
                connection.execute(text(f'DROP INDEX "{name}"'))
            for table, name, columns in create:
                connection.execute(text(f'CREATE INDEX "{name}" ON "{table}" ({", ".join(columns)})'))
            connection.execute(text("ANALYZE"))

    new = [(table, name, columns) for table, _, made in indexes for name, columns in made]
    old = [(table, name, columns) for table, (name, columns), _ in indexes]
    swap([name for _, name, _ in new], old)
    try:
        yield
    finally:
        swap([name for _, name, _ in old], new)
        engine.dispose()


class ListBench:
    def __init__(self, units: UnitsOfWork, seeded: Seeded, organisation_id: uuid.UUID, repeat: int) -> None:
        self.units, self.seeded, self.repeat = units, seeded, repeat
        self.counsellor = Actor(organisation_id, Role.COUNSELLOR, "bench")
        by_cases: dict[str, int] = {}
        for case in seeded.cases:
            for creditor in case.creditors:
                by_cases[creditor] = by_cases.get(creditor, 0) + 1
        self.creditor_id = max(by_cases, key=lambda c: by_cases[c])
        self.creditor = Actor(uuid.UUID(self.creditor_id), Role.CREDITOR, "bench")
        self.creditor_cases = by_cases[self.creditor_id]

    async def cases(self, actor: Actor, wanted: CaseFilter, page: PageRequest | None = None) -> tuple[int, Any]:
        async with self.units() as uow:
            found = await Services(uow).cases.visible_cases(actor, wanted, page or PageRequest())
            views = [case_view(case, actor) for case in found.items]
        return len(views), found.next_cursor

    async def timed(self, scenario: Scenario, repeat: int) -> dict[str, Any]:
        rng, times, rows = random.Random(11), [], []
        for _ in range(repeat):
            started = time.perf_counter()
            rows.append(await scenario(rng))
            times.append((time.perf_counter() - started) * 1000)
        return {"p50": round(statistics.median(times), 2), "p95": round(quantile(times, 0.95), 2),
                "rows": round(statistics.mean(rows), 1), "runs": repeat}

    async def pages(self, actor: Actor, wanted: CaseFilter) -> dict[str, Any]:
        """Every page of a list, each timed: the cursor goes deeper each time."""
        times, cursor, rows = [], None, 0
        while True:
            started = time.perf_counter()
            count, cursor = await self.cases(actor, wanted, PageRequest(DEFAULT_LIMIT, cursor))
            times.append((time.perf_counter() - started) * 1000)
            rows += count
            if cursor is None:
                break
        return {"p50": round(statistics.median(times), 2), "p95": round(quantile(times, 0.95), 2),
                "rows": rows, "runs": len(times)}

    def scenarios(self) -> dict[str, Scenario]:
        counsellor, creditor, cases = self.counsellor, self.creditor, self.seeded.cases
        since = dt.datetime.now(dt.UTC) - dt.timedelta(days=7)

        async def first_page(_: random.Random) -> int:
            return (await self.cases(counsellor, CaseFilter()))[0]

        async def reference(rng: random.Random) -> int:
            return (await self.cases(counsellor, CaseFilter(reference=rng.choice(cases).reference)))[0]

        async def name(rng: random.Random) -> int:
            return (await self.cases(counsellor, CaseFilter(name=rng.choice(NAMES))))[0]

        async def state(rng: random.Random) -> int:
            return (await self.cases(counsellor, CaseFilter(states=frozenset({rng.choice(STATES)[0]}))))[0]

        async def state_and_name(rng: random.Random) -> int:
            wanted = CaseFilter(states=frozenset({rng.choice(STATES)[0]}), name=rng.choice(NAMES))
            return (await self.cases(counsellor, wanted))[0]

        async def changed(_: random.Random) -> int:
            return (await self.cases(counsellor, CaseFilter(updated_since=since)))[0]

        async def creditors_cases(_: random.Random) -> int:
            return (await self.cases(creditor, CaseFilter()))[0]

        async def claims(rng: random.Random) -> int:
            async with self.units() as uow:
                found = await Services(uow).claims.visible_claims(counsellor, uuid.UUID(rng.choice(cases).id),
                                                                  PageRequest())
                return len([ClaimOut.model_validate(c) for c in found.items])

        async def audit(rng: random.Random) -> int:
            async with self.units() as uow:
                wanted = TrailFilter(actions=frozenset({"claim.registered"}))
                found = await Services(uow).cases.audit_trail(counsellor, uuid.UUID(rng.choice(cases).id), wanted,
                                                              PageRequest())
                return len([AuditEventOut.model_validate(e) for e in found.items])

        return {"cases: first page": first_page, "cases: by reference": reference,
                "cases: by name (accents ignored)": name, "cases: by state": state,
                "cases: by state and name": state_and_name, "cases: changed in the last 7 days": changed,
                f"creditor's cases ({self.creditor_cases}): first page": creditors_cases,
                "a case's claims": claims, "a case's audit trail, one kind": audit}

    async def run(self) -> dict[str, Any]:
        found = {label: await self.timed(scenario, self.repeat) for label, scenario in self.scenarios().items()}
        found["cases: every page, one by one"] = await self.pages(self.counsellor, CaseFilter())
        found[f"creditor's cases ({self.creditor_cases}): every page"] = await self.pages(self.creditor, CaseFilter())
        return found

    async def unpaged(self) -> dict[str, Any]:
        """What `GET /v1/cases` did before it paged: every case of the organisation, in order, as models."""

        async def everything(_: random.Random) -> int:
            async with self.units() as uow:
                rows = (await uow.session.execute(
                    select(Case).where(Case.organisation_id == self.counsellor.organisation_id)
                    .order_by(Case.created_at, Case.id))).scalars()
                return len([case_view(case, self.counsellor) for case in rows])

        return await self.timed(everything, max(3, self.repeat // 20))


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1] if len(values) > 1 else values[0]


def best(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Per scenario, the round with the lowest p95: on a shared machine, other work only ever adds time."""
    return {label: min((found[label] for found in rounds), key=lambda row: row["p95"]) for label in rounds[0]}


async def measure(database_url: str, seeded: Seeded, repeat: int, rounds: int = 2) -> dict[str, Any]:
    """Rounds with and without the list indexes, alternating, so both see the same machine."""
    engine = create_async_engine(database_url)
    try:
        units = units_of_work(session_factory(engine), message_bus())
        async with units() as uow:
            organisation_id = (await uow.session.execute(
                text("SELECT organisation_id FROM cases LIMIT 1"))).scalar_one()
        bench = ListBench(units, seeded, organisation_id, repeat)
        await bench.run()  # warm: the pool's connections, the cache of statements
        indexed, unindexed = [], []
        for _ in range(rounds):
            indexed.append(await bench.run())
            with without_list_indexes(database_url):
                unindexed.append(await bench.run())
        unpaged = await bench.unpaged()
    finally:
        await engine.dispose()
    return {"indexed": best(indexed), "unindexed": best(unindexed), "unpaged": unpaged, "rounds": rounds}


def render(figures: dict[str, Any]) -> str:
    lines = [f"{figures['cases']} cases, {figures['claims']} claims (seeded in {figures['seed_s']} s), PostgreSQL "
             f"{figures['postgres']}, {figures['cpus']} CPUs, Python {figures['python']}, load average "
             f"{figures.get('load_average', '?')}; ms per call, in-process (unit of work + service + answer "
             f"models), best of {figures.get('rounds', 1)} rounds", "",
             f"{'scenario':<46} {'rows':>7} {'p50':>8} {'p95':>8}   {'no 0006 indexes: p50':>20} {'p95':>8}"]

    def line(label: str, row: dict[str, Any]) -> str:
        return f"{label:<46} {row['rows']:>7} {row['p50']:>8} {row['p95']:>8}"

    for label, row in figures["indexed"].items():
        base = figures["unindexed"][label]
        lines.append(f"{line(label, row)}   {base['p50']:>20} {base['p95']:>8}")
    lines += ["", line("unpaged baseline: every case in one answer", figures["unpaged"])]
    return "\n".join(lines)


@contextmanager
def seeded_database(args: argparse.Namespace) -> Iterator[tuple[str, Seeded]]:
    """A temporary database seeded for this run; or, with --keep, one seeded before (and kept for the next run)."""
    if args.keep and args.keep.exists():
        yield args.database_url, Seeded.from_json(args.keep.read_text())
        return
    with temporary_database(args.postgres_url) if not args.keep else nullcontext(args.database_url) as database_url:
        migrate.upgrade(database_url)
        seeded = seed(database_url, cases=args.cases, claims=args.claims)
        print(f"seeded {len(seeded.cases)} cases, {sum(c.claims for c in seeded.cases)} claims in {seeded.seconds} s",
              file=sys.stderr)
        prepare(database_url, seeded)
        if args.keep:
            args.keep.write_text(seeded.to_json())
        yield database_url, seeded


def main() -> None:
    args = parse_args()
    load_before = os.getloadavg()[0]
    with seeded_database(args) as (database_url, seeded):
        figures = asyncio.run(measure(database_url, seeded, args.repeat, args.rounds))
        engine = create_engine(sync_url(database_url))
        with engine.connect() as connection:
            figures["postgres"] = connection.execute(text("SHOW server_version")).scalar_one()
        engine.dispose()
    figures |= {"cases": len(seeded.cases), "claims": sum(c.claims for c in seeded.cases), "seed_s": seeded.seconds,
                "repeat": args.repeat,
                "cpus": os.cpu_count(), "python": platform.python_version(),
                "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)]}
    print(json.dumps(figures, indent=2) if args.json else render(figures))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--claims", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=200, help="calls per scenario (p50 and p95 over them)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="rounds with and without the list indexes, alternating; the best round is shown")
    parser.add_argument("--postgres-url", default=os.environ.get("DEBT_COORD_TEST_POSTGRES_URL",
                                                                 "postgresql://127.0.0.1:5432/test"),
                        help="a server where a temporary database can be created (and is dropped after)")
    parser.add_argument("--keep", type=Path, metavar="SEED_JSON",
                        help="seed --database-url once and write what was seeded here; later runs with the same "
                             "file measure that database again without seeding")
    parser.add_argument("--database-url", help="with --keep: an empty database (migrated and seeded on the first run)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.keep and not args.database_url:
        parser.error("--keep needs --database-url")
    return args


if __name__ == "__main__":
    main()
