"""Bank statement imports under faults: the API server killed mid-import, PostgreSQL restarted during imports.

A real `debt-coord serve` process on a PostgreSQL cluster of the test's own (tests/reliability/servers.py).
An import is one transaction: the file's entries, a receipt journal per payment matched and a reversal per
payment returned are committed together or not at all, and the file's message id and bank references make
a second import of it write nothing. So:

- killed (SIGKILL of the server's process group) while the import's transaction is writing the ledger, then
  sent again to a restarted server, the file leaves exactly the ledger of one import;
- with the cluster restarted (`pg_ctl restart -m fast`) while imports are writing, and the clients sending a
  file again on a 503 or a lost connection as a real client does, every import answered 201 or 200 is whole
  in the ledger and nothing is half-written.

The moment of the fault is not a guess: the test waits until a server connection holds the lock that
inserting into `ledger_entries` takes, which it keeps until its transaction ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

import httpx
import psycopg
import pytest

from bench.processes import free_port, stop_group, wait_for_health
from tests.money_in.statement_flow import CAMT, Line, camt053, recent_plan_case
from tests.reliability.servers import PrivatePostgres
from tests.support import IBANS, World, api_client, build_world

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.timeout(300)]

DEBT_COORD = Path(sys.executable).parent / "debt-coord"
CENTS = 2
"""Each payment in the generated files: small, so that hundreds of them fit in the installments due."""
OTHER_IBAN = IBANS[3]
"""Unrelated entries (groceries) go here: no creditor of the cases."""
RETRYABLE = {503, None}
"""A real client sends the same file again on these: the database was briefly away, or the answer was lost."""
GIVE_UP_SECONDS = 120


@contextmanager
def serving(database_url: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`debt-coord serve` in a process group of its own; stopped (or found killed) at the end."""
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DEBT_COORD_")},
           "DEBT_COORD_DATABASE_URL": database_url, "DEBT_COORD_SEED_DEMO": "false"}
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryFile(mode="w+b") as log:
        process = subprocess.Popen([str(DEBT_COORD), "serve", "--port", str(port)], cwd=folder, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for_health(process, base, lambda: read_log(log), seconds=60)
            yield base, process
        finally:
            if process.poll() is None:
                stop_group(process)
            sys.stderr.write(f"--- serve log ({base}) ---\n{read_log(log)}")  # shown by pytest on failure


def read_log(log: IO[bytes]) -> str:
    log.seek(0)
    return str(log.read().decode(errors="replace"))


@dataclass(frozen=True)
class File:
    """A generated camt.053 of the debtor's account and what one import of it must write."""

    body: bytes
    payments: int
    returns: int
    unrelated: int

    @property
    def entries(self) -> int:
        return self.payments + self.returns + self.unrelated

    @property
    def received_cents(self) -> int:
        return CENTS * (self.payments - self.returns)

    def answer(self) -> dict[str, int]:
        """The 201's counts: every payment and return matched, the unrelated entries left for the counsellor."""
        return {"entries": self.entries, "matched": self.payments + self.returns, "unmatched": self.unrelated,
                "duplicates": 0}


def statement_file(claim: dict[str, Any], name: str, payments: int, unrelated: int, return_every: int) -> File:
    """`payments` transfers of CENTS to the claim's creditor, each `return_every`-th returned by its bank at once,
    and `unrelated` entries in between."""
    lines, returns = [], 0
    for n in range(payments):
        lines.append(Line(f"{name}-P{n}", -CENTS, claim["iban"], f"{claim['payment_reference']} deel {n}"))
        if n % return_every == return_every - 1:
            lines.append(Line(f"{name}-R{n}", CENTS, claim["iban"], "retour: rekening onjuist"))
            returns += 1
        if n < unrelated:
            lines.append(Line(f"{name}-U{n}", -1_234, OTHER_IBAN, "boodschappen"))
    lines += [Line(f"{name}-U{n}", -1_234, OTHER_IBAN, "boodschappen") for n in range(payments, unrelated)]
    return File(camt053(lines, message_id=name), payments, returns, unrelated)


def writing_the_ledger(pg: PrivatePostgres) -> bool:
    """Whether a server connection is in a transaction that inserted into ledger_entries (a lock kept until
    the transaction ends)."""
    with psycopg.connect(pg.url, autocommit=True) as connection:
        found = connection.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'ledger_entries' AND l.mode = 'RowExclusiveLock' AND l.granted "
            "AND l.pid <> pg_backend_pid()").fetchone()
        return bool(found and found[0])


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.01)


