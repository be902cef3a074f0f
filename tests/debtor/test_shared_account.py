"""A creditor's claims to one account travel as one transfer (issue 14), from the claims to the debtor's bank.

The CJIB holds three fines of one debtor, each with its own payment reference, all paid to one IBAN; an energy
company holds one claim. With one transfer a date, counted per claim the plan could pay at most one fine a date;
counted per account the fines travel together. The debtor's page shows one QR code for their sum with every
reference, the JSON numbers the transfer, and a bank statement with that one transfer pays each fine its part.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from dateutil.relativedelta import relativedelta

from debt_coord.kernel.clock import today
from tests.debtor.checks import calendar_events, cents, page_qr_payloads
from tests.debtor.flow import debtor_link
from tests.money_in.statement_flow import CAMT, Line, camt053
from tests.money_in.test_statements import installments, send
from tests.negotiation.flow import ask_for_plan
from tests.support import IBANS, World, api_client, build_world, claim_body, open_case_with_creditors

CJIB_IBAN = "NL80INGB0000000035"
FINES = ("CJIB-1", "CJIB-2", "CJIB-3")
INCOME = {"streams": [{"id": "uitkering", "amount_cents": 140_000, "available_cents": 20_000, "day_of_month": 24}]}


def _active_case(client: Any, world: World) -> tuple[str, str, dict[str, str]]:
    """(case, plan, claim id per reference): begun three months ago so that installments are due today."""
    counsellor = world.counsellor.headers
    case_id = open_case_with_creditors(client, world, "c1", "c2", reference="2026-0440")
    assert client.put(f"/v1/cases/{case_id}/income", json=INCOME, headers=counsellor).is_success
    ids: dict[str, str] = {}
    for number, reference in enumerate(FINES, start=1):
        body = claim_body(reference, 30_000 + 5_000 * number, iban=CJIB_IBAN,
                          payment_reference=f"{number}00000000000000{number}")
        answer = client.post(f"/v1/cases/{case_id}/claims", json=body, headers=world.c1.headers)
        assert answer.status_code == 201, answer.text
        ids[body["payment_reference"]] = answer.json()["id"]
    energy = client.post(f"/v1/cases/{case_id}/claims", headers=world.c2.headers,
                         json=claim_body("EN-9", 60_000, iban=IBANS[1], payment_reference="Klant 9"))
    assert energy.status_code == 201, energy.text
    ids["Klant 9"] = energy.json()["id"]
    start = today().replace(day=1) - relativedelta(months=3)
    plan_id = ask_for_plan(client, world, case_id, start_date=start.isoformat(), months=8, time_limit_seconds=5,
                           max_transfers_per_date=1)
    assert client.post(f"/v1/plans/{plan_id}/propose", json={}, headers=counsellor).is_success
    for party in (world.c1, world.c2):
        accepted = client.post(f"/v1/plans/{plan_id}/decisions", json={"plan_version": 1, "decision": "accept"},
                               headers=party.headers)
        assert accepted.status_code == 201, accepted.text
    assert client.post(f"/v1/plans/{plan_id}/activate", headers=counsellor).status_code == 200
    return case_id, plan_id, ids


def test_a_creditors_claims_to_one_account_are_one_transfer_from_plan_to_statement(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id, plan_id, ids = _active_case(client, world)
        plan = client.get(f"/v1/plans/{plan_id}", headers=world.counsellor.headers).json()
        account = {c["id"]: c["account"] for c in plan["request"]["claims"]}
        fines = [ids[r] for r in ids if r != "Klant 9"]
        assert {account[i] for i in fines} == {CJIB_IBAN} and account[ids["Klant 9"]] == IBANS[1]

        # One transfer a date: on each date one account, and the fines paid together on their dates.
        on: dict[str, dict[str, int]] = defaultdict(dict)
        for payment in plan["proposal"]["payments"]:
            on[payment["date"]][payment["claim_id"]] = payment["amount_cents"]
        assert all(len({account[c] for c in paid}) == 1 for paid in on.values())
        fine_dates = {day: paid for day, paid in on.items() if set(paid) & set(fines)}
        assert any(len(paid) > 1 for paid in fine_dates.values()), "the fines never travel together"
        assert plan["proposal"]["metrics"]["transfers"] == len(on)
        assert sum(r["transfers"] for r in plan["proposal"]["claims"]) > len(on)  # per claim, they are more

        # The debtor's page: one QR code per date with the fines' sum and every reference of that date.
        link = debtor_link(client, world, case_id, valid_days=30)
        page = client.get("/debtor", params={"token": link["token"]}, headers={"Accept": "text/html"}).text
        reference_of = {claim_id: reference for reference, claim_id in ids.items()}
        wanted = {(sum(paid.values()), tuple(reference_of[c] for c in fines if c in paid))
                  for paid in fine_dates.values()}
        shown = {(qr.amount_cents, tuple(r for r in reference_of.values() if r in qr.text.split()))
                 for qr in page_qr_payloads(page) if qr.iban == CJIB_IBAN}
        assert wanted <= shown
        # The calendar says the same: one line per transfer, the fines' with their sum and every reference.
        feed = client.get("/v1/debtor/schedule.ics", params={"token": link["token"]})
        lines = [line for event in calendar_events(feed.content) for line in str(event["description"]).splitlines()
                 if "IBAN" in line and "0000 0000 35" in line]
        listed = {(cents(re.findall(r"€\s?[\d.]+,\d{2}", line)[0]),
                   tuple(r for r in reference_of.values() if r in line.split())) for line in lines}
        assert wanted <= listed and len(lines) == len(fine_dates)
        schedule = client.get("/v1/debtor/schedule", params={"token": link["token"]}).json()
        for date in schedule["dates"]:
            numbers = {p["transfer"] for p in date["payments"]}
            assert numbers == set(range(1, len(numbers) + 1)) and len(numbers) == 1

        # Paying the first due date's fines as one transfer: each fine gets its own installment from it.
        due = [item for item in installments(client, world, case_id)
               if item["claim_id"] in fines and item["date"] <= today().isoformat()]
        first = min(item["date"] for item in due)
        together = {item["claim_id"]: item["amount_cents"] for item in due if item["date"] == first}
        remittance = " ".join(reference_of[c] for c in fines if c in together)
        statement = camt053([Line("PAY-1", -sum(together.values()), CJIB_IBAN, remittance)], message_id="MSG-440")
        assert send(client, world, case_id, statement, CAMT).status_code == 201
        got = {item["claim_id"]: item["received_cents"] for item in installments(client, world, case_id)
               if item["date"] == first and item["claim_id"] in together}
        assert got == together
