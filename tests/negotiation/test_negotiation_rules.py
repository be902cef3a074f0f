"""The negotiation's rules on the aggregate itself: no database, no sleeps, just the case, a version and decisions."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from debt_coord.cases.models import Case
from debt_coord.cases.states import CaseState
from debt_coord.kernel.errors import ConflictError, ForbiddenError, InvalidInputError
from debt_coord.negotiation.acceptance import AcceptanceReport, RefusalAssessment
from debt_coord.negotiation.models import Answer, Decision, DecisionKind
from debt_coord.negotiation.negotiation import DEFAULT_RESPONSE_DAYS, Negotiation
from debt_coord.planning.models import PlanStatus, PlanVersion
from solver.models import SolveStatus

TODAY = dt.date(2026, 12, 3)
NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
ZORG, ENERGIE, FISCUS = (uuid.UUID(int=n) for n in (1, 2, 3))
ACCEPT = Answer(DecisionKind.ACCEPT)
REJECT = Answer(DecisionKind.REJECT, "Too little, too late.")


def case(state: CaseState = CaseState.PLANNING) -> Case:
    return Case(id=uuid.uuid4(), organisation_id=uuid.uuid4(), reference="2026-0001", state=state)


def version(status: PlanStatus = PlanStatus.DRAFT, solver_status: SolveStatus = SolveStatus.OPTIMAL) -> PlanVersion:
    owners = {"claim-z": str(ZORG), "claim-e": str(ENERGIE), "claim-f": str(FISCUS), "claim-f2": str(FISCUS)}
    return PlanVersion(id=uuid.uuid4(), number=2, status=status, solver_status=solver_status, claim_owners=owners)


def proposed(*decided: tuple[uuid.UUID, Answer], state: CaseState = CaseState.PROPOSED) -> Negotiation:
    plan = version(PlanStatus.PROPOSED)
    plan.response_deadline = TODAY + dt.timedelta(days=2)
    decisions = [Decision(plan_version_id=plan.id, organisation_id=org, kind=a.kind, reason=a.reason,
                          counter=a.counter, automatic=False) for org, a in decided]
    return Negotiation(case(state), plan, decisions)


def agreed(yes: bool) -> AcceptanceReport:
    refusals = [] if yes else [RefusalAssessment(str(ENERGIE), "Energie", "reject", "no", 4000, True, 0, 0, "")]
    return AcceptanceReport(agreed=yes, creditors=3, counts={}, value_cents={}, accepted_value_bp=0,
                            refusals=refusals)


def test_proposing_sends_the_draft_with_a_deadline_and_moves_the_case() -> None:
    negotiation = Negotiation(case(), version())
    negotiation.propose(None, TODAY, NOW)
    assert negotiation.case.state is CaseState.PROPOSED
    assert negotiation.version.status is PlanStatus.PROPOSED and negotiation.version.proposed_at == NOW
    assert negotiation.version.response_deadline == TODAY + dt.timedelta(days=DEFAULT_RESPONSE_DAYS)


def test_a_deadline_today_or_before_is_refused_at_its_field() -> None:
    with pytest.raises(InvalidInputError) as refused:
        Negotiation(case(), version()).propose(TODAY, TODAY, NOW)
    assert [e.pointer for e in refused.value.errors] == ["/response_deadline"]


def test_an_infeasible_or_already_proposed_version_cannot_be_proposed() -> None:
    with pytest.raises(ConflictError, match="infeasible"):
        Negotiation(case(), version(solver_status=SolveStatus.INFEASIBLE)).propose(None, TODAY, NOW)
    with pytest.raises(ConflictError, match="is proposed, not draft"):
        Negotiation(case(CaseState.PROPOSED), version(PlanStatus.PROPOSED)).propose(None, TODAY, NOW)


def test_a_decision_is_recorded_once_and_the_same_answer_again_changes_nothing() -> None:
    negotiation = proposed()
    first = negotiation.decide(ZORG, REJECT)
    assert first is not None and first.before is None and first.decision.kind is DecisionKind.REJECT
    assert negotiation.decide(ZORG, REJECT) is None
    changed = negotiation.decide(ZORG, ACCEPT)
    assert changed is not None and changed.decision is first.decision
    assert changed.before is not None and changed.before["kind"] == "reject"
    assert negotiation.answers() == {str(ZORG): ACCEPT}


def test_only_creditors_in_the_plan_decide_and_only_on_a_proposal() -> None:
    with pytest.raises(ForbiddenError):
        proposed().decide(uuid.UUID(int=99), ACCEPT)
    negotiation = Negotiation(case(), version(PlanStatus.DRAFT))
    with pytest.raises(ConflictError, match="is draft, not proposed"):
        negotiation.decide(ZORG, ACCEPT)


def test_silence_is_not_consent_and_reminders_go_to_the_silent_only() -> None:
    negotiation = proposed((ZORG, ACCEPT), (FISCUS, REJECT))
    assert negotiation.silent() == [ENERGIE]
    assert negotiation.remind() == [ENERGIE]


def test_the_deadline_reminder_goes_out_once_and_only_when_the_deadline_is_near() -> None:
    negotiation = proposed((ZORG, ACCEPT))
    assert negotiation.deadline_reminder(TODAY - dt.timedelta(days=5), 3, NOW) == [], "too early"
    assert negotiation.deadline_reminder(TODAY, 3, NOW) == [ENERGIE, FISCUS]
    assert negotiation.version.deadline_reminded_at == NOW
    assert negotiation.deadline_reminder(TODAY, 3, NOW) == [], "once per proposal"


def test_only_a_refusal_can_be_reopened_for_reconsideration() -> None:
    negotiation = proposed((ZORG, ACCEPT), (ENERGIE, REJECT))
    with pytest.raises(ConflictError, match="rejected or countered"):
        negotiation.reopen(ZORG)
    reopened = negotiation.reopen(ENERGIE)
    assert reopened.organisation_id == ENERGIE and negotiation.silent() == [ENERGIE, FISCUS]


def test_activation_needs_everyone_and_moves_case_and_version() -> None:
    negotiation = proposed()
    with pytest.raises(ConflictError, match="not agreed: Energie"):
        negotiation.activate(agreed(False), NOW)
    negotiation.activate(agreed(True), NOW)
    assert (negotiation.case.state, negotiation.version.status) == (CaseState.ACTIVE, PlanStatus.ACTIVE)
    assert negotiation.version.activated_at == NOW


@pytest.mark.parametrize("closed", [CaseState.WITHDRAWN, CaseState.FAILED, CaseState.COMPLETED])
def test_a_closed_case_refuses_every_move_naming_its_state(closed: CaseState) -> None:
    moves = [
        lambda n: n.decide(ZORG, Answer(DecisionKind.COUNTER, "", {"min_payment_cents": 5000})),
        lambda n: n.remind(),
        lambda n: n.reopen(ENERGIE),
        lambda n: n.activate(agreed(True), NOW),
    ]
    for move in moves:
        negotiation = proposed((ENERGIE, REJECT), state=closed)
        with pytest.raises(ConflictError, match=f"The case is {closed.value}: it is closed"):
            move(negotiation)
    with pytest.raises(ConflictError, match=f"The case is {closed.value}: it is closed"):
        Negotiation(case(closed), version()).propose(None, TODAY, NOW)
    assert proposed(state=closed).deadline_reminder(TODAY, 3, NOW) == [], "no automatic reminder either"


def test_the_case_refuses_moves_its_state_machine_does_not_allow() -> None:
    collecting = case(CaseState.COLLECTING)
    with pytest.raises(ConflictError, match="from there it can become planning, withdrawn, not active"):
        collecting.move_to(CaseState.ACTIVE)
    with pytest.raises(InvalidInputError):
        collecting.close(CaseState.PLANNING)
    collecting.close(CaseState.WITHDRAWN)
    with pytest.raises(ConflictError, match="withdrawn: it is closed"):
        collecting.plan_arrived()
    active = case(CaseState.ACTIVE)
    active.plan_arrived()
    assert active.state is CaseState.ACTIVE, "a new version does not stop the active plan"
