"""The term simulation's debtor (bench/term_sim.py): what they pay and when, and their bank's camt.053 of it.

Seeded random behaviour per installment (missed, partly paid, late, batched with others), groceries and the benefit
in between, one statement per calendar month. A variation (bench/term_variations.py) rewinds what the debtor would
have paid from its start and plays the varied schedule instead.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from xml.sax.saxutils import escape

from litestar.testing import TestClient

from solver.models import Payment

DEBTOR_IBAN = "NL69INGB0123456789"
SHOP_IBAN, BENEFIT_IBAN = "NL73ABNA0555123456", "NL39RABO0300065264"
MISSED, PARTLY, LATE, BATCH = 0.10, 0.03, 0.15, 0.30


@dataclass(frozen=True)
class Tx:
    iban: str
    cents: int
    remittance: str
    end_to_end_id: str = "NOTPROVIDED"


@dataclass
class Entry:
    booked: dt.date
    debit: bool
    txs: list[Tx]
    reference: str = ""
    due: dt.date | None = None
    """The payment date this entry belongs to (the debtor's transfers, and the bookings around them)."""


class Booking(NamedTuple):
    booked: dt.date
    claim_id: str
    cents: int
    due: dt.date


@dataclass
class SimCase:
    id: str
    payments: list[Payment]
    """The plan as it runs (the installments route): after a variation, the carried schedule and the variation."""
    payees: dict[str, tuple[str, str]]
    """claim id -> (creditor IBAN, payment reference)."""
    bookings: list[Booking] = field(default_factory=list)
    """Every transfer the debtor made."""
    entries: dict[tuple[int, int], list[Entry]] = field(default_factory=lambda: defaultdict(list))
    """(year, month) -> the month's entries, in booking order once sorted."""
    unrelated: int = 0


def camt053(entries: list[Entry], message_id: str, created: dt.date, account: str = DEBTOR_IBAN) -> bytes:
    body = "".join(_entry(e, account) for e in entries)
    stamp = f"{created.isoformat()}T06:00:00"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
 <GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>{stamp}</CreDtTm></GrpHdr>
 <Stmt><Id>{message_id}</Id><CreDtTm>{stamp}</CreDtTm>
  <Acct><Id><IBAN>{account}</IBAN></Id><Ccy>EUR</Ccy></Acct>
  <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
   <Dt><Dt>{created.isoformat()}</Dt></Dt></Bal>{body}
 </Stmt></BkToCstmrStmt></Document>""".encode()


def euros(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _entry(entry: Entry, account: str) -> str:
    total = sum(tx.cents for tx in entry.txs)
    details = "".join(_details(tx, entry.debit, len(entry.txs) > 1, account) for tx in entry.txs)
    batch = f"<Btch><NbOfTxs>{len(entry.txs)}</NbOfTxs></Btch>" if len(entry.txs) > 1 else ""
    return f"""
  <Ntry><Amt Ccy="EUR">{euros(total)}</Amt><CdtDbtInd>{'DBIT' if entry.debit else 'CRDT'}</CdtDbtInd>
   <Sts>BOOK</Sts><BookgDt><Dt>{entry.booked.isoformat()}</Dt></BookgDt><AcctSvcrRef>{entry.reference}</AcctSvcrRef>
   <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
   <NtryDtls>{batch}{details}</NtryDtls></Ntry>"""


def _details(tx: Tx, debit: bool, in_batch: bool, account: str) -> str:
    own, other = f"<IBAN>{account}</IBAN>", f"<IBAN>{tx.iban}</IBAN>"
    parties = (f"<DbtrAcct><Id>{own}</Id></DbtrAcct><CdtrAcct><Id>{other}</Id></CdtrAcct>" if debit
               else f"<DbtrAcct><Id>{other}</Id></DbtrAcct><CdtrAcct><Id>{own}</Id></CdtrAcct>")
    amount = f"<AmtDtls><TxAmt><Amt Ccy=\"EUR\">{euros(tx.cents)}</Amt></TxAmt></AmtDtls>" if in_batch else ""
    return (f"<TxDtls><Refs><EndToEndId>{tx.end_to_end_id}</EndToEndId></Refs>{amount}<RltdPties>{parties}</RltdPties>"
            f"<RmtInf><Ustrd>{escape(tx.remittance)}</Ustrd></RmtInf></TxDtls>")


def month_of(day: dt.date) -> tuple[int, int]:
    return day.year, day.month


def behave(rng: random.Random, case: SimCase, payments: Sequence[Payment] | None = None, *,
           first_paid: bool = True) -> None:
    """The debtor's payments of `payments` (the case's whole schedule if None) and the other bookings around their
    dates, into case.entries by month. The first payment date is paid on the day unless `first_paid` is False (a
    case's first statement must pay a transfer: that is how the service learns the debtor's account)."""
    by_date: dict[dt.date, list[Payment]] = defaultdict(list)
    for payment in case.payments if payments is None else payments:
        by_date[payment.date].append(payment)
    if not by_date:
        return
    since = min(case.entries, default=month_of(min(by_date)))  # statements begin with the first payment's month
    terms = sorted({p.date for p in case.payments} | set(by_date))
    for number, (due, found) in enumerate(sorted(by_date.items())):
        transfers: dict[dt.date, list[Tx]] = defaultdict(list)
        for payment in sorted(found, key=lambda p: p.claim_id):
            draw, first = rng.random(), first_paid and number == 0
            if draw < MISSED and not first:
                continue
            cents = payment.amount_cents
            if draw < MISSED + PARTLY and not first:
                cents = max(1, int(cents * rng.uniform(0.2, 0.8)))
            booked = due + dt.timedelta(days=rng.randint(1, 12)) if rng.random() < LATE and not first else due
            iban, reference = case.payees[payment.claim_id]
            transfers[booked].append(Tx(iban, cents, f"{reference} termijn {terms.index(due) + 1}"))
            case.bookings.append(Booking(booked, payment.claim_id, cents, due))
        batch = rng.random() < BATCH
        for booked, txs in transfers.items():
            groups = [txs] if batch else [[tx] for tx in txs]
            case.entries[month_of(booked)].extend(Entry(booked, True, group, due=due) for group in groups)
        others = [Entry(due - dt.timedelta(days=rng.randint(1, 20)), True,
                        [Tx(SHOP_IBAN, rng.randint(500, 12_000), "boodschappen")], due=due)
                  for _ in range(rng.randint(0, 2))]
        others.append(Entry(due - dt.timedelta(days=1), False, [Tx(BENEFIT_IBAN, 140_000, "Uitkering")], due=due))
        for other in others:
            if month_of(other.booked) >= since:
                case.entries[month_of(other.booked)].append(other)
                case.unrelated += 1
    number_entries(case)


def number_entries(case: SimCase) -> None:
    """Each month's entries in booking order, each with its bank reference."""
    for month, entries in case.entries.items():
        entries.sort(key=lambda e: e.booked)
        for position, entry in enumerate(entries):
            entry.reference = f"{month[0]}{month[1]:02d}-{case.id[-8:]}-{position:03d}"


def rewind(case: SimCase, start: dt.date) -> None:
    """Forget what the debtor would have paid for the payment dates from `start` on (and the bookings around them):
    a variation replaces them. Only months not yet imported may change."""
    case.bookings = [b for b in case.bookings if b.due < start]
    for month, entries in case.entries.items():
        dropped = [e for e in entries if e.due is not None and e.due >= start]
        case.unrelated -= sum(1 for e in dropped if e.txs[0].iban in (SHOP_IBAN, BENEFIT_IBAN))
        case.entries[month] = [e for e in entries if e.due is None or e.due < start]


def running_schedule(client: TestClient[Any], headers: dict[str, str], case_id: str) -> list[Payment]:
    """The plan as it runs, as the service lists its installments."""
    found = client.get(f"/v1/cases/{case_id}/installments", headers=headers).json()["installments"]
    return [Payment(date=dt.date.fromisoformat(i["date"]), claim_id=i["claim_id"], amount_cents=i["amount_cents"])
            for i in found]
