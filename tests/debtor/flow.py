"""A debtor's case with six creditors, planned, proposed and (optionally) activated through the API."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.negotiation.flow import ask_for_plan
from tests.support import IBANS, World, claim_body, open_case_with_creditors

CREDITORS = ("c1", "c2", "c3", "c4", "c5", "c6")
EXTRA = ("c4", "c5", "c6")
INCOME = {"streams": [
    {"id": "uitkering", "kind": "benefit", "amount_cents": 140_000, "available_cents": 16_000, "day_of_month": 23},
    {"id": "vakantiegeld", "kind": "holiday_pay", "amount_cents": 80_000, "available_cents": 30_000,
     "every_weeks": 52, "first_date": "2027-05-21"},
]}
CLAIMS: dict[str, dict[str, Any]] = {
    "c1": claim_body("ZZ-1", 180_000, iban=IBANS[0], payment_reference="Zorgpolis 4471-22"),
    "c2": claim_body("EN-2", 95_000, costs_cents=14_000, iban=IBANS[1], payment_reference="Klantnummer 881230"),
    "c3": claim_body("BD-3", 240_000, claim_class="preferent", debt_type="publiek", iban=IBANS[2],
                     payment_reference="RF18539007547034"),
    "c4": claim_body("TEL-4", 31_000, iban=IBANS[3], payment_reference="Contract TEL-4"),
    "c5": claim_body("BNPL-5", 12_500, iban="NL02ABNA0123456789", payment_reference="Bestelling 55-1299"),
    "c6": claim_body("WS-6", 64_000, interest_cents=3_150, iban="NL20INGB0001234567",
                     payment_reference="Huurachterstand Kerkstraat 12"),
}


def planned_case(client: TestClient[Any], world: World, *, activate: bool, **plan: Any) -> tuple[str, str]:
    """(case id, plan id): six creditors' claims, a plan proposed and, with `activate`, agreed and active.

    `income` (a PUT body) instead of INCOME, `payment_route`, the rest of `plan` are the plan request's options."""
    case = {"reference": plan.pop("reference", "2026-0001"), "debtor_name": plan.pop("debtor_name", "Jan de Vries"),
            "payment_route": plan.pop("payment_route", "direct")}
    income = plan.pop("income", INCOME)
    case_id = open_case_with_creditors(client, world, *CREDITORS, **case)
    assert client.put(f"/v1/cases/{case_id}/income", json=income, headers=world.counsellor.headers).is_success
    for handle in CREDITORS:
        answer = client.post(f"/v1/cases/{case_id}/claims", json=CLAIMS[handle], headers=world.parties[handle].headers)
        assert answer.status_code == 201, answer.text
    plan_id = ask_for_plan(client, world, case_id, **{"time_limit_seconds": 5, **plan})
    assert client.post(f"/v1/plans/{plan_id}/propose", json={}, headers=world.counsellor.headers).is_success
    if activate:
        for handle in CREDITORS:
            body = {"plan_version": 1, "decision": "accept"}
            answer = client.post(f"/v1/plans/{plan_id}/decisions", json=body, headers=world.parties[handle].headers)
            assert answer.status_code == 201, answer.text
        activated = client.post(f"/v1/plans/{plan_id}/activate", headers=world.counsellor.headers)
        assert activated.status_code == 200, activated.text
    return case_id, plan_id


def debtor_link(client: TestClient[Any], world: World, case_id: str, **body: Any) -> dict[str, Any]:
    answer = client.post(f"/v1/cases/{case_id}/debtor-links", json=body, headers=world.counsellor.headers)
    assert answer.status_code == 201, answer.text
    issued: dict[str, Any] = answer.json()
    return issued
