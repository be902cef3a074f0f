"""Via the counsellor, through the API on SQLite and PostgreSQL: the debtor pays one amount per payday into the
counselling organisation's account (page, JSON, calendar, EPC QR), and sees what the organisation pays whom."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from html import unescape
from typing import Any

from sqlalchemy import create_engine, update

from debt_coord.kernel.clock import today
from debt_coord.kernel.database import sync_url
from debt_coord.organisations.models import Organisation
from solver.calendar import is_bank_day, next_bank_day
from tests.debtor.checks import calendar_events, cents, page_qr_payloads
from tests.debtor.flow import CLAIMS, CREDITORS, EXTRA, debtor_link, planned_case
from tests.support import World, api_client, build_world

HTML = {"Accept": "text/html"}
PAYOUT_IBAN = "NL18TRIO0391234567"
PAYOUT_DAY = 1


def payout_account(database_url: str, organisation_id: str, iban: str | None, day: int | None) -> None:
    """What `debt-coord orgs payout-account` sets: the account debtors pay into and the monthly payout day."""
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as connection:
            connection.execute(update(Organisation).where(Organisation.id == uuid.UUID(organisation_id))
                               .values(payout_iban=iban, payout_day_of_month=day))
    finally:
        engine.dispose()


def via_world(database_url: str) -> World:
    world = build_world(database_url, extra_creditors=EXTRA)
    payout_account(database_url, world.counsellor.organisation_id, PAYOUT_IBAN, PAYOUT_DAY)
    return world


def plan_of(client: Any, world: World, plan_id: str) -> dict[str, Any]:
    plan: dict[str, Any] = client.get(f"/v1/plans/{plan_id}", headers=world.counsellor.headers).json()
    return plan


def test_the_debtor_pays_the_organisation_once_per_payday_on_json_calendar_and_page(database_url: str) -> None:
    world = via_world(database_url)
    with api_client(database_url) as client:
        case_id, plan_id = planned_case(client, world, activate=True, payment_route="via_counsellor",
                                        reference="SR-2026-0042")
        case = client.get(f"/v1/cases/{case_id}", headers=world.counsellor.headers).json()
        assert case["payment_route"] == "via_counsellor"
        plan = plan_of(client, world, plan_id)
        payouts = plan["proposal"]["payments"]
        total = sum(p["amount_cents"] for p in payouts)
        # The organisation pays out on its payout day: the first bank day of the month.
        assert all(dt.date.fromisoformat(p["date"]).day <= 4 for p in payouts)
        link = debtor_link(client, world, case_id)

        # JSON: the deposits add up to what the organisation pays out; one per day the benefit (or more) comes in.
        schedule = client.get("/v1/debtor/schedule", params={"token": link["token"]}).json()
        assert schedule["payment_route"] == "via_counsellor"
        assert schedule["pay_to"] == {"name": "Schuldhulp Noord", "iban": PAYOUT_IBAN,
                                      "payment_reference": "SR-2026-0042"}
        deposits = schedule["deposits"]
        assert deposits and sum(d["amount_cents"] for d in deposits) == total == schedule["plan"]["paid_cents"]
        days = [dt.date.fromisoformat(d["date"]) for d in deposits]
        assert days == sorted(set(days)) and all(is_bank_day(day, "NL") for day in days)
        # The benefit comes in on the 23rd, the holiday pay every 52 weeks from 21 May 2027: each deposit is on the
        # first bank day from the day after one of them (the plan's one day's lag).
        incomes = [dt.date(2027 + (m // 12), m % 12 + 1, 23) for m in range(18)]
        incomes += [dt.date(2027, 5, 21) + dt.timedelta(weeks=52 * n) for n in range(2)]
        assert set(days) <= {next_bank_day(day + dt.timedelta(days=1), "NL") for day in incomes}, days
        assert days[0] == dt.date(2027, 1, 25)  # 24 January 2027 is a Sunday
        assert {"uitkering"} <= {i for d in deposits for i in d["after_income"]}
        for payout_day in sorted({p["date"] for p in payouts}):
            paid_out = sum(p["amount_cents"] for p in payouts if p["date"] <= payout_day)
            assert sum(d["amount_cents"] for d in deposits if d["date"] < payout_day) >= paid_out
        assert schedule["next_payment_date"] == min(d["date"] for d in deposits if d["date"] >= today().isoformat())
        first = deposits[0]
        assert first["text"].startswith("Betaal op ") and first["text"].endswith(" aan Schuldhulp Noord.")
        assert cents(re.search(r"€\s?[\d.]+,\d{2}", first["text"])[0]) == first["amount_cents"]  # type: ignore[index]
        # The creditors' payments are the organisation's: shown, with no account for the debtor to pay into.
        assert [d["date"] for d in schedule["dates"]] == sorted({p["date"] for p in payouts})
        assert all(p["iban"] is None and p["payment_reference"] is None
                   for d in schedule["dates"] for p in d["payments"])
        assert all(d["keep_cents"] == 0 for d in schedule["dates"])
        english = client.get("/v1/debtor/schedule", params={"token": link["token"], "lang": "en"}).json()
        assert english["deposits"][0]["text"].startswith("Pay €")

        # Calendar: one event per deposit, the organisation's account and the case's reference, no creditor.
        events = calendar_events(client.get("/v1/debtor/schedule.ics", params={"token": link["token"]}).content)
        assert [e["date"] for e in events] == days
        for event, deposit in zip(events, deposits, strict=True):
            assert cents(str(event["summary"])) == deposit["amount_cents"]
            assert event["uid"] == f"debt-coord-{case_id}-payment-{deposit['number']}@debt-coord"
            description = str(event["description"])
            assert "Schuldhulp Noord" in description and "SR-2026-0042" in description
            assert "NL18 TRIO 0391 2345 67" in description
            assert not any(world.parties[h].name in description for h in CREDITORS)

        # Page: one EPC QR code per deposit, each paying the organisation's account with the case's reference.
        page = client.get("/debtor", params={"token": link["token"]}, headers=HTML)
        assert page.status_code == 200
        decoded = page_qr_payloads(page.text)
        upcoming = next(d for d in deposits if d["date"] == schedule["next_payment_date"])
        in_order = [upcoming, *(d for d in deposits if d is not upcoming)]
        assert [(q.name, q.iban, q.amount_cents, q.text, q.reference) for q in decoded] == [
            ("Schuldhulp Noord", PAYOUT_IBAN, d["amount_cents"], "SR-2026-0042", "") for d in in_order]
        text = unescape(re.sub(r"<[^>]+>", " ", page.text))
        text = re.sub(r"\s+", " ", text)
        assert "Schuldhulp Noord betaalt uw schuldeisers" in text
        assert re.sub(r"\s+", " ", upcoming["text"]) in text
        # No creditor's account or reference on the page: the debtor pays only the organisation.
        for claim in CLAIMS.values():
            assert claim["iban"] not in page.text.replace(" ", "")
            assert claim["payment_reference"] not in text
        # Per creditor what it will receive and when, adding up to its share of the plan.
        listed = re.findall(r'<li data-date="([\d-]+)" data-cents="(\d+)">', page.text)
        assert sorted((day, int(c)) for day, c in listed) == sorted(
            (day, amount) for creditor in schedule["creditors"]
            for day, amount in [(p["date"], p["paid_cents"]) for p in creditor["after_each_payment"]])
        assert sum(int(c) for _, c in listed) == total


def test_the_direct_route_has_no_deposits(database_url: str) -> None:
    world = via_world(database_url)  # the organisation has a payout account, but this case pays directly
    with api_client(database_url) as client:
        case_id, plan_id = planned_case(client, world, activate=False)
        payments = plan_of(client, world, plan_id)["proposal"]["payments"]
        assert any(dt.date.fromisoformat(p["date"]).day > 20 for p in payments)  # on the debtor's paydays
        link = debtor_link(client, world, case_id)
        schedule = client.get("/v1/debtor/schedule", params={"token": link["token"]}).json()
        assert (schedule["payment_route"], schedule["pay_to"], schedule["deposits"]) == ("direct", None, [])
        assert all(p["iban"] for d in schedule["dates"] for p in d["payments"])
