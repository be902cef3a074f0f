"""Three creditors register claims on one case; each sees only its own; the overview adds up."""

from __future__ import annotations

from tests.support import api_client, build_world, claim_body, open_case_with_creditors

CLAIMS = {
    "c1": [claim_body("ZZ-1001", 123_456, costs_cents=4_000), claim_body("ZZ-1002", 8_999, interest_cents=311)],
    "c2": [claim_body("ED-77", 86_420, interest_cents=1_250, costs_cents=12_963, iban="NL44RABO0123456789")],
    "c3": [claim_body("BD-2026-9", 214_000, interest_cents=3_200, claim_class="preferent", debt_type="publiek",
                      iban="NL86INGB0002445588")],
}


def test_three_creditors_each_see_only_their_own_and_the_overview_adds_up(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1", "c2", "c3")
        registered: dict[str, list[str]] = {}
        for handle, bodies in CLAIMS.items():
            for body in bodies:
                answer = client.post(f"/v1/cases/{case_id}/claims", json=body, headers=world.parties[handle].headers)
                assert answer.status_code == 201, answer.text
                assert answer.headers["location"].endswith(answer.json()["id"])
                registered.setdefault(handle, []).append(answer.json()["id"])

        for handle, ids in registered.items():
            seen = client.get(f"/v1/cases/{case_id}/claims", headers=world.parties[handle].headers).json()
            assert sorted(c["id"] for c in seen) == sorted(ids)
            assert {c["organisation_id"] for c in seen} == {world.parties[handle].organisation_id}
        other_claim = registered["c2"][0]
        peek = client.get(f"/v1/cases/{case_id}/claims/{other_claim}", headers=world.c1.headers)
        assert peek.status_code == 404

        overview = client.get(f"/v1/cases/{case_id}/overview", headers=world.counsellor.headers).json()

    all_bodies = [b for bodies in CLAIMS.values() for b in bodies]
    expected_total = sum(b["principal_cents"] + b["interest_cents"] + b["costs_cents"] for b in all_bodies)
    assert expected_total == 123_456 + 4_000 + 8_999 + 311 + 86_420 + 1_250 + 12_963 + 214_000 + 3_200
    assert overview["total_cents"] == expected_total
    assert sum(c["total_cents"] for c in overview["claims"]) == expected_total
    assert sum(c["share_bp"] for c in overview["claims"]) == 10_000
    totals = {t["claim_class"]: t for t in overview["class_totals"]}
    assert totals["preferent"]["total_cents"] == 217_200
    assert totals["concurrent"]["total_cents"] == expected_total - 217_200
    assert totals["concurrent"]["claims"] == 3
    names = {c["creditor_reference"]: c["creditor_name"] for c in overview["claims"]}
    assert names == {"ZZ-1001": "Zilverzorg", "ZZ-1002": "Zilverzorg", "ED-77": "Energie Direct",
                     "BD-2026-9": "Belastingdienst"}
    preferent_share = next(c["share_bp"] for c in overview["claims"] if c["creditor_reference"] == "BD-2026-9")
    assert preferent_share == round(217_200 * 10_000 / expected_total)


def test_overview_warns_about_wik_costs_duplicates_balance_dates_and_missing_claims(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1", "c2", "c3")
        c1 = world.c1.headers
        # EUR 1,000 principal allows EUR 150 costs under the WIK scale; EUR 200 is too much.
        client.post(f"/v1/cases/{case_id}/claims", json=claim_body("A-1", 100_000, costs_cents=20_000), headers=c1)
        client.post(f"/v1/cases/{case_id}/claims", json=claim_body("a-1 ", 55_000), headers=c1)
        client.post(f"/v1/cases/{case_id}/claims", headers=world.c2.headers,
                    json=claim_body("E-5", 30_000, costs_cents=4_500, balance_date="2026-10-01"))
        overview = client.get(f"/v1/cases/{case_id}/overview", headers=world.counsellor.headers).json()

    by_code: dict[str, list[dict[str, object]]] = {}
    for warning in overview["warnings"]:
        by_code.setdefault(str(warning["code"]), []).append(warning)
    assert set(by_code) == {"collection_costs_above_wik", "possible_duplicate", "balance_date_differs", "no_claim_yet",
                            "no_capacity"}
    [wik] = by_code["collection_costs_above_wik"]
    assert "€200.00" in str(wik["message"]) and "€150.00" in str(wik["message"])
    [duplicate] = by_code["possible_duplicate"]
    assert len(duplicate["claim_ids"]) == 2  # type: ignore[arg-type]
    [late] = by_code["balance_date_differs"]
    assert "2026-10-01" in str(late["message"])
    [missing] = by_code["no_claim_yet"]
    assert missing["organisation_id"] == world.c3.organisation_id


def test_capacity_counts_income_available_for_creditors(database_url: str) -> None:
    world = build_world(database_url)
    income = {"streams": [
        {"id": "salaris", "amount_cents": 215_000, "available_cents": 24_000, "day_of_month": 25},
        {"id": "vakantiegeld", "amount_cents": 120_000, "available_cents": 60_000, "dates": ["2027-05-22"]},
    ]}
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1")
        stored = client.put(f"/v1/cases/{case_id}/income", json=income, headers=world.counsellor.headers)
        assert stored.status_code == 200, stored.text
        assert stored.json()["streams"][1]["dates"] == ["2027-05-22"]
        again = client.get(f"/v1/cases/{case_id}/income", headers=world.counsellor.headers).json()
        assert again == stored.json()
        capacity = client.get(f"/v1/cases/{case_id}/overview", headers=world.counsellor.headers).json()["capacity"]
    # Reference date 2026-11-01: salaries 25 Nov 2026 .. 25 Oct 2027 are 12, plus holiday pay in May.
    assert capacity["first_12_months_cents"] == 12 * 24_000 + 60_000
    assert capacity["monthly_average_cents"] == (12 * 24_000 + 60_000) // 12
    # 18 months to 2028-05-01: 18 salaries and one holiday pay (2027-05-22 only).
    assert capacity["term_cents"] == 18 * 24_000 + 60_000


def test_claims_cannot_change_after_the_deadline_or_by_another_creditor(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1", "c2")
        claim = client.post(f"/v1/cases/{case_id}/claims", json=claim_body("X-1", 10_000), headers=world.c1.headers)
        claim_id, etag = claim.json()["id"], claim.headers["etag"]
        url = f"/v1/cases/{case_id}/claims/{claim_id}"

        assert client.patch(url, json={"principal_cents": 9_000}, headers=world.c2.headers).status_code == 404
        changed = client.patch(url, json={"principal_cents": 9_000}, headers={**world.c1.headers, "If-Match": etag})
        assert changed.status_code == 200 and changed.json()["principal_cents"] == 9_000
        assert changed.json()["version"] == 2
        stale = client.patch(url, json={"principal_cents": 8_000}, headers={**world.c1.headers, "If-Match": etag})
        assert stale.status_code == 412
        assert client.get(url, headers=world.c1.headers).json()["principal_cents"] == 9_000

        assert client.delete(url, headers=world.c2.headers).status_code == 404
        current = {**world.c1.headers, "If-Match": changed.headers["etag"]}
        assert client.delete(url, headers=current).status_code == 204
        assert client.get(url, headers=world.c1.headers).status_code == 404


def test_a_claim_changes_only_with_if_match_naming_its_version(database_url: str) -> None:
    """Optimistic concurrency is the point: a PATCH or DELETE without If-Match is 428 and changes nothing."""
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1")
        claim = client.post(f"/v1/cases/{case_id}/claims", json=claim_body("IM-1", 10_000), headers=world.c1.headers)
        url = f"/v1/cases/{case_id}/claims/{claim.json()['id']}"

        for method, body in (("PATCH", {"principal_cents": 9_000}), ("DELETE", None)):
            answer = client.request(method, url, json=body, headers=world.c1.headers)
            assert answer.status_code == 428, answer.text
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.json()["status"] == 428 and "If-Match" in answer.json()["detail"]
        after = client.get(url, headers=world.c1.headers)
        assert (after.json()["principal_cents"], after.headers["etag"]) == (10_000, '"1"')

        changed = client.patch(url, json={"principal_cents": 9_000}, headers={**world.c1.headers, "If-Match": '"1"'})
        assert changed.status_code == 200 and changed.headers["etag"] == '"2"'
        stale = client.delete(url, headers={**world.c1.headers, "If-Match": '"1"'})
        assert stale.status_code == 412
        assert client.delete(url, headers={**world.c1.headers, "If-Match": '"2"'}).status_code == 204

        document = client.get("/schema/openapi.json").json()
        for method in ("patch", "delete"):
            operation = document["paths"]["/v1/cases/{case_id}/claims/{claim_id}"][method]
            if_match = next(p for p in operation["parameters"] if p["name"] == "If-Match")
            assert if_match["in"] == "header" and if_match["required"] is True
            assert {"412", "428"} <= set(operation["responses"])
