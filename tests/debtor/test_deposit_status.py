"""Via the counsellor the debtor's page and JSON say of each deposit of the running plan whether it came in: ticked
when paid, what arrived of one paid in part, and of an overdue one calmly what is missing and whom to call (as they
do of each transfer of a direct plan). Through the API on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Any

from debt_coord.kernel.clock import today
from debt_coord.money_in.installments import bank_days_after
from tests.debtor.flow import debtor_link, planned_case
from tests.payouts.flow import deposit, set_payout_account_of, via_counsellor_case
from tests.support import api_client, build_world

HTML = {"Accept": "text/html"}
GRACE = 5  # DEBT_COORD_ARREARS_GRACE_BANK_DAYS's default


def overdue_on(date: str, day: dt.date) -> bool:
    return day > bank_days_after(dt.date.fromisoformat(date), GRACE, "NL")


def listed_dates(page: str) -> dict[str, str]:
    """The page's list of payment dates: per date, the words of its item (without its hidden account details)."""
    items = re.findall(r'<li id="betaling-\d+"[^>]*data-date="([\d-]+)"[^>]*>(.*?)<details>', page, re.S)
    return {day: re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body))).strip() for day, body in items}


def test_each_deposit_says_whether_it_came_in(database_url: str) -> None:
    world = build_world(database_url)
    set_payout_account_of(database_url)
    with api_client(database_url) as client:
        case_id, _ = via_counsellor_case(client, world, database_url, "DS-1")  # began three months ago
        token = {"token": debtor_link(client, world, case_id)["token"]}
        before = client.get("/v1/debtor/schedule", params=token).json()["deposits"]
        first, second, *rest = before
        deposit(client, world, "DS-1", first["amount_cents"] + 5_000, "1")  # the first in full, 50 of the second

        deposits = client.get("/v1/debtor/schedule", params=token).json()["deposits"]
        shown = {d["date"]: (d["status"], d["received_cents"]) for d in deposits}
        assert shown[first["date"]] == ("paid", first["amount_cents"])
        assert shown[second["date"]] == ("overdue", 5_000)
        for later in rest:
            assert shown[later["date"]] == ("overdue" if overdue_on(later["date"], today()) else "scheduled", 0)

        page = client.get("/debtor", params=token, headers=HTML)
        assert page.status_code == 200
        said = listed_dates(page.text)
        assert "✓ Betaald. Dank u wel." in said[first["date"]]
        missing = f"{(second['amount_cents'] - 5_000) // 100},00"
        assert f"er mist € {missing}" in said[second["date"]].replace("\xa0", " ")
        assert "Dat kan gebeuren" in said[second["date"]] and "Schuldhulp Noord" in said[second["date"]]
        upcoming = [d for d in rest if not overdue_on(d["date"], today())]
        assert all("Betaald" not in said[d["date"]] and "mist" not in said[d["date"]] for d in upcoming)
        english = listed_dates(client.get("/debtor", params={**token, "lang": "en"}, headers=HTML).text)
        assert "✓ Paid. Thank you." in english[first["date"]]


def test_a_proposal_says_nothing_of_what_came_in(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=("c4", "c5", "c6"))
    set_payout_account_of(database_url)
    with api_client(database_url) as client:
        case_id, _ = planned_case(client, world, activate=False, payment_route="via_counsellor", reference="DS-2")
        token: dict[str, Any] = {"token": debtor_link(client, world, case_id)["token"]}
        deposits = client.get("/v1/debtor/schedule", params=token).json()["deposits"]
        assert deposits and {(d["status"], d["received_cents"]) for d in deposits} == {(None, None)}
        page = client.get("/debtor", params=token, headers=HTML).text
        assert "data-deposit-status" not in page and "data-status" not in page
