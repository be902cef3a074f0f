"""Bank statements through the API: the golden camt.053 and MT940 files import to exactly the expected matches,
once; files that are not the case's are refused whole; what is left is matched by hand."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine

from debt_coord.kernel.database import sync_url
from tests.money_in.chores import deliveries
from tests.money_in.statement_flow import CAMT, MT940, Line, camt053
from tests.money_in.test_receipts import ledger_sums
from tests.negotiation.flow import ask_for_plan
from tests.support import IBANS, World, api_client, build_world, claim_body, open_case_with_creditors, row_counts

GOLDEN = Path(__file__).parent / "golden"
CLAIMS = {
    "c1": claim_body("ZZ-1", 60_000, iban=IBANS[0], payment_reference="Zorgpolis 4471-22"),
    "c2": claim_body("EN-2", 40_000, iban=IBANS[1], payment_reference="Klantnummer 881230"),
    "c3": claim_body("BD-3", 20_000, iban=IBANS[2], payment_reference="RF18539007547034"),
}
INCOME = {"streams": [{"id": "uitkering", "amount_cents": 140_000, "available_cents": 30_000, "day_of_month": 23}]}
PLAN = {"start_date": "2026-01-01", "months": 6, "rule": "proportional", "time_limit_seconds": 5}
SCHEDULE = [(day, handle, cents) for day in ("2026-01-26", "2026-02-24", "2026-03-24", "2026-04-24")
            for handle, cents in (("c1", 15_000), ("c2", 10_000), ("c3", 5_000))]
"""The plan the golden files were written for: 150, 100 and 50 euros on four dates."""
HOOK = {"url": "http://127.0.0.1:9/hooks", "events": ["payment.received"]}  # refused at once: rows stay pending


@pytest.fixture
def world(database_url: str) -> World:
    return build_world(database_url)


@cache
def golden(name: str) -> bytes:
    return (GOLDEN / name).read_bytes()


def golden_case(client: TestClient[Any], world: World) -> tuple[str, dict[str, str]]:
    """(case, claim id by creditor handle): c1, c2 and c3's claims, the plan of SCHEDULE agreed and active."""
    counsellor = world.counsellor.headers
    case_id = open_case_with_creditors(client, world, "c1", "c2", "c3", reference_date="2025-12-01")
    assert client.put(f"/v1/cases/{case_id}/income", json=INCOME, headers=counsellor).is_success
    claims = {}
    for handle, body in CLAIMS.items():
        answer = client.post(f"/v1/cases/{case_id}/claims", json=body, headers=world.parties[handle].headers)
        assert answer.status_code == 201, answer.text
        claims[handle] = answer.json()["id"]
    plan_id = ask_for_plan(client, world, case_id, **PLAN)
    assert client.post(f"/v1/plans/{plan_id}/propose", json={}, headers=counsellor).is_success
    for handle in CLAIMS:
        accepted = client.post(f"/v1/plans/{plan_id}/decisions", json={"plan_version": 1, "decision": "accept"},
                               headers=world.parties[handle].headers)
        assert accepted.status_code == 201, accepted.text
    assert client.post(f"/v1/plans/{plan_id}/activate", headers=counsellor).status_code == 200
    handle_of = {claim_id: handle for handle, claim_id in claims.items()}
    planned = [(i["date"], handle_of[i["claim_id"]], i["amount_cents"]) for i in installments(client, world, case_id)]
    assert planned == SCHEDULE, "the golden files were written for this schedule"
    return case_id, claims


def installments(client: TestClient[Any], world: World, case_id: str) -> list[dict[str, Any]]:
    answer = client.get(f"/v1/cases/{case_id}/installments", headers=world.counsellor.headers)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["installments"]
    return found


def send(client: TestClient[Any], world: World, case_id: str, body: bytes, media_type: str,
         headers: dict[str, str] | None = None) -> Any:
    return client.post(f"/v1/cases/{case_id}/statements", content=body,
                       headers={**(headers or world.counsellor.headers), "Content-Type": media_type})


