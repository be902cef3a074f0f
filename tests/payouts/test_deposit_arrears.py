"""Via the counsellor the debtor's arrears are its deposits into the organisation's account, not the creditors'
installments (those are the organisation's payouts): deposits are paid oldest first with the same grace, the daily
chore flags each overdue deposit once and tells the counsellor, and the installments route and the case board show
the deposit arrears. The rules alone, then through the API on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar.testing import TestClient

from debt_coord.kernel.clock import today
from debt_coord.money_in.deposits import DEPOSITS, deposit_statuses
from debt_coord.money_in.installments import Arrears, arrears, bank_days_after
from debt_coord.planning.variations import carry
from solver.models import Payment
from solver.money import format_money
from tests.debtor.flow import debtor_link
from tests.money_in.chores import deliveries, run_chore
from tests.payouts.flow import deposit, via_counsellor_case
from tests.support import World, api_client
from tests.workspace.support import HTML, signed_in, text

GRACE = 5  # DEBT_COORD_ARREARS_GRACE_BANK_DAYS's default
HOOK = {"url": "http://127.0.0.1:9/hooks", "events": ["plan.arrears"]}  # refused at once: the rows stay pending
JAN, FEB, MAR, APR = dt.date(2027, 1, 25), dt.date(2027, 2, 25), dt.date(2027, 3, 25), dt.date(2027, 4, 26)


def first_day_overdue(date: str | dt.date) -> dt.date:
    day = dt.date.fromisoformat(date) if isinstance(date, str) else date
    return bank_days_after(day, GRACE, "NL") + dt.timedelta(days=1)


def statuses(found: list[Any]) -> list[tuple[dt.date, str, int, int]]:
    return [(d.date, d.status.value, d.received_cents, d.missing_cents) for d in found]


def test_deposits_are_paid_oldest_first_and_overdue_once_the_grace_has_passed() -> None:
    scheduled = [(FEB, 10_000), (JAN, 10_000), (MAR, 10_000)]
    came_in = [(dt.date(2027, 1, 26), 8_000), (dt.date(2027, 2, 1), 4_500), (dt.date(2027, 2, 3), -500)]  # reversed

    on_the_last_day_of_grace = deposit_statuses(scheduled, came_in, bank_days_after(FEB, GRACE, "NL"),
                                                grace_bank_days=GRACE, country="NL")
    assert statuses(on_the_last_day_of_grace) == [(JAN, "paid", 10_000, 0), (FEB, "partly_paid", 2_000, 8_000),
                                                  (MAR, "scheduled", 0, 10_000)]
    assert arrears(on_the_last_day_of_grace) == Arrears(0, 0)

    later = deposit_statuses(scheduled, came_in, first_day_overdue(MAR), grace_bank_days=GRACE, country="NL")
    assert statuses(later) == [(JAN, "paid", 10_000, 0), (FEB, "overdue", 2_000, 8_000), (MAR, "overdue", 0, 10_000)]
    assert arrears(later) == Arrears(18_000, 2)


def test_a_deposit_missed_before_a_variation_was_made_is_in_the_variations_deposits_not_in_arrears() -> None:
    # Agreed: 100 a month. By 10 March (the variation is made) January was paid and 40 of February; the variation
    # carries January to March over as they stand (February asks the 40 that came) and asks 160 in April: the 60
    # missed are in it.
    agreed = [Payment(date=day, claim_id=DEPOSITS, amount_cents=10_000) for day in (JAN, FEB, MAR)]
    before = [(dt.date(2027, 1, 26), 10_000), (dt.date(2027, 2, 26), 4_000)]
    carried, _ = carry(agreed, {DEPOSITS: 14_000}, dt.date(2027, 3, 10), dt.date(2027, 4, 1))
    scheduled = [*((p.date, p.amount_cents) for p in carried), (APR, 16_000)]
    assert scheduled == [(JAN, 10_000), (FEB, 4_000), (MAR, 10_000), (APR, 16_000)]
    day = first_day_overdue(MAR)

    found = deposit_statuses(scheduled, before, day, grace_bank_days=GRACE, country="NL")
    assert statuses(found) == [(JAN, "paid", 10_000, 0), (FEB, "paid", 4_000, 0), (MAR, "overdue", 0, 10_000),
                               (APR, "scheduled", 0, 16_000)]
    assert arrears(found) == Arrears(10_000, 1), "February's missing 60 are not in arrears"

    # Money that comes in after the variation pays March and April, not February again.
    paid_up = deposit_statuses(scheduled, [*before, (dt.date(2027, 3, 26), 26_000)], first_day_overdue(APR),
                               grace_bank_days=GRACE, country="NL")
    assert statuses(paid_up)[2:] == [(MAR, "paid", 10_000, 0), (APR, "paid", 16_000, 0)]
    assert arrears(paid_up) == Arrears(0, 0)


def deposits_of(client: TestClient[Any], world: World, case_id: str) -> list[dict[str, Any]]:
    """The debtor's deposits as its schedule lists them."""
    token = debtor_link(client, world, case_id)["token"]
    found: list[dict[str, Any]] = client.get("/v1/debtor/schedule", params={"token": token}).json()["deposits"]
    return found


