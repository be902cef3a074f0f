"""One transfer per creditor account: claims with the same account share the transfers of a date (issue 14)."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from solver import solve, validate
from solver.metrics import build_proposal, provenance_for, request_hash
from solver.models import FoundBy, Payment, PlanProposal, PlanRequest, Rule, SolveStatus, transfer_account
from solver.problem import make_problem

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def cjib_request(shared: bool = True, **policy: Any) -> PlanRequest:
    """Two fines of one creditor paid into one account and one other creditor, two payment days, one transfer a day:
    three claims that must each be paid need three transfers, two accounts only two."""
    account = {"account": "NL12INGB0001234567"} if shared else {}
    return PlanRequest.model_validate({
        "start_date": "2027-01-01",
        "months": 2,
        "income": [{"id": "salary", "amount_cents": 200_000, "available_cents": 30_000, "day_of_month": 25}],
        "claims": [
            {"id": "fine-1", "creditor": "CJIB", "outstanding_cents": 20_000, **account},
            {"id": "fine-2", "creditor": "CJIB", "outstanding_cents": 10_000, **account},
            {"id": "phone", "creditor": "Telecom", "outstanding_cents": 30_000, "account": "NL55RABO0123456789"},
        ],
        "policy": {"max_transfers_per_date": 1, "time_limit_seconds": 10, **policy},
    })


def transfers_per_date(request: PlanRequest, proposal: PlanProposal) -> dict[dt.date, set[tuple[str, ...]]]:
    accounts = {claim.id: transfer_account(claim) for claim in request.claims}
    per_date: dict[dt.date, set[tuple[str, ...]]] = defaultdict(set)
    for payment in proposal.payments:
        per_date[payment.date].add(accounts[payment.claim_id])
    return per_date


def test_claims_counted_apart_cannot_fit_one_transfer_a_day() -> None:
    proposal = solve(cjib_request(shared=False))
    assert proposal.status == SolveStatus.INFEASIBLE
    assert "policy.max_transfers_per_date" in proposal.conflicts[0].items


def test_an_account_is_shared_only_within_one_creditor() -> None:
    request = cjib_request()
    other = request.model_copy(update={"claims": [request.claims[0], request.claims[1].model_copy(
        update={"creditor": "Incassobureau"}), request.claims[2]]})
    assert make_problem(other).account_of == [0, 1, 2]
    assert solve(other).status == SolveStatus.INFEASIBLE


def test_claims_sharing_an_account_travel_together_and_fit() -> None:
    request = cjib_request()
    proposal = solve(request)
    assert proposal.status != SolveStatus.INFEASIBLE
    assert validate(request, proposal) == []
    assert proposal.metrics.total_paid_cents == 60_000
    days = {claim_id: {p.date for p in proposal.payments if p.claim_id == claim_id} for claim_id in ("fine-1",
                                                                                                       "fine-2")}
    assert days["fine-1"] == days["fine-2"]  # one transfer to the CJIB's account says what goes to each fine
    assert all(len(accounts) <= 1 for accounts in transfers_per_date(request, proposal).values())


def test_metrics_count_transfers_per_account_and_claims_their_own_payments() -> None:
    request = cjib_request()
    proposal = solve(request)
    assert len(proposal.payments) == 3
    assert proposal.metrics.transfers == 2
    assert {c.claim_id: c.transfers for c in proposal.claims} == {"fine-1": 1, "fine-2": 1, "phone": 1}


def test_the_full_model_counts_accounts_too(monkeypatch: pytest.MonkeyPatch) -> None:
    from solver import engine

    monkeypatch.setattr(engine, "solve_with_patterns", lambda *args: None)
    request = cjib_request()
    proposal = solve(request)
    assert proposal.status != SolveStatus.INFEASIBLE
    assert validate(request, proposal) == []
    assert proposal.metrics.transfers == 2


def hand_made(request: PlanRequest, payments: list[tuple[int, str, int]]) -> PlanProposal:
    """A proposal of (payment day number, claim, cents)."""
    days = [day.date for day in make_problem(request).days]
    return build_proposal(
        request, [Payment(date=days[t], claim_id=claim, amount_cents=cents) for t, claim, cents in payments],
        status=SolveStatus.FEASIBLE, provenance=provenance_for(request, status="hand"), found_by=FoundBy.SEARCH)


def test_the_validator_counts_accounts_per_date() -> None:
    request = cjib_request()
    together = hand_made(request, [(0, "fine-1", 20_000), (0, "fine-2", 10_000), (1, "phone", 30_000)])
    assert validate(request, together) == []
    apart = hand_made(request, [(0, "fine-1", 20_000), (0, "phone", 10_000), (1, "fine-2", 10_000),
                                (1, "phone", 20_000)])
    problems = [problem for problem in validate(request, apart) if "transfers" in problem]
    days = [day.date for day in make_problem(request).days]
    assert problems == [f"{day}: 2 transfers, more than the limit of 1" for day in days]


def test_the_validator_recounts_the_transfers_metric() -> None:
    request = cjib_request()
    proposal = solve(request)
    per_payment = proposal.model_copy(update={"metrics": proposal.metrics.model_copy(update={"transfers": 3})})
    assert "metrics.transfers is 3, payments say 2" in validate(request, per_payment)


def test_an_account_may_not_be_blank() -> None:
    data = cjib_request().model_dump(by_alias=True)
    data["claims"][0]["account"] = "   "
    with pytest.raises(ValidationError):
        PlanRequest.model_validate(data)


def test_claims_without_accounts_have_accounts_of_their_own() -> None:
    assert make_problem(cjib_request(shared=False)).account_of == [0, 1, 2]
    assert make_problem(cjib_request()).account_of == [0, 0, 1]
    assert make_problem(cjib_request()).shared_accounts == {0: [0, 1]}


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.request.json")), ids=lambda path: path.name)
def test_requests_without_accounts_keep_their_hashes(path: Path) -> None:
    request = PlanRequest.model_validate_json(path.read_text())
    golden = json.loads(path.with_name(path.name.replace(".request.", ".proposal.")).read_text())
    assert request_hash(request) == golden["provenance"]["request_hash"]
    with_account = request.model_copy(update={"claims": [request.claims[0].model_copy(update={"account": "NL01"}),
                                                         *request.claims[1:]]})
    assert request_hash(with_account) != request_hash(request)


@st.composite
def shared_account_requests(draw: st.DrawFn) -> PlanRequest:
    claims: list[dict[str, Any]] = []
    for index in range(draw(st.integers(min_value=2, max_value=6))):
        claim: dict[str, Any] = {
            "id": f"c{index}",
            "creditor": draw(st.sampled_from(["CJIB", "CJIB", "Intrum"])),
            "outstanding_cents": draw(st.integers(min_value=1_000, max_value=150_000)),
            "class": draw(st.sampled_from(["concurrent", "concurrent", "preferent"])),
        }
        account = draw(st.sampled_from(["NL01A", "NL01A", "NL02B", None]))
        if account is not None:
            claim["account"] = account
        if draw(st.integers(min_value=0, max_value=5)) == 0:
            claim["min_payment_cents"] = draw(st.integers(min_value=500, max_value=5_000))
        if draw(st.integers(min_value=0, max_value=6)) == 0:
            claim["earliest_date"] = f"2027-{draw(st.integers(min_value=1, max_value=5)):02d}-01"
        claims.append(claim)
    return PlanRequest.model_validate({
        "start_date": "2027-01-01",
        "months": draw(st.integers(min_value=1, max_value=6)),
        "income": [{"id": "salary", "amount_cents": 250_000,
                    "available_cents": draw(st.integers(min_value=0, max_value=40_000)),
                    "day_of_month": draw(st.integers(min_value=1, max_value=28))}],
        "claims": claims,
        "policy": {
            "rule": draw(st.sampled_from([r.value for r in Rule])),
            "min_payment_cents": draw(st.integers(min_value=0, max_value=3_000)),
            "max_transfers_per_date": draw(st.integers(min_value=1, max_value=3)),
            "time_limit_seconds": 5,
        },
    })


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=shared_account_requests())
def test_plans_with_shared_accounts_keep_the_transfer_limit(request: PlanRequest) -> None:
    proposal = solve(request)
    assert validate(request, proposal) == []
    if proposal.status == SolveStatus.INFEASIBLE:
        assert proposal.conflicts and all(c.items for c in proposal.conflicts)
        assert all("policy.time_limit_seconds" not in c.items for c in proposal.conflicts)
        # Sharing an account only takes transfers away: without accounts there is no plan either.
        apart = request.model_copy(update={"claims": [c.model_copy(update={"account": None}) for c in request.claims]})
        assert solve(apart).status == SolveStatus.INFEASIBLE
        return
    limit = request.policy.max_transfers_per_date
    assert limit is not None
    per_date = transfers_per_date(request, proposal)
    assert all(len(accounts) <= limit for accounts in per_date.values())
    assert proposal.metrics.transfers == sum(len(accounts) for accounts in per_date.values())
    paid: dict[str, int] = defaultdict(int)
    for payment in proposal.payments:
        paid[payment.claim_id] += payment.amount_cents
    assert {c.claim_id: c.paid_cents for c in proposal.claims} == {c.id: paid[c.id] for c in request.claims}
    assert proposal.metrics.total_paid_cents == proposal.metrics.reachable_cents


def test_grouping_per_creditor_is_a_remedy_only_where_it_still_saves_transfers() -> None:
    claims = [{"id": f"{creditor}-{n}", "creditor": creditor, "outstanding_cents": 20_000, "account": f"NL0{k}"}
              for k, creditor in enumerate(("CJIB", "Intrum")) for n in (1, 2)]
    data = {"start_date": "2027-01-01", "months": 1, "claims": claims,
            "income": [{"id": "salary", "amount_cents": 200_000, "available_cents": 80_000, "day_of_month": 25}],
            "policy": {"max_transfers_per_date": 1, "time_limit_seconds": 5}}
    grouped = solve(PlanRequest.model_validate(data))
    apart = solve(PlanRequest.model_validate({**data, "claims": [{**c, "account": None} for c in claims]}))
    for proposal in (grouped, apart):
        assert proposal.status == SolveStatus.INFEASIBLE
    remedies = []
    for proposal in (grouped, apart):
        remedy = proposal.conflicts[0].remedy_note
        assert remedy is not None
        remedies.append([note.model_dump() for note in remedy.parts])
    assert "remedy_group_per_creditor" not in [note["key"] for note in remedies[0]]
    assert "remedy_group_per_creditor" in [note["key"] for note in remedies[1]]
    # One day, one transfer: two accounts need two transfers a day, not four.
    assert {"key": "remedy_transfers_per_day_at_least", "facts": {"limit": 2}, "parts": []} in remedies[0]
    assert {"key": "remedy_transfers_per_day_at_least", "facts": {"limit": 4}, "parts": []} in remedies[1]