def ledger_of(pg: PrivatePostgres, case_id: str) -> dict[str, Any]:
    """What the tables hold for a case, read directly."""
    case = uuid.UUID(case_id)
    with psycopg.connect(pg.url, autocommit=True) as connection:
        def one(sql: str) -> Any:
            row = connection.execute(sql, {"case": case}).fetchone()
            assert row is not None
            return row[0]

        return {
            "statements": one("SELECT count(*) FROM bank_statements WHERE case_id = %(case)s"),
            "entries": one("SELECT count(*) FROM bank_statement_entries WHERE case_id = %(case)s"),
            "entries listed": one("SELECT coalesce(sum(entry_count - duplicate_count), 0) FROM bank_statements "
                                  "WHERE case_id = %(case)s"),
            "matches": one("SELECT count(*) FROM bank_statement_matches m JOIN bank_statement_entries e "
                           "ON e.id = m.entry_id WHERE e.case_id = %(case)s"),
            "receipts": one("SELECT count(*) FROM ledger_journals WHERE case_id = %(case)s AND kind = 'receipt'"),
            "reversals": one("SELECT count(*) FROM ledger_journals WHERE case_id = %(case)s AND kind = 'reversal'"),
            "journals without a match": one(
                "SELECT count(*) FROM ledger_journals j WHERE j.case_id = %(case)s AND j.kind <> 'opening' "
                "AND NOT EXISTS (SELECT 1 FROM bank_statement_matches m WHERE m.journal_id = j.id)"),
            "receipts twice": one("SELECT count(*) FROM (SELECT reference FROM ledger_journals WHERE case_id = "
                                  "%(case)s AND kind = 'receipt' GROUP BY reference HAVING count(*) > 1) t"),
            "sum": one("SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries WHERE case_id = %(case)s"),
            "unbalanced journals": one("SELECT count(*) FROM (SELECT journal_id FROM ledger_entries WHERE case_id = "
                                       "%(case)s GROUP BY journal_id HAVING sum(amount_cents) <> 0) t"),
            "received": one("SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries WHERE case_id = %(case)s "
                            "AND account = 'received'"),
        }


def one_import(file: File) -> dict[str, Any]:
    """The tables of a case whose plan opened its claim and that imported `file` once."""
    return {"statements": 1, "entries": file.entries, "entries listed": file.entries,
            "matches": file.payments + file.returns, "receipts": file.payments, "reversals": file.returns,
            "journals without a match": 0, "receipts twice": 0, "sum": 0, "unbalanced journals": 0,
            "received": file.received_cents}


def post_file(base: str, world: World, case_id: str, body: bytes) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=120) as http:
        return http.post(f"/v1/cases/{case_id}/statements", content=body,
                         headers={**world.counsellor.headers, "Content-Type": CAMT})


def test_an_import_killed_mid_way_and_sent_again_leaves_the_ledger_of_one_import(
    private_postgres: PrivatePostgres,
) -> None:
    pg = private_postgres
    world = build_world(pg.url)
    with api_client(pg.url) as client:
        case_id, claim = recent_plan_case(client, world, "KILL-1")
    file = statement_file(claim, "KILL-1-MSG", payments=800, unrelated=1_000, return_every=40)
    before = ledger_of(pg, case_id)
    assert (before["statements"], before["receipts"], before["received"]) == (0, 0, 0)

    first: list[httpx.Response | None] = []
    with serving(pg.url) as (base, process):
        def send() -> None:
            try:
                first.append(post_file(base, world, case_id, file.body))
            except httpx.TransportError:
                first.append(None)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        wait_until(lambda: writing_the_ledger(pg), "the import writing the ledger")
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        sender.join(timeout=30)
    assert first, "the first request ended"
    answered = first[0]
    # Once PostgreSQL has ended the dead server's transaction (a COMMIT it had already received included).
    wait_until(lambda: not writing_the_ledger(pg), "the killed server's transaction ended")
    after_kill = ledger_of(pg, case_id)
    committed = after_kill["statements"] == 1
    if committed:  # the kill came just after the commit: then it is the whole import
        assert after_kill == one_import(file)
    else:
        assert answered is None, answered.text
        assert after_kill == before, "a killed import left part of itself behind"

    with serving(pg.url) as (base, _):
        again = post_file(base, world, case_id, file.body)
    print(f"import of {file.entries} entries ({file.payments} payments, {file.returns} returns, {file.unrelated} "
          f"unrelated): first {'killed before its answer' if answered is None else answered.status_code} "
          f"({'committed' if committed else 'nothing written'}), again {again.status_code} {again.text[:200]}")
    if committed:
        assert again.status_code == 200, again.text
        assert again.json()["duplicates"] == file.entries
    else:
        assert again.status_code == 201, again.text
        assert {k: v for k, v in again.json().items() if k != "statement_id"} == file.answer()
    assert ledger_of(pg, case_id) == one_import(file)