def installments(client: TestClient[Any], world: World, case_id: str) -> dict[str, Any]:
    answer = client.get(f"/v1/cases/{case_id}/installments", headers=world.counsellor.headers)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_a_payout_run_not_made_yet_is_not_the_debtors_arrears(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = via_counsellor_case(client, world, database_url, "DA-1")
        for party in (world.c1, world.c2, world.counsellor):
            assert client.post("/v1/webhooks", json=HOOK, headers=party.headers).status_code == 201
        made = [d for d in deposits_of(client, world, case_id) if d["date"] <= today().isoformat()]
        deposit(client, world, "DA-1", sum(d["amount_cents"] for d in made), "1")  # every deposit made so far

        listed = installments(client, world, case_id)
        assert "overdue" in {i["status"] for i in listed["installments"]}, "the organisation has paid out nothing"
        assert listed["arrears"] == {"cents": 0, "dates_behind": 0} and listed["suggest_failure"] is False
        assert run_chore(database_url, today()) == 0
        assert deliveries(database_url, "plan.arrears") == []


def test_missed_deposits_are_flagged_once_each_and_told_to_the_counsellor(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = via_counsellor_case(client, world, database_url, "DA-2")
        for party in (world.c1, world.c2, world.counsellor):
            assert client.post("/v1/webhooks", json=HOOK, headers=party.headers).status_code == 201
        schedule = deposits_of(client, world, case_id)
        first, second = schedule[0], schedule[1]
        deposit(client, world, "DA-2", first["amount_cents"] + 5_000, "2")  # the first in full, 50 of the second

        day = first_day_overdue(second["date"])
        late = [d for d in schedule[1:] if first_day_overdue(d["date"]) <= day]
        assert run_chore(database_url, day) == len(late)
        assert run_chore(database_url, day) == 0, "the same day again (a restart, another worker)"
        assert run_chore(database_url, day + dt.timedelta(days=1)) == 0, "the next day: nothing new is overdue"

        told = deliveries(database_url, "plan.arrears")
        assert {organisation for organisation, _ in told} == {world.counsellor.organisation_id}
        assert sorted((d["deposit_date"], d["amount_cents"], d["received_cents"], d["missing_cents"]) for _, d in told
                      ) == [(second["date"], second["amount_cents"], 5_000, second["amount_cents"] - 5_000),
                            *((d["date"], d["amount_cents"], 0, d["amount_cents"]) for d in late[1:])]
        assert {(d["claim_id"], d["case_reference"], d["flagged_on"]) for _, d in told} == {(None, "DA-2",
                                                                                              day.isoformat())}
        trail = client.get(f"/v1/cases/{case_id}/audit?action=plan.arrears", headers=world.counsellor.headers).json()
        assert sorted(e["after"]["deposit_date"] for e in trail) == [d["date"] for d in late]

        # Today: the installments route and the case board both say what overdue deposits miss.
        overdue = [d for d in schedule[1:] if first_day_overdue(d["date"]) <= today()]
        missing = sum(d["amount_cents"] for d in overdue) - 5_000
        assert installments(client, world, case_id)["arrears"] == {"cents": missing, "dates_behind": len(overdue)}
        signed_in(client, world)
        board = client.get("/app/cases", headers=HTML)
        assert board.status_code == 200, board.text
        row = text(board.text[board.text.index(f'/app/cases/{case_id}'):].split("</tr>")[0])
        assert " ".join(format_money(missing, "EUR", "nl_NL").split()) in row
