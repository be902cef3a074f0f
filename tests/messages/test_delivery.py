"""Delivery on both databases: the SMTP server (aiosmtpd, started by the test) receives exactly the due messages,
once each, whatever runs twice; each message is checked again when it is sent; refusals fail or retry."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import create_engine, update

from debt_coord.cases.models import Case
from debt_coord.cases.states import CaseState
from debt_coord.kernel.database import sync_url
from debt_coord.messages.models import Channel, MessageKind, MessageStatus
from solver.money import format_money
from tests.debtor.flow import EXTRA, planned_case
from tests.messages.delivery_support import (
    PUBLIC_URL,
    add_contact,
    add_message,
    deliver,
    deliver_at_once,
    delivery_settings,
    messages,
    set_moratorium,
    status_of,
)
from tests.messages.smtp import SmtpServer
from tests.money_in.test_receipts import claims_of, receipt
from tests.support import World, api_client, build_world, open_case_with_creditors

EMAIL = "jan.devries@example.nl"


@pytest.fixture
def world(database_url: str) -> World:
    return build_world(database_url, extra_creditors=EXTRA)


def active_case(database_url: str, world: World) -> tuple[str, str, list[dict[str, Any]]]:
    """(case id, plan id, installments) of an active plan; the API (and its chores) stopped afterwards."""
    with api_client(database_url) as client:
        case_id, plan_id = planned_case(client, world, activate=True)
        answer = client.get(f"/v1/cases/{case_id}/installments", headers=world.counsellor.headers)
        assert answer.status_code == 200, answer.text
    return case_id, plan_id, answer.json()["installments"]


def complete(database_url: str, case_id: str) -> None:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as connection:
            connection.execute(update(Case).where(Case.id == uuid.UUID(case_id)).values(state=CaseState.COMPLETED))
    finally:
        engine.dispose()


def on_date(installments: list[dict[str, Any]], day: str) -> int:
    return sum(i["amount_cents"] for i in installments if i["date"] == day)


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def page_token(text: str) -> str:
    [link] = {u for u in re.findall(r"https://\S+", text) if urlsplit(u).path == "/debtor"}
    assert link.startswith(PUBLIC_URL)
    return parse_qs(urlsplit(link).query)["token"][0]


def test_the_smtp_server_receives_exactly_the_due_messages_once_each(
        database_url: str, world: World, smtp_server: SmtpServer) -> None:
    case_id, plan_id, installments = active_case(database_url, world)
    first = installments[0]["date"]
    add_contact(database_url, case_id, Channel.EMAIL, EMAIL)
    reminder = add_message(database_url, case_id, MessageKind.PAYMENT_REMINDER,
                           payment_date=dt.date.fromisoformat(first), amount_cents=on_date(installments, first),
                           facts={"plan_id": plan_id})
    free = add_message(database_url, case_id, MessageKind.FREE, facts={"free_text": "Bel me even terug, graag."})
    later = add_message(database_url, case_id, MessageKind.PAYMENT_REMINDER,
                        due_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=3),
                        payment_date=dt.date.fromisoformat(installments[-1]["date"]),
                        amount_cents=on_date(installments, installments[-1]["date"]), facts={"plan_id": plan_id})
    settings = delivery_settings(database_url, **smtp_server.settings())

    assert deliver(settings) == 2
    assert deliver(settings) == 0, "the same worker again: nothing is due any more"
    assert deliver_at_once(settings, 3) == [0, 0, 0], "other workers, a restart: nothing twice"
    mails = smtp_server.wait_for(2)
    assert len(mails) == 2 and all(m.rcpt_tos == (EMAIL,) for m in mails)

    rows = messages(database_url)
    assert rows[later].status is MessageStatus.PLANNED, "not due yet"
    sent = {rows[i].provider_message_id: rows[i] for i in (reminder, free)}
    assert all(rows[i].status is MessageStatus.SENT and rows[i].sent_at is not None for i in (reminder, free))
    for mail in mails:
        message = mail.message
        row = sent[message["Message-ID"]]
        assert (row.address, row.subject) == (EMAIL, message["Subject"])
        assert text_of(message).strip() == row.body.strip(), "the text is kept as sent"
    reminder_mail = next(m.message for m in mails if m.message["Message-ID"] == rows[reminder].provider_message_id)
    text = text_of(reminder_mail)
    assert format_money(on_date(installments, first), "EUR", "nl_NL") in text
    assert "opt-out" in reminder_mail["List-Unsubscribe"]
    # The link in the text is a fresh debtor link that opens this case's page, and only its token is in the text.
    tokens = {page_token(text_of(m.message)) for m in mails}
    assert len(tokens) == 2, "one link per message"
    with api_client(database_url) as client:
        for token in tokens:
            opened = client.get("/v1/debtor/schedule", headers={"Authorization": f"Bearer {token}"})
            assert opened.status_code == 200, opened.text
            assert opened.json()["debtor_name"] == "Jan de Vries"
        # The mail's one-click unsubscribe (RFC 8058) stops the e-mails: the next one is skipped and says so.
        stop = reminder_mail["List-Unsubscribe"].strip("<>")
        assert stop.startswith(f"{PUBLIC_URL}/v1/debtor/opt-out?") and "channel=email" in stop
        stopped = client.post(stop.removeprefix(PUBLIC_URL), content=b"List-Unsubscribe=One-Click",
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert stopped.status_code == 200, stopped.text
    after = add_message(database_url, case_id, MessageKind.FREE, facts={"free_text": "Nog een bericht."})
    assert deliver(settings) == 0
    assert status_of(database_url, after) == (MessageStatus.SKIPPED, "opted out")
    assert len(smtp_server.messages) == 2


def test_each_message_is_checked_again_when_it_is_sent(
        database_url: str, world: World, smtp_server: SmtpServer) -> None:
    case_id, plan_id, installments = active_case(database_url, world)
    dates = sorted({i["date"] for i in installments})

    def reminder(day: str, channel: Channel = Channel.EMAIL) -> str:
        return add_message(database_url, case_id, MessageKind.PAYMENT_REMINDER, channel,
                           payment_date=dt.date.fromisoformat(day), amount_cents=on_date(installments, day),
                           facts={"plan_id": plan_id})

    # The first date is paid in full, by each claim's creditor, before its reminder goes out.
    with api_client(database_url) as client:
        owners = {claim["id"]: world.parties[handle] for handle, claim in claims_of(client, world, case_id).items()}
        for i in (i for i in installments if i["date"] == dates[0]):
            assert receipt(client, owners[i["claim_id"]].headers, case_id, i["claim_id"], i["amount_cents"]).is_success
    add_contact(database_url, case_id, Channel.EMAIL, EMAIL)
    add_contact(database_url, case_id, Channel.WHATSAPP, "+31612345678", opted_out=True)
    paid = reminder(dates[0])
    opted_out = reminder(dates[1], Channel.WHATSAPP)
    no_consent = reminder(dates[1], Channel.SMS)
    unpaid = reminder(dates[1])
    settings = delivery_settings(database_url, **smtp_server.settings())
    assert deliver(settings) == 1
    assert status_of(database_url, paid) == (MessageStatus.SKIPPED, "already paid")
    assert status_of(database_url, opted_out) == (MessageStatus.SKIPPED, "opted out")
    assert status_of(database_url, no_consent) == (MessageStatus.SKIPPED, "no consent for this channel")
    assert status_of(database_url, unpaid)[0] is MessageStatus.SENT
    assert len(smtp_server.wait_for(1)) == 1

    # A breathing space holds reminders back; a message on a channel without settings is skipped and says so.
    set_moratorium(database_url, case_id, dt.date.today() + dt.timedelta(days=30))
    held = reminder(dates[2])
    add_contact(database_url, case_id, Channel.SMS, "+31612345678")
    free_sms = add_message(database_url, case_id, MessageKind.FREE, Channel.SMS, facts={"free_text": "Tot morgen."})
    current = add_message(database_url, case_id, MessageKind.FREE, facts={"free_text": "Oud.", "plan_id": plan_id})
    assert deliver(settings) == 1, "only the e-mail of the plan still active"
    assert status_of(database_url, held)[0] is MessageStatus.SKIPPED
    assert status_of(database_url, held)[1].startswith("breathing space until")
    assert status_of(database_url, free_sms) == (MessageStatus.SKIPPED, "channel not configured")
    assert status_of(database_url, current)[0] is MessageStatus.SENT, "its plan is still the active one"
    assert len(smtp_server.wait_for(2)) == 2


def test_a_refusal_fails_for_good_or_is_retried_later(
        database_url: str, world: World, smtp_server: SmtpServer) -> None:
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1")
    add_contact(database_url, case_id, Channel.EMAIL, EMAIL)
    settings = delivery_settings(database_url, **smtp_server.settings())
    smtp_server.data_answer = "451 4.3.0 Try again later"
    first = add_message(database_url, case_id, MessageKind.FREE, facts={"free_text": "Hallo."})
    assert deliver(settings) == 1
    row = messages(database_url)[first]
    assert (row.status, row.attempts) == (MessageStatus.PLANNED, 1)
    assert row.status_reason.startswith("retrying") and row.due_at > dt.datetime.now(dt.UTC)
    assert deliver(settings) == 0, "not due again before its backoff"
    smtp_server.data_answer = None
    assert deliver(settings, now=row.due_at + dt.timedelta(seconds=1)) == 1
    assert status_of(database_url, first)[0] is MessageStatus.SENT
    assert len(smtp_server.wait_for(1)) == 1

    smtp_server.refuse[EMAIL] = "550 5.1.1 No such user"
    second = add_message(database_url, case_id, MessageKind.FREE, facts={"free_text": "Nog eens."})
    assert deliver(settings) == 1
    assert status_of(database_url, second) == (MessageStatus.FAILED, "recipient refused (550)")
    assert deliver(settings) == 0 and len(smtp_server.messages) == 1


def test_workers_at_once_send_every_message_once(database_url: str, world: World, smtp_server: SmtpServer) -> None:
    with api_client(database_url) as client:
        case_ids = [open_case_with_creditors(client, world, "c1", reference=f"2026-{n:04d}") for n in range(4)]
    for number, case_id in enumerate(case_ids):
        add_contact(database_url, case_id, Channel.EMAIL, f"debtor{number}@example.nl")
        for count in range(5):
            add_message(database_url, case_id, MessageKind.FREE, facts={"free_text": f"Bericht {count}."})
    settings = delivery_settings(database_url, **smtp_server.settings())
    assert sum(deliver_at_once(settings, 4)) == 20
    mails = smtp_server.wait_for(20)
    assert len({m.message["Message-ID"] for m in mails}) == 20
    assert deliver(settings) == 0 and len(smtp_server.messages) == 20
    assert {m.status for m in messages(database_url).values()} == {MessageStatus.SENT}


def test_a_message_whose_text_cannot_be_made_fails_and_says_why(
        database_url: str, world: World, smtp_server: SmtpServer) -> None:
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1")
    add_contact(database_url, case_id, Channel.EMAIL, EMAIL)
    empty = add_message(database_url, case_id, MessageKind.FREE, facts={})
    assert deliver(delivery_settings(database_url, **smtp_server.settings())) == 0
    status, reason = status_of(database_url, empty)
    assert status is MessageStatus.FAILED and reason.startswith("the text could not be made"), reason
    assert smtp_server.messages == []


def test_a_completed_case_gets_its_plan_completed_message_and_nothing_else(
        database_url: str, world: World, smtp_server: SmtpServer) -> None:
    case_id, plan_id, installments = active_case(database_url, world)
    add_contact(database_url, case_id, Channel.EMAIL, EMAIL)
    complete(database_url, case_id)  # as the arrears chore completes a settled plan
    last = installments[-1]["date"]
    done = add_message(database_url, case_id, MessageKind.PLAN_COMPLETED, payment_date=dt.date.fromisoformat(last),
                       amount_cents=on_date(installments, last), facts={"plan_id": plan_id})
    free = add_message(database_url, case_id, MessageKind.FREE, facts={"free_text": "Nog iets."})
    assert deliver(delivery_settings(database_url, **smtp_server.settings())) == 1
    assert status_of(database_url, done)[0] is MessageStatus.SENT
    assert status_of(database_url, free) == (MessageStatus.CANCELLED, "case completed")
    [mail] = smtp_server.wait_for(1)
    with api_client(database_url) as client:
        token = page_token(text_of(mail.message))
        opened = client.get("/v1/debtor/schedule", headers={"Authorization": f"Bearer {token}"})
        assert opened.status_code == 200, "the link shows the final state"


def test_an_organisations_broken_template_fails_the_message_naming_the_file(
        database_url: str, world: World, smtp_server: SmtpServer, tmp_path: Any) -> None:
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1")
    own = tmp_path / world.parties["counsellor"].organisation_id / "nl"
    own.mkdir(parents=True)
    for tone in ("warm", "neutral", "firm"):
        (own / f"{MessageKind.FREE.value}.{tone}.txt").write_text("{% block subject %}{{ bedrag }}{% endblock %}",
                                                                   encoding="utf-8")
    add_contact(database_url, case_id, Channel.EMAIL, EMAIL)
    broken = add_message(database_url, case_id, MessageKind.FREE, facts={"free_text": "Bel ons even."})
    settings = delivery_settings(database_url, message_templates_dir=tmp_path, **smtp_server.settings())
    assert deliver(settings) == 0
    status, reason = status_of(database_url, broken)
    assert status is MessageStatus.FAILED and f"nl/{MessageKind.FREE.value}." in reason and "bedrag" in reason, reason
    assert smtp_server.messages == []