CASES, FILES = 3, 4
RESTART_AFTER = (2, 6)
"""A restart once this many imports were acknowledged (and an import is writing): two restarts in all."""


@dataclass
class Sent:
    case: int
    file: int
    status: int | None
    body: dict[str, Any] = field(default_factory=dict)


class Importers:
    """One client per case, importing its files in order; a file is sent again on a 503 or a lost answer."""

    def __init__(self, base: str, world: World, cases: list[str], files: list[list[File]]) -> None:
        self.base, self.world, self.cases, self.files = base, world, cases, files
        self.sent: list[Sent] = []
        self.lock = threading.Lock()
        self.abort = threading.Event()
        self.threads = [threading.Thread(target=self._client, args=(n,), daemon=True) for n in range(len(cases))]

    def acknowledged_at_least(self, count: int) -> bool:
        with self.lock:
            return sum(1 for s in self.sent if s.status in (200, 201)) >= count

    def _client(self, number: int) -> None:
        for index, file in enumerate(self.files[number]):
            deadline = time.monotonic() + GIVE_UP_SECONDS
            while time.monotonic() < deadline and not self.abort.is_set():
                try:
                    answer = post_file(self.base, self.world, self.cases[number], file.body)
                    sent = Sent(number, index, answer.status_code,
                                answer.json() if "json" in answer.headers.get("content-type", "") else {})
                except httpx.TransportError:
                    sent = Sent(number, index, None)
                with self.lock:
                    self.sent.append(sent)
                if sent.status not in RETRYABLE:
                    break
                time.sleep(0.1)


def test_a_postgres_restart_during_imports_loses_no_acknowledged_import(private_postgres: PrivatePostgres) -> None:
    pg = private_postgres
    world = build_world(pg.url)
    cases, files = [], []
    with api_client(pg.url) as client:
        for n in range(CASES):
            case_id, claim = recent_plan_case(client, world, f"PGR-{n}")
            cases.append(case_id)
            files.append([statement_file(claim, f"PGR-{n}-MSG-{f}", payments=150, unrelated=300, return_every=30)
                          for f in range(FILES)])

    with serving(pg.url) as (base, _):
        importers = Importers(base, world, cases, files)
        for thread in importers.threads:
            thread.start()
        try:
            for after in RESTART_AFTER:
                wait_until(partial(importers.acknowledged_at_least, after), f"{after} imports acknowledged")
                wait_until(lambda: writing_the_ledger(pg), "an import writing the ledger")
                pg.restart("fast")
            for thread in importers.threads:
                thread.join(timeout=GIVE_UP_SECONDS + 30)
            assert not any(t.is_alive() for t in importers.threads), "a client is still sending"
        finally:
            importers.abort.set()

    sent = importers.sent
    tally = {str(s): sum(a.status == s for a in sent) for s in sorted({a.status for a in sent}, key=str)}
    imports = CASES * FILES
    entries = sum(f.entries for row in files for f in row)
    print(f"{imports} imports ({entries} entries), {len(sent)} requests: {tally}")  # shown with -s
    assert {a.status for a in sent} <= {200, 201, *RETRYABLE}, tally  # never a 500
    assert any(a.status in RETRYABLE for a in sent), "the clients saw the restarts"
    for number, row in enumerate(files):
        for index, file in enumerate(row):
            answers = [a for a in sent if (a.case, a.file) == (number, index)]
            final = answers[-1]
            assert final.status in (200, 201), (number, index, answers)
            if final.status == 201:
                assert {k: v for k, v in final.body.items() if k != "statement_id"} == file.answer()
            else:  # its first commit's answer was lost: this one found it imported
                assert any(a.status in RETRYABLE for a in answers[:-1]), answers
                assert final.body["duplicates"] == file.entries, final.body
        whole = [one_import(f) for f in row]
        expected = {key: sum(w[key] for w in whole) for key in whole[0]}
        assert ledger_of(pg, cases[number]) == expected, f"case {number}"
