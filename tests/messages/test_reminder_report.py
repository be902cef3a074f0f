"""What works (GET /v1/reports/reminders): per channel x tone x kind, the messages sent and whether the payment
they were about was paid on time, within three days after the message, or never; the counsellor's own only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from debt_coord.kernel.clock import AMSTERDAM, today
from debt_coord.messages.models import Channel, MessageKind, MessageStatus, Tone
from tests.messages.delivery_support import add_message
from tests.money_in.statement_flow import recent_plan_case
from tests.money_in.test_receipts import receipt
from tests.support import World, api_client, build_world, case_body, open_case_with_creditors


@pytest.fixture
def world(database_url: str) -> World:
    return build_world(database_url)


def at_nine(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), AMSTERDAM)


def report(client: Any, world: World, who: str = "counsellor") -> dict[str, Any]:
    answer = client.get("/v1/reports/reminders", headers=world.parties[who].headers if who != "counsellor"
                        else world.counsellor.headers)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def past_dates(client: Any, world: World, case_id: str) -> list[dict[str, Any]]:
    listed = client.get(f"/v1/cases/{case_id}/installments", headers=world.counsellor.headers).json()
    past = [i for i in listed["installments"] if dt.date.fromisoformat(i["date"]) < today()]
    assert len(past) >= 3, listed
    return past


def test_the_report_counts_sent_messages_and_the_payments_after_them(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        paying, claim = recent_plan_case(client, world, "2026-0100")
        d1, d2, d3 = (dt.date.fromisoformat(i["date"]) for i in past_dates(client, world, paying)[:3])
        amounts = [i["amount_cents"] for i in past_dates(client, world, paying)[:3]]
        reference_day = dt.date(2026, 11, 1)  # tests.support.case_body: receipts are booked from then to today
        assert d2 < reference_day <= d3
        # d1 and d2 are paid (late) the day after the reference date, d3 on its day.
        assert receipt(client, world.c1.headers, paying, claim["id"], amounts[0] + amounts[1],
                       reference_day + dt.timedelta(days=1)).is_success
        assert receipt(client, world.c1.headers, paying, claim["id"], amounts[2], d3).is_success
        missing, _ = recent_plan_case(client, world, "2026-0101")  # pays nothing
        m1 = dt.date.fromisoformat(past_dates(client, world, missing)[0]["date"])
        before = report(client, world)
    assert (before["sent"], before["cells"]) == (0, [])

    def sent(case_id: str, kind: MessageKind, channel: Channel, tone: Tone, day: dt.date | None, at: dt.datetime,
             status: MessageStatus = MessageStatus.SENT) -> None:
        add_message(database_url, case_id, kind, channel, tone=tone, payment_date=day, amount_cents=100,
                    status=status, sent_at=at, due_at=at, facts={"free_text": "x"})

    sent(paying, MessageKind.PAYMENT_REMINDER, Channel.EMAIL, Tone.WARM, d3, at_nine(d3))
    sent(paying, MessageKind.PAYMENT_REMINDER, Channel.SMS, Tone.NEUTRAL, d2, at_nine(reference_day),
         MessageStatus.READ)
    sent(missing, MessageKind.MISSED_PAYMENT, Channel.EMAIL, Tone.WARM, m1, at_nine(m1 + dt.timedelta(days=8)))
    sent(paying, MessageKind.FREE, Channel.EMAIL, Tone.WARM, None, at_nine(d3))
    sent(missing, MessageKind.PAYMENT_REMINDER, Channel.EMAIL, Tone.WARM, m1, at_nine(m1), MessageStatus.SKIPPED)
    with api_client(database_url) as client:
        other_case = open_case_with_creditors(client, world, "c1", reference="OTHER-1")
    add_message(database_url, other_case, MessageKind.FREE, status=MessageStatus.SENT, sent_at=at_nine(d1),
                facts={"free_text": "x"})
    with api_client(database_url) as client:
        theirs_case = client.post("/v1/cases", json=case_body("THEIRS-1"),
                                  headers=world.parties["other_counsellor"].headers)
        assert theirs_case.status_code == 201, theirs_case.text
    add_message(database_url, theirs_case.json()["id"], MessageKind.FREE, status=MessageStatus.SENT,
                sent_at=at_nine(d1), facts={"free_text": "x"})

    with api_client(database_url) as client:
        found = report(client, world)
        theirs = report(client, world, "other_counsellor")
        refused = client.get("/v1/reports/reminders", headers=world.c1.headers)
    cells = {(c["channel"], c["tone"], c["kind"]): c for c in found["cells"]}
    assert found["sent"] == 5, "sent, delivered and read count; skipped does not; another organisation's neither"
    assert set(cells) == {("email", "warm", "payment_reminder"), ("sms", "neutral", "payment_reminder"),
                          ("email", "warm", "missed_payment"), ("email", "warm", "free")}
    numbers = ("sent", "about_a_payment", "paid_on_time", "paid_within_three_days", "never_paid")

    def row(key: tuple[str, str, str]) -> tuple[int, ...]:
        return tuple(cells[key][n] for n in numbers)

    assert row(("email", "warm", "payment_reminder")) == (1, 1, 1, 1, 0), "paid on its day, the message's day"
    assert row(("sms", "neutral", "payment_reminder")) == (1, 1, 0, 1, 0), "paid late, the day after the message"
    assert row(("email", "warm", "missed_payment")) == (1, 1, 0, 0, 1), "the date has passed, nothing paid"
    assert row(("email", "warm", "free")) == (2, 0, 0, 0, 0), "counted as sent only"
    assert not any(c["enough"] for c in found["cells"])
    assert "Only 5 messages" in found["note"] and "chance" in found["note"]
    assert (theirs["sent"], [c["kind"] for c in theirs["cells"]]) == (1, ["free"])
    assert refused.status_code == 403
