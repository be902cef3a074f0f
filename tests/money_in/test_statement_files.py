"""Reading bank statement files and matching their entries, without a database."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from debt_coord.money_in.statements.camt import parse_camt
from debt_coord.money_in.statements.matching import Matcher, Payee, names
from debt_coord.money_in.statements.mt940 import parse_mt940
from debt_coord.money_in.statements.parsed import BankEntry, StatementError, Transaction
from solver.models import Payment
from tests.money_in.test_statements import BILLION_LAUGHS, EXTERNAL_ENTITY

GOLDEN = Path(__file__).parent / "golden"
GOLDEN_CAMT = GOLDEN / "statement.camt053.xml"
C1, C2 = "NL91ABNA0417164300", "NL44RABO0123456789"


def test_camt_001_08_is_read_too_and_pending_entries_are_not_booked() -> None:
    statement = parse_camt((GOLDEN / "statement.camt053.001.08.xml").read_bytes())
    assert (statement.message_id, statement.account_iban, statement.currency) == ("V08-0001", "NL69INGB0123456789",
                                                                                 "EUR")
    [entry] = statement.entries
    # Booked at 23:30 UTC on 24 February: the 25th in Amsterdam.
    assert (entry.bank_reference, entry.booked_on, entry.amount_cents) == ("V08-REF-1", dt.date(2026, 2, 25), -15_000)
    assert entry.transactions == (Transaction(15_000, C1, "Zilverzorg", "Zorgpolis 4471-22", "E2E-V08"),)


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY, b'<!DOCTYPE Document><Document/>'],
                         ids=["entity bomb", "external entity", "plain doctype"])
def test_a_document_type_declaration_is_refused_before_anything_is_expanded(body: bytes) -> None:
    started = time.process_time()
    with pytest.raises(StatementError) as refused:
        parse_camt(body)
    assert "root:" not in refused.value.detail
    assert time.process_time() - started < 5, "refused without expanding a billion entities"


def test_the_schema_names_the_element_it_refuses() -> None:
    body = GOLDEN_CAMT.read_bytes().replace(b'<Amt Ccy="EUR">150.00', b'<Amt Ccy="EUR">1.5.0')
    with pytest.raises(StatementError) as refused:
        parse_camt(body)
    assert refused.value.where == "/Document/BkToCstmrStmt/Stmt/Ntry[1]/NtryDtls/TxDtls[1]/AmtDtls/TxAmt/Amt"
    assert "not a valid camt.053.001.02 document (line 47)" in refused.value.detail


def test_a_batch_whose_transactions_do_not_add_up_is_refused() -> None:
    body = GOLDEN_CAMT.read_bytes().replace(b'<Amt Ccy="EUR">300.00', b'<Amt Ccy="EUR">301.00')
    with pytest.raises(StatementError, match="do not add up") as refused:
        parse_camt(body)
    assert refused.value.where == "/Document/BkToCstmrStmt/Stmt/Ntry[1]/NtryDtls"


MT940_HEAD = ":20:STMT1\n:25:NL69INGB0123456789\n:28C:7/1\n:60F:C260301EUR0,00\n"


@pytest.mark.parametrize(("details", "iban", "name", "remittance", "end_to_end"), [
    ("/EREF/E1//CNTP/NL91ABNA0417164300/ABNANL2A/Zilverzorg/Utrecht/\n/REMI/USTD//Zorgpolis 4471-22//",
     C1, "Zilverzorg", "Zorgpolis 4471-22", "E1"),
    ("/TRTP/SEPA OVERBOEKING/IBAN/NL44RABO0123456789/BIC/RABONL2U/NAME/Energie Direct/REMI/Klantnummer 881230/EREF/N"
     "OTPROVIDED", C2, "Energie Direct", "Klantnummer 881230", None),
    ("SEPA Overboeking IBAN: NL44RABO0123456789 Naam: Energie Direct Omschrijving: Klantnummer 881230",
     C2, "", "SEPA Overboeking IBAN: NL44RABO0123456789 Naam: Energie Direct Omschrijving: Klantnummer 881230", None),
], ids=["ING and Rabobank", "ABN AMRO", "free text"])
def test_the_dutch_banks_mt940_details_are_read(details: str, iban: str, name: str, remittance: str,
                                                end_to_end: str | None) -> None:
    body = f"{MT940_HEAD}:61:2603240324D12,50NTRFNONREF//B1\n:86:{details}\n:62F:C260331EUR0,00\n"
    [entry] = parse_mt940(body.encode()).entries
    assert (entry.bank_reference, entry.booked_on, entry.amount_cents) == ("B1", dt.date(2026, 3, 24), -1_250)
    assert entry.transactions == (Transaction(1_250, iban, name, remittance, end_to_end),)


def test_mt940_entries_without_a_bank_reference_get_one_that_is_the_same_each_time() -> None:
    line = ":61:2603240324D1,00NTRFNONREF\n:86:/CNTP/NL91ABNA0417164300/X/Y///REMI/USTD//z//\n"
    body = (MT940_HEAD + line + line + ":62F:C260331EUR0,00\n").encode()
    first, second = parse_mt940(body).entries
    assert first.bank_reference.startswith("derived:") and second.bank_reference == first.bank_reference + "#2"
    assert [e.bank_reference for e in parse_mt940(body).entries] == [first.bank_reference, second.bank_reference]
    assert parse_mt940(body).message_id == "STMT1/7/1"


def test_references_are_named_as_whole_words_or_written_together() -> None:
    assert names("termijn 3 Zorgpolis 4471-22.", "Zorgpolis 4471-22")
    assert names("RF18 5390 0754 7034", "RF18539007547034")
    assert not names("Klantnummer 8812301", "Klantnummer 881230")
    assert not names("anything", "")


def payments(claim: str, cents: int, *days: str) -> list[Payment]:
    return [Payment(date=dt.date.fromisoformat(day), claim_id=claim, amount_cents=cents) for day in days]


def entry(position: int, cents: int, day: str, iban: str, remittance: str, e2e: str | None = None) -> BankEntry:
    return BankEntry(position, f"/{position}", f"R{position}", dt.date.fromisoformat(day), cents,
                     (Transaction(abs(cents), iban, "", remittance, e2e),))


def matcher(window_days: int = 10) -> Matcher:
    schedule = payments("a", 1_000, "2026-01-26", "2026-02-24") + payments("b", 500, "2026-01-26", "2026-02-24")
    # Two claims of one creditor (one account), each with its own reference.
    return Matcher(schedule, [Payee("a", C1, "Polis 1"), Payee("b", C1, "Polis 2")], {}, [], window_days)


def test_one_transfer_naming_two_claims_pays_both_oldest_installments_first() -> None:
    found = matcher().match(entry(1, -2_000, "2026-02-20", C1, "Polis 1 en Polis 2"), lambda i: (1, i))
    assert [(p.claim_id, p.amount_cents) for p in found.paid] == [("a", 1_500), ("b", 500)]
    assert found.unmatched_cents == 0


def test_installments_due_beyond_the_window_are_not_paid_early() -> None:
    early = matcher(window_days=10).match(entry(1, -2_000, "2026-01-16", C1, "Polis 1"), lambda i: (1, i))
    assert ([(p.claim_id, p.amount_cents) for p in early.paid], early.unmatched_cents) == ([("a", 1_000)], 1_000)
    too_early = matcher(window_days=10).match(entry(1, -1_000, "2026-01-15", C1, "Polis 1"), lambda i: (1, i))
    assert (too_early.paid, too_early.unmatched_cents) == ((), 1_000)


def test_a_return_without_its_end_to_end_id_reverses_the_latest_transfer_of_that_amount_to_that_account() -> None:
    match = matcher()
    match.match(entry(1, -1_000, "2026-01-26", C1, "Polis 1"), lambda i: (1, i))
    match.match(entry(2, -500, "2026-01-26", C1, "Polis 2"), lambda i: (2, i))
    returned = match.match(entry(3, 500, "2026-01-30", C1, "Retour"), lambda i: (3, i))
    assert [(r.transfer.key, dict(r.transfer.receipts)) for r in returned.returned] == [((2, 0), {"b": 500})]
    assert match.received == {"a": 1_000, "b": 0}
    # Nothing of that amount is left to return: the next such credit stays unmatched.
    assert match.match(entry(4, 500, "2026-01-31", C1, "Retour"), lambda i: (4, i)).unmatched_cents == 500
    assert match.match(entry(5, 1_000, "2026-01-31", C2, "Retour"), lambda i: (5, i)).unmatched_cents == 1_000
