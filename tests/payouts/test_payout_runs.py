"""Payout runs through the API on both databases: what is due is paid from the reserve, once, in a pain.001 file
that is valid and says what the run says; nothing is written by a run that fails."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine

from debt_coord.kernel.database import sync_url
from debt_coord.money_in.models import Account
from debt_coord.payouts import service as payout_service
from debt_coord.payouts.pain import InvalidPaymentFileError
from tests.money_in.test_receipts import ledger_sums
from tests.payouts.flow import (
    ORG_IBAN,
    balance,
    deposit,
    due_by_claim,
    execution_day,
    parse_pain,
    run,
    via_counsellor_case,
)
from tests.support import World, api_client, row_counts


def test_a_run_pays_what_is_due_and_its_file_says_exactly_that(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, claims = via_counsellor_case(client, world, database_url, "PO-1")
        due = due_by_claim(client, world, case_id, execution_day())
        assert set(due) == {claims["c1"]["id"], claims["c2"]["id"]}, "the plan has payments due to both creditors"
        deposit(client, world, "PO-1", sum(due.values()) + 5_000, "1")

        answer = run(client, world)
        assert answer.status_code == 201, answer.text
        made = answer.json()
        assert {t["claim_id"]: t["amount_cents"] for t in made["transfers"]} == due
        assert made["total_cents"] == sum(due.values()) and made["transfer_count"] == 2
        assert {t["status"] for t in made["transfers"]} == {"pending"}

        download = client.get(f"/v1/payout-runs/{made['id']}/pain.001", headers=world.counsellor.headers)
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("application/xml")
        assert download.headers["content-disposition"].startswith("attachment;")
        document = parse_pain(download.content)
    assert document["message_id"] == made["message_id"] and len(document["message_id"]) <= 35
    assert document["count"] == 2
    assert document["control_sum"] == f"{made['total_cents'] // 100}.{made['total_cents'] % 100:02d}"
    claim_of = {claim["id"]: claim for claim in claims.values()}
    written = {t["end_to_end_id"]: t for t in document["transfers"]}
    assert set(written) == {t["end_to_end_id"] for t in made["transfers"]}
    for transfer in made["transfers"]:
        claim, paid = claim_of[transfer["claim_id"]], written[transfer["end_to_end_id"]]
        assert len(transfer["end_to_end_id"]) <= 35
        assert paid["amount_cents"] == transfer["amount_cents"]
        assert paid["creditor_iban"] == claim["iban"] == transfer["creditor_iban"]
        assert paid["remittance"] == claim["payment_reference"] == transfer["remittance"]
        assert paid["creditor_name"] == transfer["creditor_name"]
        assert paid["debtor_iban"] == ORG_IBAN and paid["execution_date"] == execution_day()
    assert {t["creditor_name"] for t in document["transfers"]} == {world.c1.name, world.c2.name}
    assert balance(database_url, case_id, Account.RESERVE) == 5_000
    for claim_id, cents in due.items():
        assert balance(database_url, case_id, Account.IN_TRANSIT, claim_id) == cents
    total, per_journal = ledger_sums(database_url)
    assert total == 0 and per_journal == {0}


def test_a_second_run_for_the_same_date_pays_nothing_twice(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = via_counsellor_case(client, world, database_url, "PO-2")
        due = due_by_claim(client, world, case_id, execution_day())
        deposit(client, world, "PO-2", sum(due.values()) * 2, "2")
        first = run(client, world, key="run-1")
        assert first.status_code == 201, first.text
        replayed = run(client, world, key="run-1")
        assert replayed.status_code == 201 and replayed.headers.get("idempotent-replayed") == "true"
        assert replayed.json() == first.json()
        engine = create_engine(sync_url(database_url))
        before = row_counts(engine)
        again = run(client, world)
        assert again.status_code == 409, again.text
        assert again.headers["content-type"].startswith("application/problem+json")
        assert row_counts(engine) == before
        engine.dispose()
        runs = client.get("/v1/payout-runs", headers=world.counsellor.headers).json()
        payouts = client.get(f"/v1/cases/{case_id}/payouts", headers=world.counsellor.headers).json()
    assert [r["id"] for r in runs] == [first.json()["id"]]
    assert sum(t["amount_cents"] for t in payouts) == sum(due.values())
    assert balance(database_url, case_id, Account.RESERVE) == sum(due.values())


def test_a_run_never_pays_more_than_the_reserve(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, claims = via_counsellor_case(client, world, database_url, "PO-3")
        nothing = run(client, world)
        assert nothing.status_code == 409, "no money in the reserve: nothing to pay, no file"
        due = due_by_claim(client, world, case_id, execution_day())
        held = sum(due.values()) - 1_000
        deposit(client, world, "PO-3", held, "3")
        answer = run(client, world)
        assert answer.status_code == 201, answer.text
        made = answer.json()
    assert made["total_cents"] <= held
    assert balance(database_url, case_id, Account.RESERVE) == held - made["total_cents"] >= 0
    paid = {t["claim_id"]: t["amount_cents"] for t in made["transfers"]}
    assert all(paid.get(claim_id, 0) <= cents for claim_id, cents in due.items())
    # the shortfall is at most the 1000 cents missing, or a part too small for a minimum payment that stays back
    assert sum(due.values()) - made["total_cents"] <= 1_000 + max(c["min_payment_cents"] or 1_000
                                                                  for c in claims.values())
    total, per_journal = ledger_sums(database_url)
    assert total == 0 and per_journal == {0}


def test_a_run_that_fails_part_way_writes_nothing(database_url: str, world: World,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> Any:
        raise InvalidPaymentFileError("the writer broke after the transfers were added")

    with api_client(database_url) as client:
        case_id, _ = via_counsellor_case(client, world, database_url, "PO-4")
        due = due_by_claim(client, world, case_id, execution_day())
        deposit(client, world, "PO-4", sum(due.values()), "4")
        engine = create_engine(sync_url(database_url))
        before = row_counts(engine)
        with monkeypatch.context() as patched:
            patched.setattr(payout_service, "write_pain001", broken)
            failed = run(client, world)
        assert failed.status_code == 422, failed.text
        assert row_counts(engine) == before, "no run, no transfer, no journal, no audit row"
        engine.dispose()
        assert balance(database_url, case_id, Account.RESERVE) == sum(due.values())
        retried = run(client, world)
    assert retried.status_code == 201, retried.text
    assert retried.json()["total_cents"] == sum(due.values())


def test_a_run_date_must_be_a_bank_day_not_in_the_past(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        for day, why in (("2020-01-06", "in the past"), ("2030-01-05", "not a bank day")):
            answer = run(client, world, day)
            assert answer.status_code == 422, answer.text
            assert answer.json()["errors"][0] == {"pointer": "/execution_date", "detail": why}
        creditor = client.post("/v1/payout-runs", json={"execution_date": execution_day()}, headers=world.c1.headers)
        assert creditor.status_code == 403