def matches_by_entry(client: TestClient[Any], world: World, case_id: str, statement_id: str,
                     claims: dict[str, str]) -> dict[str, tuple[list[tuple[str, str, int]], int]]:
    """Per bank reference: [(kind, creditor handle, cents)] and the cents left unmatched."""
    answer = client.get(f"/v1/cases/{case_id}/statements/{statement_id}", headers=world.counsellor.headers)
    assert answer.status_code == 200, answer.text
    handle_of = {claim_id: handle for handle, claim_id in claims.items()}
    return {e["bank_reference"]: ([(m["kind"], handle_of[m["claim_id"]], m["amount_cents"]) for m in e["matches"]],
                                  e["unmatched_cents"]) for e in answer.json()["items"]}


def received(client: TestClient[Any], world: World, case_id: str, claims: dict[str, str]) -> dict[str, list[int]]:
    """Per creditor handle, what each of its installments received, in date order."""
    found: dict[str, list[int]] = {handle: [] for handle in claims}
    handle_of = {claim_id: handle for handle, claim_id in claims.items()}
    for item in installments(client, world, case_id):
        found[handle_of[item["claim_id"]]].append(item["received_cents"])
    return found


def test_the_golden_files_import_to_exactly_the_expected_matches_once(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, claims = golden_case(client, world)
        assert client.post("/v1/webhooks", json=HOOK, headers=world.c1.headers).status_code == 201
        engine = create_engine(sync_url(database_url))

        answer = send(client, world, case_id, golden("statement.camt053.xml"), CAMT)
        assert answer.status_code == 201, answer.text
        camt = answer.json()
        assert {k: v for k, v in camt.items() if k != "statement_id"} == {
            "entries": 6, "matched": 4, "unmatched": 2, "duplicates": 0}
        assert matches_by_entry(client, world, case_id, camt["statement_id"], claims) == {
            # one entry, three creditors paid their January installments
            "2026012600000101": ([("receipt", "c1", 15_000), ("receipt", "c2", 10_000), ("receipt", "c3", 5_000)], 0),
            "2026022000000207": ([], 4_250),  # groceries
            "2026022300000311": ([], 140_000),  # the benefit coming in
            "2026022400000402": ([("receipt", "c1", 15_000)], 0),
            "2026022500000503": ([("receipt", "c2", 6_000)], 0),  # a partial February installment
            "2026022700000604": ([("reversal", "c3", -5_000)], 0),  # c3's January payment returned
        }
        assert received(client, world, case_id, claims) == {
            "c1": [15_000, 15_000, 0, 0], "c2": [10_000, 6_000, 0, 0], "c3": [0, 0, 0, 0]}

        # The same file again: nothing written, every entry a duplicate.
        before = row_counts(engine)
        again = send(client, world, case_id, golden("statement.camt053.xml"), CAMT)
        assert again.status_code == 200, again.text
        assert again.json() == {**camt, "matched": 0, "unmatched": 0, "duplicates": 6}
        assert row_counts(engine) == before

        answer = send(client, world, case_id, golden("statement.mt940"), MT940)
        assert answer.status_code == 201, answer.text
        mt940 = answer.json()
        assert {k: v for k, v in mt940.items() if k != "statement_id"} == {
            "entries": 6, "matched": 4, "unmatched": 2, "duplicates": 0}
        assert matches_by_entry(client, world, case_id, mt940["statement_id"], claims) == {
            "2026031000000701": ([], 2_500),  # parking
            "2026032400000702": ([("receipt", "c1", 15_000)], 0),
            "2026032400000703": ([("receipt", "c2", 14_000)], 0),  # late: February's rest and March in one
            "2026032400000704": ([("receipt", "c3", 15_000)], 0),  # January again, February late, and March
            "2026032600000705": ([("reversal", "c1", -15_000)], 0),  # c1's March payment returned (by end-to-end id)
            # Paid again, with April's ahead of time: March is paid anew, April is not due within the window.
            "2026033000000706": ([("receipt", "c1", 15_000)], 5_000),
        }
        assert received(client, world, case_id, claims) == {
            "c1": [15_000, 15_000, 15_000, 0], "c2": [10_000, 10_000, 10_000, 0], "c3": [5_000, 5_000, 5_000, 0]}
        before = row_counts(engine)
        assert send(client, world, case_id, golden("statement.mt940"), MT940).status_code == 200
        assert row_counts(engine) == before
        engine.dispose()

        assert ledger_sums(database_url) == (0, {0})
        counsellor = world.counsellor.headers
        listed = client.get(f"/v1/cases/{case_id}/statements", headers=counsellor).json()
        assert [(s["format"], s["entries"], s["matched"], s["unmatched"]) for s in listed] == [
            ("camt.053", 6, 4, 2), ("mt940", 6, 4, 2)]
        actions = [e["action"] for e in client.get(f"/v1/cases/{case_id}/audit?limit=200", headers=counsellor).json()]
        assert (actions.count("receipt.recorded"), actions.count("receipt.reversed")) == (9, 2)
        assert actions.count("statement.imported") == 2
        paid_to_c1 = sorted(d["amount_cents"] for _, d in deliveries(database_url, "payment.received"))
        assert paid_to_c1 == [15_000] * 4, "c1 hears of each payment it received"


def other_debtors_statement() -> bytes:
    """Another debtor's statement: paying the same creditors, but under their own references."""
    return (golden("statement.camt053.xml").replace(b"NL69INGB0123456789", b"NL21INGB0987654321")
            .replace(b"4471-22", b"5120-07").replace(b"881230", b"770011").replace(b"RF18539007547034", b"RF71XYZ")
            .replace(b"CAMT053-20260228-0001", b"CAMT053-20260228-0999"))


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Document [
 <!ENTITY a "lollollollollollollollollollol">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"> <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"> <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"> <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;"> <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&i;</Document>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>&secret;</MsgId>
</GrpHdr></BkToCstmrStmt></Document>"""


def test_files_that_are_not_the_cases_are_refused_whole_and_write_nothing(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = golden_case(client, world)
        assert send(client, world, case_id, golden("statement.camt053.xml"), CAMT).status_code == 201
        engine = create_engine(sync_url(database_url))
        before = row_counts(engine)
        camt = golden("statement.camt053.xml")
        refused = {
            "malformed XML": (camt[:-40], CAMT, 422, "line "),
            "not the schema": (camt.replace(b"<CdtDbtInd>DBIT", b"<CdtDbtInd>DEBIT"), CAMT, 422,
                               "/Document/BkToCstmrStmt/Stmt/Ntry[1]/CdtDbtInd"),
            "an entity bomb": (BILLION_LAUGHS, CAMT, 422, None),
            "an external entity": (EXTERNAL_ENTITY, CAMT, 422, "/"),
            "another account's": (other_debtors_statement(), CAMT, 422, "/Document/BkToCstmrStmt/Stmt/Acct/Id/IBAN"),
            "another currency": (camt.replace(b"EUR", b"USD").replace(b"-0001<", b"-0002<"), CAMT, 422,
                                 "/Document/BkToCstmrStmt/Stmt/Acct/Ccy"),
            "MT940 that is not": (b"Dear bank, please send my statement.", MT940, 422, "/:20:"),
            "MT940 with a NUL": (golden("statement.mt940").replace(b"//2026032400000702", b"//20260324\x0000702"),
                                 MT940, 422, "line 8"),
            "MT940 without an account": (golden("statement.mt940").replace(b":25:NL69INGB0123456789EUR", b":25:123"),
                                         MT940, 422, "/:25:"),
            "a future entry": (camt053([Line("FUTURE-1", -100, IBANS[0], "Zorgpolis 4471-22",
                                             booked=dt.date(2199, 1, 1))], message_id="FUTURE"),
                               CAMT, 422, "/Document/BkToCstmrStmt/Stmt/Ntry"),
            "a spreadsheet": (b"a;b;c\n1;2;3\n", "text/csv", 415, None),
            "20 MB": (b"<" + b"x" * 20_000_000, CAMT, 413, None),
        }
        for why, (body, media_type, status, where) in refused.items():
            answer = send(client, world, case_id, body, media_type)
            assert answer.status_code == status, (why, answer.text[:300])
            assert answer.headers["content-type"].startswith("application/problem+json"), why
            if where is not None:
                assert answer.json()["errors"][0]["pointer"].startswith(where), (why, answer.json())
            assert b"root:" not in answer.content, why
        assert row_counts(engine) == before
        engine.dispose()


def test_what_is_left_is_matched_by_hand_and_audited(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, claims = golden_case(client, world)
        counsellor = world.counsellor.headers
        assert send(client, world, case_id, golden("statement.camt053.xml"), CAMT).status_code == 201
        statement_id = send(client, world, case_id, golden("statement.mt940"), MT940).json()["statement_id"]
        detail = client.get(f"/v1/cases/{case_id}/statements/{statement_id}", headers=counsellor).json()
        entries = {e["bank_reference"]: e for e in detail["items"]}
        early, parking = entries["2026033000000706"], entries["2026031000000701"]
        matches = f"/v1/cases/{case_id}/statements/{statement_id}/matches"

        def match(entry: dict[str, Any], handle: str, cents: int) -> Any:
            body = {"entry_id": entry["id"], "claim_id": claims[handle], "amount_cents": cents}
            return client.post(matches, json=body, headers=counsellor)

        too_much = match(early, "c1", 5_001)
        assert too_much.status_code == 422 and too_much.json()["errors"][0]["pointer"] == "/amount_cents"
        credit = match(entries["2026032600000705"], "c1", 100)
        assert credit.status_code == 422 and credit.json()["errors"][0]["pointer"] == "/entry_id"
        assert match(early, "c1", 5_000).status_code == 201
        done = client.get(f"/v1/cases/{case_id}/statements/{statement_id}", headers=counsellor).json()
        hand = next(e for e in done["items"] if e["id"] == early["id"])
        assert (hand["unmatched_cents"], [m["by_hand"] for m in hand["matches"]]) == (0, [False, True])
        assert received(client, world, case_id, claims)["c1"] == [15_000, 15_000, 15_000, 5_000]
        # c1 owes 10,000 more: the parking fine's 2,500 may go to it (the counsellor knows best), not more.
        assert match(parking, "c1", 2_500).status_code == 201
        assert match(parking, "c1", 1).status_code == 422

        # A match made by hand that was wrong is reversed like any receipt: its money is unmatched again.
        wrong = next(m for m in client.get(f"/v1/cases/{case_id}/statements/{statement_id}", headers=counsellor)
                     .json()["items"][0]["matches"])
        reversed_ = client.post(f"/v1/cases/{case_id}/receipts/{wrong['receipt_id']}/reversal",
                                json={"reason": "parking, not Zilverzorg"}, headers=counsellor)
        assert reversed_.status_code == 201, reversed_.text
        after = client.get(f"/v1/cases/{case_id}/statements/{statement_id}", headers=counsellor).json()["items"][0]
        assert (after["unmatched_cents"], after["matches"][0]["counts"]) == (2_500, False)

        trail = client.get(f"/v1/cases/{case_id}/audit?action=receipt.recorded&limit=200", headers=counsellor).json()
        by_hand = [e["after"] for e in trail if e["after"].get("by_hand")]
        assert [(e["amount_cents"], e["claim_id"]) for e in by_hand] == [(5_000, claims["c1"]), (2_500, claims["c1"])]
        assert ledger_sums(database_url) == (0, {0})


def test_only_the_cases_counsellor_imports_and_only_on_an_active_plan(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = golden_case(client, world)
        body = golden("statement.camt053.xml")
        assert send(client, world, case_id, body, CAMT, world.c1.headers).status_code == 403
        assert send(client, world, case_id, body, CAMT, world.other_counsellor.headers).status_code == 404
        closed = client.post(f"/v1/cases/{case_id}/close", json={"state": "failed", "reason": "x"},
                             headers=world.counsellor.headers)
        assert closed.status_code == 200, closed.text
        refused = send(client, world, case_id, body, CAMT)
        assert refused.status_code == 409 and "closed" in refused.json()["detail"]


def test_two_imports_of_one_file_at_once_write_it_once(postgres_database_url: str) -> None:
    """The second waits for the first (the case row is locked), then finds the file imported: nothing twice."""
    world = build_world(postgres_database_url)
    with api_client(postgres_database_url) as client:
        case_id, claims = golden_case(client, world)
        with ThreadPoolExecutor(max_workers=2) as pool:
            answers = list(pool.map(lambda _: send(client, world, case_id, golden("statement.camt053.xml"), CAMT),
                                    range(2)))
        assert sorted(a.status_code for a in answers) == [200, 201], [a.text for a in answers]
        assert answers[0].json()["statement_id"] == answers[1].json()["statement_id"]
        assert received(client, world, case_id, claims) == {
            "c1": [15_000, 15_000, 0, 0], "c2": [10_000, 6_000, 0, 0], "c3": [0, 0, 0, 0]}
        assert len(client.get(f"/v1/cases/{case_id}/statements", headers=world.counsellor.headers).json()) == 1
    assert ledger_sums(postgres_database_url) == (0, {0})
