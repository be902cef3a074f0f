"""A creditor's claims paid into one IBAN reach the engine with one account, so they share transfers (issue 14)."""

from __future__ import annotations

from tests.negotiation.flow import INCOME, ask_for_plan
from tests.support import IBANS, api_client, build_world, claim_body, open_case_with_creditors


def test_a_creditors_claims_with_one_iban_carry_one_account(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1", "c2")
        assert client.put(f"/v1/cases/{case_id}/income", json=INCOME, headers=world.counsellor.headers).is_success
        spaced = " ".join(IBANS[1][i:i + 4] for i in range(0, len(IBANS[1]), 4)).lower()
        bodies = {("c1", "fine-1"): claim_body("CJIB-1", 40_000, iban=IBANS[1]),
                  ("c1", "fine-2"): claim_body("CJIB-2", 25_000, iban=spaced),
                  ("c1", "other"): claim_body("CJIB-3", 30_000, iban=IBANS[2]),
                  ("c2", "phone"): claim_body("TEL-1", 50_000, iban=IBANS[1])}
        ids = {}
        for (handle, name), body in bodies.items():
            answer = client.post(f"/v1/cases/{case_id}/claims", json=body, headers=world.parties[handle].headers)
            assert answer.status_code == 201, answer.text
            ids[answer.json()["id"]] = name
        plan_id = ask_for_plan(client, world, case_id, start_date="2027-01-01", months=12, time_limit_seconds=3)
        detail = client.get(f"/v1/plans/{plan_id}", headers=world.counsellor.headers).json()
    accounts = {ids[claim["id"]]: (claim["creditor"], claim["account"]) for claim in detail["request"]["claims"]}
    assert accounts["fine-1"] == accounts["fine-2"] == (accounts["fine-1"][0], IBANS[1])
    assert accounts["other"][1] == IBANS[2]
    # Another creditor paid into the same IBAN travels apart (planning.accounts.shared_accounts numbers it).
    assert accounts["phone"][1] != IBANS[1] and accounts["phone"][1].startswith(IBANS[1])
    payments = detail["proposal"]["payments"]
    per_account = {(accounts[ids[p["claim_id"]]], p["date"]) for p in payments}
    assert detail["proposal"]["metrics"]["transfers"] == len(per_account)
