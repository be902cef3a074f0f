"""Payouts via the counsellor for tests: the organisation's payout account, a via_counsellor case whose plan began
months ago, statements of the payout account, and the ledger as the database holds it."""

from __future__ import annotations

import asyncio
import uuid
from functools import cache
from importlib.resources import files
from typing import Any

from dateutil.relativedelta import relativedelta
from litestar.testing import TestClient
from lxml import etree
from sqlalchemy import create_engine, func, select, update

from debt_coord.bootstrap import provide_services
from debt_coord.cases.models import Case, PaymentRoute
from debt_coord.kernel.clock import today
from debt_coord.kernel.database import sync_url
from debt_coord.kernel.settings import Settings
from debt_coord.money_in.models import Account, Entry
from debt_coord.payouts.account import PayoutAccount, set_payout_account
from solver.calendar import next_bank_day
from tests.money_in.statement_flow import CAMT, Line, camt053
from tests.negotiation.flow import ask_for_plan
from tests.support import IBANS, World, claim_body, open_case_with_creditors

ORG_IBAN = "NL20INGB0001234567"
PAYOUT_DAY = 25
PAIN = "{urn:iso:std:iso:20022:tech:xsd:pain.001.001.03}"
INCOME = {"streams": [{"id": "uitkering", "amount_cents": 140_000, "available_cents": 20_000, "day_of_month": 20}]}
CLAIMS = {"c1": claim_body("ZZ-1", 60_000, iban=IBANS[0], payment_reference="Zorgpolis 4471-22"),
          "c2": claim_body("EN-2", 40_000, iban=IBANS[1], payment_reference="Klantnummer 881230")}


def set_payout_account_of(database_url: str, organisation: str = "Schuldhulp Noord") -> None:
    async def work() -> None:
        async with provide_services(Settings(database_url=database_url, seed_demo=False)) as services:
            await set_payout_account(services.uow, organisation, PayoutAccount.checked(ORG_IBAN, None, PAYOUT_DAY))

    asyncio.run(work())


def execution_day() -> str:
    return next_bank_day(today(), "NL").isoformat()


def via_counsellor_case(client: TestClient[Any], world: World, database_url: str, reference: str
                        ) -> tuple[str, dict[str, dict[str, Any]]]:
    """(case, claim by creditor handle): c1's and c2's claims, paid via the counsellor, the plan agreed and active;
    it began three months ago, so its first payout days are past and their payments due."""
    counsellor = world.counsellor.headers
    case_id = open_case_with_creditors(client, world, *CLAIMS, reference=reference)
    engine = create_engine(sync_url(database_url))
    with engine.begin() as connection:
        connection.execute(update(Case).where(Case.id == uuid.UUID(case_id))
                           .values(payment_route=PaymentRoute.VIA_COUNSELLOR))
    engine.dispose()
    assert client.put(f"/v1/cases/{case_id}/income", json=INCOME, headers=counsellor).is_success
    claims = {}
    for handle, body in CLAIMS.items():
        answer = client.post(f"/v1/cases/{case_id}/claims", json=body, headers=world.parties[handle].headers)
        assert answer.status_code == 201, answer.text
        claims[handle] = answer.json()
    start = today().replace(day=1) - relativedelta(months=3)
    plan_id = ask_for_plan(client, world, case_id, start_date=start.isoformat(), months=6, time_limit_seconds=5)
    assert client.post(f"/v1/plans/{plan_id}/propose", json={}, headers=counsellor).is_success
    for handle in CLAIMS:
        accepted = client.post(f"/v1/plans/{plan_id}/decisions", json={"plan_version": 1, "decision": "accept"},
                               headers=world.parties[handle].headers)
        assert accepted.status_code == 201, accepted.text
    activated = client.post(f"/v1/plans/{plan_id}/activate", headers=counsellor)
    assert activated.status_code == 200, activated.text
    return case_id, claims


