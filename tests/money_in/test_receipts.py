"""Receipts through the API on an active plan: the ledger to the cent, who may record what, corrections as reversals."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

from debt_coord.kernel.clock import today
from debt_coord.kernel.database import sync_url
from debt_coord.money_in.models import Entry, Journal
from debt_coord.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.debtor.flow import EXTRA, debtor_link, planned_case
from tests.negotiation.flow import proposed_case
from tests.support import World, api_client, build_world, row_counts


def claims_of(client: TestClient[Any], world: World, case_id: str) -> dict[str, dict[str, Any]]:
    """Each creditor handle's claim on the case."""
    listed = client.get(f"/v1/cases/{case_id}/claims", headers=world.counsellor.headers).json()
    by_org = {claim["organisation_id"]: claim for claim in listed}
    return {handle: by_org[party.organisation_id] for handle, party in world.parties.items()
            if party.organisation_id in by_org}


def receipt(client: TestClient[Any], headers: dict[str, str], case_id: str, claim_id: str, cents: int,
            day: dt.date | None = None, key: str | None = None) -> Any:
    body = {"claim_id": claim_id, "amount_cents": cents, "date": (day or today()).isoformat(), "reference": "betaald"}
    extra = {"Idempotency-Key": key} if key else {}
    return client.post(f"/v1/cases/{case_id}/receipts", json=body, headers={**headers, **extra})


def ledger_sums(database_url: str) -> tuple[int, set[int]]:
    """(the sum of every entry, the sums of the journals one by one)."""
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            total = connection.scalar(select(func.coalesce(func.sum(Entry.amount_cents), 0)))
            per_journal = set(connection.execute(
                select(func.sum(Entry.amount_cents)).group_by(Entry.journal_id)).scalars())
            return int(total or 0), {int(s) for s in per_journal}
    finally:
        engine.dispose()


@pytest.fixture
def world(database_url: str) -> World:
    return build_world(database_url, extra_creditors=EXTRA)


