"""A real `debt-coord worker` (Redis, PostgreSQL) SIGKILLed while the SMTP server holds its messages' DATA, then
restarted: nothing is sent twice. The held messages become `uncertain` (perhaps sent: a person looks), the
messages that came due since are sent once each."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.processes import group_pids
from debt_coord.messages.models import Channel, MessageKind, MessageStatus
from tests.jobs.support import Worker, wait_for, workers
from tests.messages.delivery_support import add_contact, add_message, delivery_settings, messages
from tests.messages.smtp import SmtpServer
from tests.support import World, api_client, build_world, open_case_with_creditors

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(120)]
UNCERTAIN_AFTER = 3.0


def statuses(database_url: str, ids: list[str]) -> list[MessageStatus]:
    rows = messages(database_url)
    return [rows[i].status for i in ids]


def mails_of(smtp: SmtpServer, message_id: str) -> int:
    """How many mails the server accepted whose Message-ID is this row's (the adapter puts the row id in it)."""
    return sum(message_id in str(m.message["Message-ID"]) for m in list(smtp.messages))


def logs(tmp_path: Path) -> Callable[[], str]:
    return lambda: "\n".join(p.read_text(errors="replace")[-4000:] for p in sorted(tmp_path.glob("*.log")))


def test_a_worker_killed_mid_delivery_and_restarted_sends_nothing_twice(
        postgres_database_url: str, redis_url: str, smtp_server: SmtpServer, tmp_path: Path) -> None:
    database = postgres_database_url
    world: World = build_world(database)
    with api_client(database) as client:
        case_id = open_case_with_creditors(client, world, "c1")
    add_contact(database, case_id, Channel.EMAIL, "jan.devries@example.nl")
    held = [add_message(database, case_id, MessageKind.FREE, facts={"free_text": f"Bericht {n}."}) for n in range(3)]
    settings = delivery_settings(database, redis_url=redis_url, message_check_seconds=0.2,
                                 message_uncertain_after_seconds=UNCERTAIN_AFTER, webhook_poll_seconds=0.2,
                                 **smtp_server.settings())
    smtp_server.hold.set()  # DATA is received, never answered: the worker waits for the server's "250"

    with workers(settings, tmp_path) as [first]:
        wait_for(lambda: statuses(database, held) == [MessageStatus.SENDING] * 3 and smtp_server.data_started.is_set(),
                 30, "the worker takes every due message and is in the middle of sending", logs(tmp_path))
        time.sleep(0.3)
        first.kill(signal.SIGKILL)  # no goodbye: nothing is recorded after the send
        wait_for(lambda: not group_pids(first.process.pid), 10, "every process of the worker gone")
    assert statuses(database, held) == [MessageStatus.SENDING] * 3, "nobody told the database"
    smtp_server.hold.clear()  # whatever the server had in hand it may now keep: perhaps sent
    perhaps = {i: mails_of(smtp_server, i) for i in held}

    later = [add_message(database, case_id, MessageKind.FREE, facts={"free_text": f"Later {n}."}) for n in range(2)]
    restarted = Worker(settings, tmp_path / "worker-restarted.log", name="w-restarted")
    try:
        restarted.wait_ready()
        wait_for(lambda: statuses(database, later) == [MessageStatus.SENT] * 2, 30, "the new messages sent",
                 logs(tmp_path))
        wait_for(lambda: statuses(database, held) == [MessageStatus.UNCERTAIN] * 3, 30,
                 "the held messages marked uncertain", logs(tmp_path))
        time.sleep(1.0)  # more rounds of the restarted worker: still nothing sent again
    finally:
        restarted.stop()

    assert [mails_of(smtp_server, i) for i in later] == [1, 1]
    assert {i: mails_of(smtp_server, i) for i in held} == perhaps, "no held message sent again"
    assert all(count <= 1 for count in perhaps.values())
    assert len(smtp_server.messages) == sum(perhaps.values()) + 2
    rows = messages(database)
    assert all(rows[i].provider_message_id is None and "perhaps sent" in rows[i].status_reason for i in held)