def due_by_claim(client: TestClient[Any], world: World, case_id: str, on: str) -> dict[str, int]:
    """What the active plan makes due on or before `on`, per claim, as the installments route lists it."""
    listed = client.get(f"/v1/cases/{case_id}/installments", headers=world.counsellor.headers).json()["installments"]
    due: dict[str, int] = {}
    for installment in listed:
        if installment["date"] <= on:
            due[installment["claim_id"]] = due.get(installment["claim_id"], 0) + installment["amount_cents"]
    return due


def import_statement(client: TestClient[Any], world: World, lines: list[Line], message_id: str,
                     account: str = ORG_IBAN) -> Any:
    return client.post("/v1/account-statements", content=camt053(lines, message_id=message_id, account=account),
                       headers={**world.counsellor.headers, "Content-Type": CAMT})


def deposit(client: TestClient[Any], world: World, case_reference: str, cents: int, serial: str) -> Any:
    """The debtor's transfer into the organisation's account, with the case's reference."""
    line = Line(f"DEP-{serial}", cents, "NL69INGB0123456789", f"Aflossing {case_reference}")
    answer = import_statement(client, world, [line], f"DEP-{serial}")
    assert answer.status_code == 201, answer.text
    assert answer.json()["deposits"] == 1, answer.text
    return answer


def run(client: TestClient[Any], world: World, day: str | None = None, key: str | None = None) -> Any:
    extra = {"Idempotency-Key": key} if key else {}
    return client.post("/v1/payout-runs", json={"execution_date": day or execution_day()},
                       headers={**world.counsellor.headers, **extra})


def balance(database_url: str, case_id: str, account: Account, claim_id: str | None = None) -> int:
    """An account's balance on the case as the ledger's entries add up (a claim's, or the case-level one)."""
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            owner = Entry.claim_id.is_(None) if claim_id is None else Entry.claim_id == uuid.UUID(claim_id)
            total = connection.scalar(select(func.coalesce(func.sum(Entry.amount_cents), 0)).where(
                Entry.case_id == uuid.UUID(case_id), Entry.account == account, owner))
            return int(total or 0)
    finally:
        engine.dispose()


@cache
def pain_schema() -> etree.XMLSchema:
    with files("sepaxml").joinpath("schemas", "pain.001.001.03.xsd").open("rb") as xsd:
        return etree.XMLSchema(etree.parse(xsd))


def parse_pain(document: bytes) -> dict[str, Any]:
    """The file checked against the schema, and read back: header totals and each transfer."""
    root = etree.fromstring(document)
    assert pain_schema().validate(root), pain_schema().error_log
    header = root.find(f"{PAIN}CstmrCdtTrfInitn/{PAIN}GrpHdr")
    assert header is not None

    def text(element: Any, path: str) -> str:
        found = element.find("/".join(PAIN + step for step in path.split("/")))
        assert found is not None and found.text is not None, path
        return str(found.text)

    transfers = []
    for info in root.iter(f"{PAIN}PmtInf"):
        debtor_iban, execution = text(info, "DbtrAcct/Id/IBAN"), text(info, "ReqdExctnDt")
        for tx in info.iter(f"{PAIN}CdtTrfTxInf"):
            amount = text(tx, "Amt/InstdAmt")
            euros, cents = amount.split(".")
            transfers.append({"end_to_end_id": text(tx, "PmtId/EndToEndId"), "amount_cents": int(euros) * 100 + int(
                cents), "creditor_name": text(tx, "Cdtr/Nm"), "creditor_iban": text(tx, "CdtrAcct/Id/IBAN"),
                "remittance": text(tx, "RmtInf/Ustrd"), "debtor_iban": debtor_iban, "execution_date": execution})
    return {"message_id": text(header, "MsgId"), "count": int(text(header, "NbOfTxs")),
            "control_sum": text(header, "CtrlSum"), "transfers": transfers}


def made_run(client: TestClient[Any], world: World, database_url: str, reference: str) -> str:
    """A payout run of world.counsellor's organisation (its payout account set first): a via_counsellor case with
    money in its reserve, paid out."""
    set_payout_account_of(database_url)
    via_counsellor_case(client, world, database_url, reference)
    deposit(client, world, reference, 1_000_000, reference)
    answer = run(client, world)
    assert answer.status_code == 201, answer.text
    run_id: str = answer.json()["id"]
    return run_id
