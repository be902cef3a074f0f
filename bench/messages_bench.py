"""The debtor's messages at scale: finding what is due at one tick among 10,000 active cases, and sending it.

1. creates a temporary database on --postgres-url (dropped afterwards), migrates it and seeds --cases cases in bulk
   (bench/seed.py, not through the solver), all active, each with an e-mail contact with consent and --months
   monthly payment reminders at 09:00 Amsterdam on its own day of the month (1..28): the months before the
   tick's already sent, the tick's month planned. At the tick (the --month-th month's --day-th day, 09:00) the cases
   of that day have their message due: about cases/28. Those are written as the counsellor's free messages, so
   that sending them needs no plan (a reminder's send also reads the ledger: see messages/checks.py). Then
   VACUUM ANALYZE, as a live database would be;
2. times (best of --rounds, --repeat times each) what a delivery round does before it sends: mark the rows a dead
   worker left `sending` as uncertain, and find the due rows (the first page of ROUND_LIMIT, and all of them);
3. sends every due message with the delivery chore's own code (messages/delivery.py: take, check, a fresh debtor
   link, render, SMTP, record) to a local aiosmtpd server that accepts everything, and prints messages a second.

Figures only: nothing here asserts a time.

Usage: .venv/bin/python bench/messages_bench.py [--cases 10000] [--months 18] [--repeat 50] [--json]
       [--postgres-url postgresql://127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import socket
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, func, insert, select, text, update
from uuid_utils.compat import uuid7

from bench.jobs_bench import temporary_database
from bench.seed import chunks, seed
from debt_coord import migrate
from debt_coord.bootstrap import message_bus
from debt_coord.cases.models import Case
from debt_coord.cases.states import CaseState
from debt_coord.kernel.clock import AMSTERDAM
from debt_coord.kernel.database import create_engine as create_async_engine
from debt_coord.kernel.database import session_factory, sync_url
from debt_coord.kernel.settings import Settings
from debt_coord.kernel.uow import units_of_work
from debt_coord.messages.delivery import ROUND_LIMIT, deliver_due, due_ids, mark_uncertain
from debt_coord.messages.models import (
    Channel,
    DebtorContact,
    DebtorMessage,
    Language,
    MessageKind,
    MessageStatus,
    Tone,
)

START = dt.date(2027, 1, 1)


class Accepting:
    """An SMTP server that accepts every message and counts them."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 2.0.0 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[Accepting, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    handler = Accepting()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def moment(month: int, day: int) -> dt.datetime:
    first = START.replace(year=START.year + month // 12, month=month % 12 + 1)
    return dt.datetime.combine(first.replace(day=day), dt.time(9), AMSTERDAM).astimezone(dt.UTC)


def seed_messages(database_url: str, cases: list[str], months: int, tick_month: int, tick_day: int) -> dict[str, int]:
    """Contacts and reminder rows in bulk; how many rows of each status."""
    now = dt.datetime.now(dt.UTC)
    contacts, rows = [], []
    for number, case_id in enumerate(cases):
        case = uuid.UUID(case_id)
        contacts.append({"id": uuid7(), "case_id": case, "channel": Channel.EMAIL,
                         "address": f"debtor{number}@example.nl", "consent_at": now, "consent_source": "bench",
                         "created_at": now, "updated_at": now})
        day = number % 28 + 1
        for month in range(months):
            due = moment(month, day)
            done = (month, day) < (tick_month, tick_day)
            due_now = (month, day) == (tick_month, tick_day)
            rows.append({
                "id": uuid7(), "case_id": case, "channel": Channel.EMAIL,
                "kind": MessageKind.FREE if due_now else MessageKind.PAYMENT_REMINDER,
                "dedupe_key": f"payment_reminder:{due.date().isoformat()}", "language": Language.NL,
                "tone": Tone.WARM, "due_at": due, "payment_date": due.date(), "amount_cents": 12_500,
                "facts": {"free_text": "Uw betaling van deze maand: kijk op de pagina."} if due_now else {},
                "status": MessageStatus.SENT if done else MessageStatus.PLANNED, "sent_at": due if done else None,
                "status_reason": "", "address": "", "subject": "", "body": "", "attempts": 0, "created_by": "bench",
                "created_at": now, "updated_at": now})
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as connection:
            connection.execute(update(Case).values(state=CaseState.ACTIVE))
            for chunk in chunks(contacts):
                connection.execute(insert(DebtorContact.__table__), chunk)  # type: ignore[arg-type]
            for chunk in chunks(rows):
                connection.execute(insert(DebtorMessage.__table__), chunk)  # type: ignore[arg-type]
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
        with engine.connect() as connection:
            counted = connection.execute(select(DebtorMessage.status, func.count()).group_by(DebtorMessage.status))
            return {str(status): int(n) for status, n in counted}
    finally:
        engine.dispose()


async def time_finding(database_url: str, tick: dt.datetime, repeat: int, rounds: int) -> dict[str, Any]:
    engine = create_async_engine(database_url)
    units = units_of_work(session_factory(engine), message_bus())

    async def all_due() -> int:
        async with units() as uow:
            return int(await uow.session.scalar(select(func.count()).select_from(DebtorMessage).where(
                DebtorMessage.status == MessageStatus.PLANNED, DebtorMessage.due_at <= tick)) or 0)

    scenarios = {
        "mark uncertain (rows left sending)": lambda: mark_uncertain(units, tick, 300),
        f"find due: first {ROUND_LIMIT}": lambda: due_ids(units, tick, ROUND_LIMIT),
        "find due: count all": all_due,
    }
    figures: dict[str, Any] = {}
    try:
        for name, call in scenarios.items():
            best: list[float] | None = None
            for _ in range(rounds):
                times = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    found = await call()
                    times.append((time.perf_counter() - started) * 1000)
                if best is None or statistics.median(times) < statistics.median(best):
                    best = times
            assert best is not None
            rows = len(found) if isinstance(found, list) else int(found)
            figures[name] = {"p50": round(statistics.median(best), 2),
                             "p95": round(statistics.quantiles(best, n=20)[-1] if len(best) > 1 else best[0], 2),
                             "rows": rows}
    finally:
        await engine.dispose()
    return figures


async def time_sending(database_url: str, tick: dt.datetime, port: int) -> dict[str, Any]:
    settings = Settings(database_url=database_url, seed_demo=False, public_url="https://schulden.example.nl",
                        smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                        mail_from="Schuldhulp <noreply@schuldhulp.example.org>")
    engine = create_async_engine(database_url)
    try:
        units = units_of_work(session_factory(engine), message_bus())
        started = time.perf_counter()
        sent = await deliver_due(units, settings, now=tick)
        seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    return {"sent": sent, "seconds": round(seconds, 2), "per_second": round(sent / seconds, 1) if seconds else 0.0}


def run(postgres_url: str, cases: int, months: int, repeat: int, rounds: int) -> dict[str, Any]:
    tick_month, tick_day = months // 2, 15
    tick = moment(tick_month, tick_day)
    with temporary_database(postgres_url) as database_url:
        migrate.upgrade(database_url)
        seeded = seed(database_url, cases=cases, claims=cases * 3)  # the fewest claims a seeded case has
        started = time.perf_counter()
        statuses = seed_messages(database_url, [c.id for c in seeded.cases], months, tick_month, tick_day)
        seeding = round(time.perf_counter() - started, 2)
        finding = asyncio.run(time_finding(database_url, tick, repeat, rounds))
        with smtp_server() as (server, port):
            sending = asyncio.run(time_sending(database_url, tick, port))
            sending["smtp_received"] = server.count
    return {"cases": cases, "months": months, "tick": tick.isoformat(), "rows": statuses, "seed_messages_s": seeding,
            "finding": finding, "sending": sending, "cpus": os.cpu_count(), "python": platform.python_version(),
            "load": [round(x, 2) for x in os.getloadavg()]}


def render(figures: dict[str, Any]) -> str:
    rows = ", ".join(f"{n:,} {s}" for s, n in sorted(figures["rows"].items()))
    lines = [f"{figures['cases']:,} active cases, {figures['months']} monthly reminders each ({rows}); tick "
             f"{figures['tick']}; {figures['cpus']} CPUs, Python {figures['python']}, load {figures['load']}",
             "", "| at the tick | p50 ms | p95 ms | rows |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| {name} | {f['p50']} | {f['p95']} | {f['rows']} |" for name, f in figures["finding"].items()]
    sending = figures["sending"]
    lines += ["", f"Delivery: {sending['sent']} messages in {sending['seconds']} s = {sending['per_second']} a second "
                  f"(SMTP server received {sending['smtp_received']})."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url", default=os.environ.get("DEBT_COORD_TEST_POSTGRES_URL",
                                                                 "postgresql://127.0.0.1:5432/test"))
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=18)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = run(args.postgres_url, args.cases, args.months, args.repeat, args.rounds)
    print(json.dumps(figures, indent=2) if args.json else render(figures))


if __name__ == "__main__":
    sys.exit(main())
