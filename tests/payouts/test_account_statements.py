"""The payout account's statements through the API on both databases: deposits fill a case's reserve, debits with a
transfer's end-to-end id settle it (the claim received it), a returned transfer is reversed and paid again by the
next run; another account's statement is refused whole, the same file again changes nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import create_engine

from debt_coord.kernel.database import sync_url
from debt_coord.money_in.models import Account
from tests.money_in.statement_flow import CAMT, Line, camt053
from tests.money_in.test_receipts import ledger_sums
from tests.payouts.flow import (
    ORG_IBAN,
    balance,
    deposit,
    due_by_claim,
    execution_day,
    import_statement,
    run,
    via_counsellor_case,
)
from tests.support import World, api_client, open_case_with_creditors, row_counts


def leaving(transfer: dict[str, Any], reference: str) -> Line:
    """The debit of a transfer on the organisation's statement."""
    return Line(reference, -transfer["amount_cents"], transfer["creditor_iban"], transfer["remittance"],
                end_to_end_id=transfer["end_to_end_id"])


def returning(transfer: dict[str, Any], reference: str, end_to_end_id: str | None = None) -> Line:
    """The creditor's bank sends the transfer back: a credit carrying its end-to-end id (unless said otherwise)."""
    return Line(reference, transfer["amount_cents"], transfer["creditor_iban"], "RETOUR AC04 rekening opgeheven",
                end_to_end_id=end_to_end_id or transfer["end_to_end_id"])


def transfers_of(client: TestClient[Any], world: World, case_id: str) -> dict[str, dict[str, Any]]:
    listed = client.get(f"/v1/cases/{case_id}/payouts", headers=world.counsellor.headers)
    assert listed.status_code == 200, listed.text
    return {t["id"]: t for t in listed.json()}


