"""Via the counsellor: creditors are paid on the organisation's payout days, from money that came in before."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from solver import solve
from solver.calendar import payment_days, payout_day
from solver.metrics import build_proposal, provenance_for, request_hash
from solver.models import Payment, PlanRequest
from solver.validate import validate

GOLDEN = Path(__file__).parents[1] / "golden" / "settlement_proportional.request.json"


def request(**policy: Any) -> PlanRequest:
    data = json.loads(GOLDEN.read_text())
    data["policy"] = {**data["policy"], "time_limit_seconds": 10, **policy}
    return PlanRequest.model_validate(data)


def test_a_payout_day_is_the_first_bank_day_on_or_after_its_day_and_after_the_money_came_in() -> None:
    # 26 March 2027 is Good Friday (banks closed) and Easter Monday follows the weekend: the run is on the 30th.
    assert payout_day(dt.date(2027, 3, 10), 26, "NL") == dt.date(2027, 3, 30)
    # Money that becomes available on the payout day itself waits a month: it has to reach the organisation first.
    assert payout_day(dt.date(2027, 1, 26), 26, "NL") == dt.date(2027, 2, 26)
    assert payout_day(dt.date(2027, 1, 25), 26, "NL") == dt.date(2027, 1, 26)
    # 28 February 2027 is a Sunday: the run rolls into March.
    assert payout_day(dt.date(2027, 2, 3), 28, "NL") == dt.date(2027, 3, 1)


def test_income_is_gathered_on_the_payout_days() -> None:
    direct = request()
    via = request(payout_day_of_month=26)
    days = payment_days(via)
    # The salary of the 25th is available on the 26th: it goes out in the next month's run.
    assert [d.date for d in days][:3] == [dt.date(2027, 2, 26), dt.date(2027, 3, 30), dt.date(2027, 4, 26)]
    # Nothing is lost on the way: whatever is gathered in the term is what came in, run days inside or after it.
    assert sum(d.capacity_cents for d in days) == sum(d.capacity_cents for d in payment_days(direct))


def test_a_plan_via_the_counsellor_pays_only_on_payout_days_and_is_valid() -> None:
    via = request(payout_day_of_month=26)
    proposal = solve(via)
    assert proposal.status in ("optimal", "feasible")
    assert validate(via, proposal) == []
    runs = {d.date for d in payment_days(via)}
    assert {p.date for p in proposal.payments} <= runs
    assert proposal.metrics.total_paid_cents == solve(request()).metrics.total_paid_cents


def test_the_validator_refuses_a_payment_off_a_payout_day() -> None:
    via = request(payout_day_of_month=26)
    payments = [Payment(date=dt.date(2027, 3, 26), claim_id="c002", amount_cents=5_000)]  # Good Friday
    made = build_proposal(via, payments, status="feasible", provenance=provenance_for(via, status="test"),
                          explanation=["hand-made"])
    problems = validate(via, made)
    assert any("2027-03-26 is not a payout day" in p for p in problems), problems


def test_requests_without_a_payout_day_keep_their_hash() -> None:
    # Plans stored before the route existed name their request by this hash.
    assert request_hash(request()) != request_hash(request(payout_day_of_month=26))
    golden = json.loads((GOLDEN.parent / "settlement_proportional.proposal.json").read_text())
    assert request_hash(PlanRequest.model_validate(json.loads(GOLDEN.read_text()))) == golden["provenance"][
        "request_hash"]
