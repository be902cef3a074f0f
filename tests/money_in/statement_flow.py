"""Bank statements for tests: camt.053 documents made to measure, and a case whose plan began months ago."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from dateutil.relativedelta import relativedelta
from litestar.testing import TestClient

from debt_coord.kernel.clock import today
from tests.negotiation.flow import ask_for_plan
from tests.support import World, claim_body, open_case_with_creditors

DEBTOR_IBAN = "NL69INGB0123456789"
CAMT = "application/xml"
MT940 = "text/plain"


@dataclass(frozen=True)
class Line:
    reference: str
    cents: int
    """Negative for a debit."""
    iban: str
    remittance: str
    booked: dt.date | None = None
    end_to_end_id: str = "NOTPROVIDED"


def camt053(lines: list[Line], *, message_id: str, account: str = DEBTOR_IBAN, currency: str = "EUR") -> bytes:
    """A camt.053.001.02 document with one entry per line (booked today unless said)."""
    entries = "".join(_entry(line, account, currency) for line in lines)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>{escape(message_id)}</MsgId><CreDtTm>{today().isoformat()}T06:00:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>{escape(message_id)}</Id><CreDtTm>{today().isoformat()}T06:00:00</CreDtTm>
   <Acct><Id><IBAN>{account}</IBAN></Id><Ccy>{currency}</Ccy></Acct>
   <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="{currency}">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
    <Dt><Dt>{today().isoformat()}</Dt></Dt></Bal>{entries}
  </Stmt>
 </BkToCstmrStmt>
</Document>""".encode()


def _entry(line: Line, account: str, currency: str) -> str:
    debit = line.cents < 0
    amount = f"{abs(line.cents) // 100}.{abs(line.cents) % 100:02d}"
    own, other = f"<IBAN>{account}</IBAN>", f"<IBAN>{line.iban}</IBAN>"
    parties = (f"<DbtrAcct><Id>{own}</Id></DbtrAcct><CdtrAcct><Id>{other}</Id></CdtrAcct>" if debit
               else f"<DbtrAcct><Id>{other}</Id></DbtrAcct><CdtrAcct><Id>{own}</Id></CdtrAcct>")
    booked = (line.booked or today()).isoformat()
    return f"""
    <Ntry><Amt Ccy="{currency}">{amount}</Amt><CdtDbtInd>{'DBIT' if debit else 'CRDT'}</CdtDbtInd><Sts>BOOK</Sts>
     <BookgDt><Dt>{booked}</Dt></BookgDt><AcctSvcrRef>{escape(line.reference)}</AcctSvcrRef>
     <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
     <NtryDtls><TxDtls><Refs><EndToEndId>{escape(line.end_to_end_id)}</EndToEndId></Refs>
      <RltdPties>{parties}</RltdPties><RmtInf><Ustrd>{escape(line.remittance)}</Ustrd></RmtInf></TxDtls></NtryDtls>
    </Ntry>"""


INCOME = {"streams": [{"id": "uitkering", "amount_cents": 140_000, "available_cents": 15_000, "day_of_month": 24}]}


def recent_plan_case(client: TestClient[Any], world: World, reference: str) -> tuple[str, dict[str, Any]]:
    """(case, c1's claim): a case with c1's claim whose plan, agreed and active, began three months ago, so that
    its first installments are due and a statement booked today pays them."""
    counsellor = world.counsellor.headers
    case_id = open_case_with_creditors(client, world, "c1", reference=reference)
    assert client.put(f"/v1/cases/{case_id}/income", json=INCOME, headers=counsellor).is_success
    claim = client.post(f"/v1/cases/{case_id}/claims", json=claim_body(f"{reference}-C1", 40_000),
                        headers=world.c1.headers)
    assert claim.status_code == 201, claim.text
    start = today().replace(day=1) - relativedelta(months=3)
    plan_id = ask_for_plan(client, world, case_id, start_date=start.isoformat(), months=6, time_limit_seconds=5)
    assert client.post(f"/v1/plans/{plan_id}/propose", json={}, headers=counsellor).is_success
    accepted = client.post(f"/v1/plans/{plan_id}/decisions", json={"plan_version": 1, "decision": "accept"},
                           headers=world.c1.headers)
    assert accepted.status_code == 201, accepted.text
    activated = client.post(f"/v1/plans/{plan_id}/activate", headers=counsellor)
    assert activated.status_code == 200, activated.text
    found: dict[str, Any] = claim.json()
    return case_id, found


def paying(claim: dict[str, Any], cents: int, serial: int) -> bytes:
    """A statement of the debtor's account with one payment to the claim's creditor, named by its reference."""
    line = Line(f"PAY-{serial}", -cents, claim["iban"], f"{claim['payment_reference']} termijn")
    return camt053([line], message_id=f"MSG-{serial}")
