"""A proposal brings each creditor without an integration its link by e-mail, once, from the worker.

On SQLite and PostgreSQL, through the real app (its own chores off: the test runs the worker's round by hand, as
bootstrap.chores gives it to a worker) and a real SMTP server (aiosmtpd) on a loopback port.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.dates import format_date
from litestar.testing import TestClient
from sqlalchemy import create_engine, select, update
from sqlalchemy.orm import Session

from api.app import create_app
from debt_coord.bootstrap import chores, message_bus
from debt_coord.creditor_links.mailer import CreditorLinkMailer
from debt_coord.creditor_links.models import CreditorLink, CreditorLinkMail, MailStatus
from debt_coord.kernel.database import create_engine as create_async_engine
from debt_coord.kernel.database import session_factory, sync_url
from debt_coord.kernel.settings import Settings
from debt_coord.organisations.models import Organisation
from tests.creditor_links.flow import open_page, text
from tests.debtor.flow import EXTRA, planned_case
from tests.messages.smtp import SmtpServer, smtp_server
from tests.negotiation.flow import ask_for_plan
from tests.support import World, build_world

__all__ = ["smtp_server"]
PUBLIC_URL = "https://schulden.example.nl"
ADDRESSES = {"c1": "vorderingen@zilverzorg.example", "c2": "incasso@energiedirect.example",
             "c6": "verhuur@woonstichting-zes.example"}
"""c3, c4, c5 have no e-mail address; c2 has an integration (a webhook endpoint)."""


def app_settings(database_url: str, smtp: SmtpServer) -> Settings:
    return Settings(database_url=database_url, seed_demo=False, public_url=PUBLIC_URL,
                    webhook_in_process_delivery=False, **smtp.settings())


@contextmanager
def client_of(settings: Settings) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def give_addresses(database_url: str, world: World) -> None:
    with Session(create_engine(sync_url(database_url))) as session:
        for handle, address in ADDRESSES.items():
            organisation_id = uuid.UUID(world.parties[handle].organisation_id)
            session.execute(update(Organisation).where(Organisation.id == organisation_id)
                            .values(contact_email=address))
        session.commit()


def integrate(client: TestClient[Any], world: World, handle: str) -> None:
    hook = {"url": f"http://127.0.0.1:9/{handle}", "events": ["plan.proposed", "decision.recorded"]}
    answer = client.post("/v1/webhooks", json=hook, headers=world.parties[handle].headers)
    assert answer.status_code == 201, answer.text


def mailer(settings: Settings) -> CreditorLinkMailer:
    [found] = [c for c in chores(settings, message_bus()) if isinstance(c, CreditorLinkMailer)]
    return found


def run_workers(settings: Settings, workers: int = 1, now: dt.datetime | None = None) -> list[int]:
    """`workers` fresh workers' rounds at the same time, each on an engine of its own; what each sent."""
    async def one() -> int:
        engine = create_async_engine(settings.effective_database_url)
        try:
            return await mailer(settings)(session_factory(engine), now)
        finally:
            await engine.dispose()

    async def all_of_them() -> list[int]:
        return list(await asyncio.gather(*(one() for _ in range(workers))))

    return asyncio.run(all_of_them())


def mail_rows(database_url: str) -> list[CreditorLinkMail]:
    with Session(create_engine(sync_url(database_url))) as session:
        return list(session.scalars(select(CreditorLinkMail)))