def test_settlement_moves_received_and_a_return_is_paid_again(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, claims = via_counsellor_case(client, world, database_url, "AS-1")
        due = due_by_claim(client, world, case_id, execution_day())
        deposit(client, world, "AS-1", sum(due.values()), "1")
        assert balance(database_url, case_id, Account.RESERVE) == sum(due.values())
        made = run(client, world).json()
        by_claim = {t["claim_id"]: t for t in made["transfers"]}
        c1, c2 = by_claim[claims["c1"]["id"]], by_claim[claims["c2"]["id"]]

        costs = Line("COSTS-1", -250, "NL39RABO0300065264", "bankkosten")
        settled = import_statement(client, world, [leaving(c1, "OUT-1"), leaving(c2, "OUT-2"), costs], "SETTLE-1")
        assert settled.status_code == 201, settled.text
        assert (settled.json()["settled"], settled.json()["deposits"]) == (2, 0)
        assert [(u["bank_reference"], u["amount_cents"]) for u in settled.json()["unmatched"]] == [("COSTS-1", -250)]
        detail = client.get(f"/v1/payout-runs/{made['id']}", headers=world.counsellor.headers).json()
        assert detail["status"] == "settled" and {t["status"] for t in detail["transfers"]} == {"settled"}
        for transfer in (c1, c2):
            claim_id = transfer["claim_id"]
            assert balance(database_url, case_id, Account.RECEIVED, claim_id) == transfer["amount_cents"]
            assert balance(database_url, case_id, Account.IN_TRANSIT, claim_id) == 0
        installments = client.get(f"/v1/cases/{case_id}/installments", headers=world.counsellor.headers).json()
        received = {b["claim_id"]: b["received_cents"] for b in installments["balances"]}
        assert received == {c1["claim_id"]: c1["amount_cents"], c2["claim_id"]: c2["amount_cents"]}

        returned = import_statement(client, world, [returning(c1, "BACK-1")], "RETURN-1")
        assert returned.status_code == 201 and returned.json()["returned"] == 1, returned.text
        assert transfers_of(client, world, case_id)[c1["id"]]["status"] == "returned"
        assert balance(database_url, case_id, Account.RESERVE) == c1["amount_cents"]
        assert balance(database_url, case_id, Account.RECEIVED, c1["claim_id"]) == 0
        audit = client.get(f"/v1/cases/{case_id}/audit?action=payout.returned", headers=world.counsellor.headers)
        assert [e["target_id"] for e in audit.json()] == [c1["id"]]

        again = run(client, world)
        assert again.status_code == 201, again.text
        [repaid] = again.json()["transfers"]
        assert (repaid["claim_id"], repaid["amount_cents"]) == (c1["claim_id"], c1["amount_cents"])
        assert balance(database_url, case_id, Account.RESERVE) == 0
        # returned while still pending (the bank refused it before it left), without an end-to-end id: known by the
        # creditor's account and the amount; the payout alone is reversed
        bounced = import_statement(client, world, [returning(repaid, "BACK-2", "NOTPROVIDED")], "RETURN-2")
        assert bounced.json()["returned"] == 1, bounced.text
        assert transfers_of(client, world, case_id)[repaid["id"]]["status"] == "returned"
    assert balance(database_url, case_id, Account.RESERVE) == c1["amount_cents"]
    assert balance(database_url, case_id, Account.IN_TRANSIT, c1["claim_id"]) == 0
    total, per_journal = ledger_sums(database_url)
    assert total == 0 and per_journal == {0}


def test_a_statement_is_taken_whole_once_and_only_of_the_payout_account(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = via_counsellor_case(client, world, database_url, "AS-2")
        open_case_with_creditors(client, world, "c1", reference="AS-DIRECT")  # the debtor pays its creditors itself
        engine = create_engine(sync_url(database_url))
        before = row_counts(engine)
        lines = [Line("IN-1", 12_345, "NL69INGB0123456789", "aflossing AS-2"),
                 Line("IN-2", 500, "NL69INGB0123456789", "gift van oma"),
                 Line("IN-3", 800, "NL69INGB0123456789", "aflossing AS-DIRECT")]
        foreign = import_statement(client, world, lines, "OTHER-1", account="NL18RABO0123459876")
        assert foreign.status_code == 422, foreign.text
        assert foreign.json()["errors"][0]["pointer"] == "/Document/BkToCstmrStmt/Stmt/Acct/Id/IBAN"
        assert row_counts(engine) == before
        mt940 = client.post("/v1/account-statements", content=b":20:X", headers={**world.counsellor.headers,
                                                                                 "Content-Type": "text/plain"})
        assert mt940.status_code == 415 and row_counts(engine) == before
        engine.dispose()

        first = import_statement(client, world, lines, "MINE-1")
        assert first.status_code == 201, first.text
        assert first.json()["deposits"] == 1
        assert [u["remittance"] for u in first.json()["unmatched"]] == ["gift van oma", "aflossing AS-DIRECT"]
        same = import_statement(client, world, lines, "MINE-1")
        assert same.status_code == 200 and same.json()["duplicates"] == 3
        overlapping = import_statement(client, world, [*lines, Line("IN-4", 700, "NL69INGB0123456789", "AS-2")],
                                       "MINE-2")
        assert overlapping.status_code == 201
        assert (overlapping.json()["duplicates"], overlapping.json()["deposits"]) == (3, 1)
        creditor = client.post("/v1/account-statements", content=b"<x/>",
                               headers={**world.c1.headers, "Content-Type": "application/xml"})
        assert creditor.status_code == 403
    assert balance(database_url, case_id, Account.RESERVE) == 12_345 + 700
    assert balance(database_url, case_id, Account.CONTRIBUTED) == -(12_345 + 700)


def test_two_runs_at_once_pay_once(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = via_counsellor_case(client, world, database_url, "AS-3")
        due = due_by_claim(client, world, case_id, execution_day())
        deposit(client, world, "AS-3", sum(due.values()) * 3, "3")
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda _: run(client, world), range(2)))
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    assert balance(database_url, case_id, Account.RESERVE) == sum(due.values()) * 2


def reversed_by_the_bank(document: bytes, reference: str) -> bytes:
    """The statement with the entry of this bank reference marked as the bank's reversal of an earlier booking
    (camt.053 Ntry/RvslInd, right after the entry's CdtDbtInd)."""
    text = document.decode()
    start = text.rindex("<Ntry>", 0, text.index(f"<AcctSvcrRef>{reference}</AcctSvcrRef>"))
    cut = text.index("</CdtDbtInd>", start) + len("</CdtDbtInd>")
    return (text[:cut] + "<RvslInd>true</RvslInd>" + text[cut:]).encode()


def test_the_banks_reversal_of_a_settlement_returns_it_and_of_a_deposit_undoes_it(database_url: str,
                                                                                  world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = via_counsellor_case(client, world, database_url, "AS-R")
        owed = client.get(f"/v1/cases/{case_id}/installments", headers=world.counsellor.headers).json()["arrears"]
        assert owed["cents"] > 0, "the plan began three months ago and no deposit came in"
        deposit(client, world, "AS-R", owed["cents"], "R1")  # from NL69INGB0123456789, "Aflossing AS-R"
        assert client.get(f"/v1/cases/{case_id}/installments",
                          headers=world.counsellor.headers).json()["arrears"]["cents"] == 0
        made = run(client, world).json()
        first = made["transfers"][0]
        assert import_statement(client, world, [leaving(first, "OUT-R1")], "SETTLE-R").json()["settled"] == 1

        lines = [Line("REV-OUT-R1", first["amount_cents"], first["creditor_iban"], first["remittance"],
                      end_to_end_id=first["end_to_end_id"]),  # the settlement's debit, reversed
                 Line("REV-DEP-R1", -owed["cents"], "NL69INGB0123456789", "Aflossing AS-R"),  # the deposit, reversed
                 Line("REV-OTHER", 4_200, "NL69INGB0123456789", "Terugbetaling AS-R")]  # names the case: no deposit
        document = camt053(lines, message_id="REVERSALS-1", account=ORG_IBAN)
        for reference in ("REV-OUT-R1", "REV-DEP-R1", "REV-OTHER"):
            document = reversed_by_the_bank(document, reference)
        answer = client.post("/v1/account-statements", content=document,
                             headers={**world.counsellor.headers, "Content-Type": CAMT})
        assert answer.status_code == 201, answer.text
        assert (answer.json()["returned"], answer.json()["deposits"], answer.json()["settled"]) == (1, 0, 0)
        assert [u["bank_reference"] for u in answer.json()["unmatched"]] == ["REV-OTHER"]

        assert transfers_of(client, world, case_id)[first["id"]]["status"] == "returned"
        assert balance(database_url, case_id, Account.RECEIVED, first["claim_id"]) == 0
        # What the run paid out, less the returned transfer, is no longer covered by the debtor's money.
        assert balance(database_url, case_id, Account.RESERVE) == first["amount_cents"] - made["total_cents"]
        after = client.get(f"/v1/cases/{case_id}/installments", headers=world.counsellor.headers).json()["arrears"]
        assert after == owed, "the reversed deposit is missing again"
        trail = client.get(f"/v1/cases/{case_id}/audit?action=deposit.recorded", headers=world.counsellor.headers)
        assert sorted(e["after"]["amount_cents"] for e in trail.json()) == [-owed["cents"], owed["cents"]]
        again = client.post("/v1/account-statements", content=document,
                            headers={**world.counsellor.headers, "Content-Type": CAMT})
        assert again.status_code == 200 and again.json()["duplicates"] == 3
    total, per_journal = ledger_sums(database_url)
    assert total == 0 and per_journal == {0}