def test_receipts_move_the_ledger_to_the_cent_and_installments_follow(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = planned_case(client, world, activate=True)
        claims = claims_of(client, world, case_id)
        counsellor = world.counsellor.headers
        start = client.get(f"/v1/cases/{case_id}/installments", headers=counsellor).json()
        owed = {b["claim_id"]: b["owed_cents"] for b in start["balances"]}
        assert owed == {c["id"]: c["principal_cents"] + c["interest_cents"] + c["costs_cents"] for c in claims.values()}
        assert {b["received_cents"] for b in start["balances"]} == {0}
        assert start["arrears"] == {"cents": 0, "dates_behind": 0}
        first = next(i for i in start["installments"] if i["claim_id"] == claims["c1"]["id"])

        # The creditor says "we received it", once, retried with the same key.
        answer = receipt(client, world.c1.headers, case_id, claims["c1"]["id"], first["amount_cents"] + 1, key="k-1")
        assert answer.status_code == 201, answer.text
        again = receipt(client, world.c1.headers, case_id, claims["c1"]["id"], first["amount_cents"] + 1, key="k-1")
        assert again.status_code == 201 and again.headers.get("idempotent-replayed") == "true"
        assert again.json() == answer.json()
        # The counsellor records one for another creditor's claim.
        assert receipt(client, counsellor, case_id, claims["c2"]["id"], 2_500).status_code == 201

        after = client.get(f"/v1/cases/{case_id}/installments", headers=counsellor).json()
        c1 = [i for i in after["installments"] if i["claim_id"] == claims["c1"]["id"]]
        assert (c1[0]["status"], c1[0]["received_cents"]) == ("paid", first["amount_cents"])
        assert (c1[1]["status"], c1[1]["received_cents"]) == ("partly_paid", 1)
        balances = {b["claim_id"]: b for b in after["balances"]}
        assert balances[claims["c1"]["id"]]["received_cents"] == first["amount_cents"] + 1
        assert balances[claims["c2"]["id"]]["outstanding_cents"] == owed[claims["c2"]["id"]] - 2_500
        assert ledger_sums(database_url) == (0, {0})

        # A creditor sees its own claims' receipts and installments only.
        own = client.get(f"/v1/cases/{case_id}/receipts", headers=world.c1.headers).json()
        assert [(r["claim_id"], r["amount_cents"]) for r in own] == [(claims["c1"]["id"], first["amount_cents"] + 1)]
        assert len(client.get(f"/v1/cases/{case_id}/receipts", headers=counsellor).json()) == 2
        mine = client.get(f"/v1/cases/{case_id}/installments", headers=world.c1.headers).json()
        assert {i["claim_id"] for i in mine["installments"]} == {claims["c1"]["id"]}

        # A wrong receipt is corrected by a reversing journal; the receipt stays, marked.
        wrong = answer.json()["id"]
        reversed_ = client.post(f"/v1/cases/{case_id}/receipts/{wrong}/reversal", json={"reason": "Bank returned it"},
                                headers=world.c1.headers)
        assert reversed_.status_code == 201, reversed_.text
        correction = reversed_.json()
        assert (correction["kind"], correction["amount_cents"]) == ("reversal", -(first["amount_cents"] + 1))
        twice = client.post(f"/v1/cases/{case_id}/receipts/{wrong}/reversal", json={"reason": "again"},
                            headers=world.c1.headers)
        assert twice.status_code == 409
        listed = client.get(f"/v1/cases/{case_id}/receipts", headers=world.c1.headers).json()
        assert listed[0]["reversed_by"] == correction["id"]
        back = client.get(f"/v1/cases/{case_id}/installments", headers=world.c1.headers).json()
        assert back["balances"][0]["received_cents"] == 0
        assert ledger_sums(database_url) == (0, {0})

        actions = [e["action"] for e in client.get(f"/v1/cases/{case_id}/audit", headers=counsellor).json()]
        assert actions.count("receipt.recorded") == 2 and actions.count("receipt.reversed") == 1


def test_bad_receipts_are_problems_that_write_nothing(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = planned_case(client, world, activate=True)
        claims = claims_of(client, world, case_id)
        engine = create_engine(sync_url(database_url))
        before = row_counts(engine)
        owed = claims["c1"]["principal_cents"] + claims["c1"]["interest_cents"] + claims["c1"]["costs_cents"]

        too_much = receipt(client, world.c1.headers, case_id, claims["c1"]["id"], owed + 1)
        assert too_much.status_code == 422 and too_much.json()["errors"][0]["pointer"] == "/amount_cents"
        tomorrow = receipt(client, world.c1.headers, case_id, claims["c1"]["id"], 100, today() + dt.timedelta(days=1))
        assert tomorrow.status_code == 422 and tomorrow.json()["errors"][0]["pointer"] == "/date"
        long_ago = receipt(client, world.c1.headers, case_id, claims["c1"]["id"], 100, dt.date(2020, 1, 1))
        assert long_ago.status_code == 422 and long_ago.json()["errors"][0]["pointer"] == "/date"
        others = receipt(client, world.c1.headers, case_id, claims["c2"]["id"], 100)
        assert others.status_code == 422 and others.json()["errors"][0]["pointer"] == "/claim_id"
        assert receipt(client, world.outsider.headers, case_id, claims["c1"]["id"], 100).status_code == 404
        assert receipt(client, world.other_counsellor.headers, case_id, claims["c1"]["id"], 100).status_code == 404
        zero = receipt(client, world.c1.headers, case_id, claims["c1"]["id"], 0)
        assert zero.status_code == 422
        assert row_counts(engine) == before
        engine.dispose()


def test_no_receipts_before_the_plan_is_active_nor_after_the_case_closed(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = proposed_case(client, world)
        claims = claims_of(client, world, case_id)
        proposed = receipt(client, world.counsellor.headers, case_id, claims["c1"]["id"], 100)
        assert proposed.status_code == 409 and "proposed" in proposed.json()["detail"]
        nothing = client.get(f"/v1/cases/{case_id}/installments", headers=world.counsellor.headers)
        assert nothing.status_code == 200
        assert nothing.json() == {"installments": [], "arrears": {"cents": 0, "dates_behind": 0}, "balances": [],
                                  "suggest_failure": False, "suggest_failure_reason": None}
        closed = client.post(f"/v1/cases/{case_id}/close", json={"state": "withdrawn", "reason": "x"},
                             headers=world.counsellor.headers)
        assert closed.status_code == 200
        refused = receipt(client, world.counsellor.headers, case_id, claims["c1"]["id"], 100)
        assert refused.status_code == 409 and "withdrawn: it is closed" in refused.json()["detail"]


def test_the_database_refuses_an_unbalanced_journal_and_any_update(postgres_database_url: str) -> None:
    """PostgreSQL's own guard, below the service: a deferred constraint trigger and an append-only trigger."""
    world = build_world(postgres_database_url, extra_creditors=EXTRA)
    with api_client(postgres_database_url) as client:
        case_id, _ = planned_case(client, world, activate=True)
    engine = create_engine(sync_url(postgres_database_url))
    try:
        with engine.connect() as connection:
            journal_id = connection.scalar(select(Journal.id).limit(1))
            connection.rollback()
            with pytest.raises(DBAPIError, match="append-only"), connection.begin():
                connection.execute(text("UPDATE ledger_entries SET amount_cents = amount_cents + 1"))
            with pytest.raises(DBAPIError, match="does not balance"), connection.begin():
                connection.execute(text(
                    "INSERT INTO ledger_entries (id, journal_id, case_id, account, amount_cents, created_at,"
                    " updated_at) VALUES (gen_random_uuid(), :journal, :case, 'outstanding', 1, now(), now())"),
                    {"journal": journal_id, "case": uuid.UUID(case_id)})
        assert ledger_sums(postgres_database_url) == (0, {0})
    finally:
        engine.dispose()


def test_a_receipt_tells_the_creditor_and_the_counsellor(database_url: str, world: World) -> None:
    hook = {"url": "http://127.0.0.1:9/hooks", "events": ["payment.received"]}
    with api_client(database_url) as client:
        case_id, _ = planned_case(client, world, activate=True)
        claims = claims_of(client, world, case_id)
        for party in (world.c1, world.c2, world.counsellor):
            assert client.post("/v1/webhooks", json=hook, headers=party.headers).status_code == 201
        assert receipt(client, world.c1.headers, case_id, claims["c1"]["id"], 1_234).status_code == 201
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            told = connection.execute(
                select(WebhookEndpoint.organisation_id, WebhookDelivery.payload)
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .where(WebhookDelivery.event_type == "payment.received")
            ).all()
    finally:
        engine.dispose()
    assert {str(organisation) for organisation, _ in told} == {world.c1.organisation_id,
                                                               world.counsellor.organisation_id}, "c2 is not told"
    data = told[0][1]["data"]
    assert (data["claim_id"], data["amount_cents"]) == (claims["c1"]["id"], 1_234)


def test_the_debtor_sees_what_was_received_ticked(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = planned_case(client, world, activate=True)
        claims = claims_of(client, world, case_id)
        link = debtor_link(client, world, case_id)
        first = next(i for i in client.get(f"/v1/cases/{case_id}/installments",
                                           headers=world.counsellor.headers).json()["installments"]
                     if i["claim_id"] == claims["c1"]["id"])
        assert receipt(client, world.c1.headers, case_id, claims["c1"]["id"], first["amount_cents"]).status_code == 201
        schedule = client.get("/v1/debtor/schedule", params={"token": link["token"]}).json()
        transfers = [(d["date"], p) for d in schedule["dates"] for p in d["payments"]]
        paid = [(day, p) for day, p in transfers if p["status"] == "paid"]
        assert [(day, p["creditor"], p["received_cents"]) for day, p in paid] == [
            (first["date"], world.c1.name, first["amount_cents"])]
        assert {p["status"] for _, p in transfers} == {"paid", "scheduled"}
        page = client.get("/debtor", params={"token": link["token"]}, headers={"Accept": "text/html"}).text
        assert page.count('data-status="paid"') >= 1 and "Betaald. Dank u wel." in page