def body_of(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def link_in(body: str) -> str:
    [link] = re.findall(r"https://\S+", body)
    assert link.startswith(f"{PUBLIC_URL}/creditor?token=")
    return link


@pytest.fixture
def world(database_url: str) -> World:
    built = build_world(database_url, extra_creditors=EXTRA)
    give_addresses(database_url, built)
    return built


def test_a_proposal_mails_exactly_the_creditors_without_integration_that_have_an_address_once(
        database_url: str, world: World, smtp_server: SmtpServer) -> None:
    settings = app_settings(database_url, smtp_server)
    with client_of(settings) as client:
        integrate(client, world, "c2")
        _, plan_id = planned_case(client, world, activate=False, months=12, reference="2026-0042")
        plan = client.get(f"/v1/plans/{plan_id}", headers=world.counsellor.headers).json()
        assert not smtp_server.messages, "nothing leaves inside the request"

        assert sum(run_workers(settings, workers=2)) == 2  # two workers at once: each e-mail once
        assert run_workers(settings) == [0]  # and never again
        mails = smtp_server.wait_for(2)
        assert len(smtp_server.messages) == 2
        by_address = {m.rcpt_tos[0]: m.message for m in mails}
        assert set(by_address) == {ADDRESSES["c1"], ADDRESSES["c6"]}  # not c2 (webhooks), not c3-c5 (no address)

        deadline = dt.date.fromisoformat(plan["response_deadline"])
        for handle, name in (("c1", "Zilverzorg"), ("c6", "Woonstichting Zes")):
            mail = by_address[ADDRESSES[handle]]
            body = body_of(mail)
            assert "2026-0042" in str(mail["Subject"]) and mail["From"] == smtp_server.settings()["mail_from"]
            assert f"Beste {name}," in body and "dossier 2026-0042" in body
            assert "accepteren, afwijzen of een tegenvoorstel doen" in body
            assert f"uiterlijk {format_date(deadline, 'd MMMM y', locale='nl_NL')}" in body
            english = body[body.index("English:"):]
            assert "accept it, reject it or make a counter-proposal" in english
            assert f"answer by {format_date(deadline, 'd MMMM y', locale='en_GB')}" in english
            assert "Zorgpolis" not in body and "IBAN" not in body and "NL91" not in body  # no claim details
            link = link_in(body)
            page = open_page(client, parse_qs(urlsplit(link).query)["token"][0])
            assert page.status_code == 200, page.text
            assert f"Voor {name}" in text(page.text)

    rows = {row.organisation_id: row for row in mail_rows(database_url)}
    assert {str(o) for o in rows} == {world.c1.organisation_id, world.c6.organisation_id}
    assert all(row.status is MailStatus.SENT and row.link_id is not None for row in rows.values())
    tokens = [parse_qs(urlsplit(link_in(body_of(m))).query)["token"][0] for m in by_address.values()]
    with Session(create_engine(sync_url(database_url))) as session:
        links = {link.id: link for link in session.scalars(select(CreditorLink))}
    for token in tokens:  # the token is in the e-mail only; the database has its hash
        assert hashlib.sha256(token.encode()).hexdigest() in {link.token_hash for link in links.values()}
        assert all(token not in str(vars(link)) for link in links.values())
        assert all(token not in str(vars(row)) for row in rows.values())


def test_a_superseded_versions_unsent_mails_are_not_sent(database_url: str, world: World,
                                                        smtp_server: SmtpServer) -> None:
    settings = app_settings(database_url, smtp_server)
    with client_of(settings) as client:
        case_id, first = planned_case(client, world, activate=False, months=12)
        assert {row.status for row in mail_rows(database_url)} == {MailStatus.PLANNED}
        second = ask_for_plan(client, world, case_id, months=18, time_limit_seconds=5)  # replaces the proposal
        assert client.post(f"/v1/plans/{second}/propose", json={}, headers=world.counsellor.headers).is_success
        assert run_workers(settings) == [3]
        for mail in smtp_server.wait_for(3):  # c1, c2, c6: each a link to the new version
            token = parse_qs(urlsplit(link_in(body_of(mail.message))).query)["token"][0]
            assert "voorstel 2" in text(open_page(client, token).text)
    rows = mail_rows(database_url)
    old = [row for row in rows if str(row.plan_version_id) == first]
    assert len(old) == 3 and all(row.status is MailStatus.CANCELLED and row.link_id is None for row in old)
    assert len(smtp_server.messages) == 3


def test_a_refusal_for_now_revokes_the_unsent_link_and_a_later_round_sends_a_new_one(
        database_url: str, world: World, smtp_server: SmtpServer) -> None:
    settings = app_settings(database_url, smtp_server)
    with client_of(settings) as client:
        integrate(client, world, "c2")
        integrate(client, world, "c6")
        planned_case(client, world, activate=False, months=12)
        smtp_server.data_answer = "451 4.3.0 Try again later"
        assert run_workers(settings) == [1]  # c1 only; handed to the server, which refused it for now
        [row] = mail_rows(database_url)
        assert row.status is MailStatus.PLANNED and row.attempts == 1 and "451" in row.status_reason
        assert run_workers(settings) == [0]  # not due again before its backoff
        with Session(create_engine(sync_url(database_url))) as session:
            [first_link] = session.scalars(select(CreditorLink))
        assert first_link.revoked_at is not None  # its e-mail never left: nobody can use it

        smtp_server.data_answer = None
        assert run_workers(settings, now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)) == [1]
        [mail] = smtp_server.wait_for(1)
        token = parse_qs(urlsplit(link_in(body_of(mail.message))).query)["token"][0]
        assert open_page(client, token).status_code == 200
        assert run_workers(settings, now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)) == [0]
    [row] = mail_rows(database_url)
    assert row.status is MailStatus.SENT and row.attempts == 2 and row.link_id != first_link.id
    assert len(smtp_server.messages) == 1
