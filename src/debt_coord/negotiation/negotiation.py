"""One plan version's negotiation with its creditors: the rules, in plain code without a database.

The aggregate is the case, the version and the creditors' decisions on it. It decides which
moves are allowed (propose, decide, reopen, remind, activate) and changes the rows in memory;
the service loads it, asks it, and saves what it changed. The database settles the races
between versions (the service locks the case row and checks the version is still current).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from debt_coord.cases.models import Case
from debt_coord.kernel.errors import ConflictError, FieldError, ForbiddenError, InvalidInputError, Refusal
from debt_coord.kernel.snapshot import snapshot
from debt_coord.negotiation.acceptance import AcceptanceReport
from debt_coord.negotiation.models import Answer, Decision, DecisionKind
from debt_coord.planning.models import PlanStatus, PlanVersion

DEFAULT_RESPONSE_DAYS = 14


@dataclass(frozen=True)
class Change:
    """A decision as the aggregate left it, and its columns before (None: it is new)."""

    decision: Decision
    before: dict[str, Any] | None


class Negotiation:
    def __init__(self, case: Case, version: PlanVersion, decisions: Iterable[Decision] = ()) -> None:
        self.case, self.version = case, version
        self.decisions = {d.organisation_id: d for d in decisions}

    # --- what it is ---------------------------------------------------------------------

    @property
    def creditor_ids(self) -> frozenset[uuid.UUID]:
        return self.version.creditor_ids

    def silent(self) -> list[uuid.UUID]:
        """The creditors that have not answered (silence is not consent)."""
        return sorted(self.creditor_ids - set(self.decisions), key=str)

    def answers(self) -> dict[str, Answer]:
        return {str(organisation): d.answer for organisation, d in self.decisions.items()}

    def _require_open(self, action: str, status: PlanStatus = PlanStatus.PROPOSED) -> None:
        self.case.require_open(action)
        if self.version.status is not status:
            raise ConflictError(f"Plan version {self.version.number} is {self.version.status.value}, "
                                f"not {status.value}: you cannot {action} now.", code=Refusal.PLAN_VERSION_STATUS,
                                facts={"number": self.version.number, "status": self.version.status.value,
                                       "needed": status.value})

    # --- the counsellor's moves ---------------------------------------------------------

    def propose(self, deadline: dt.date | None, today: dt.date, now: dt.datetime) -> None:
        """Send the version to its creditors, with a deadline for their answers."""
        self.case.require_open("propose a plan")
        if self.version.infeasible:
            raise ConflictError("This version is infeasible; change the request and ask for a new plan.",
                                code=Refusal.PLAN_INFEASIBLE)
        self._require_open("propose it", PlanStatus.DRAFT)
        if deadline is not None and deadline <= today:
            raise InvalidInputError("The response deadline must be in the future.",
                                    [FieldError("/response_deadline", "must be after today")],
                                    code=Refusal.RESPONSE_DEADLINE_NOT_FUTURE)
        self.case.plan_proposed()
        self.version.status = PlanStatus.PROPOSED
        self.version.proposed_at = now
        self.version.response_deadline = deadline or today + dt.timedelta(days=DEFAULT_RESPONSE_DAYS)

    def remind(self) -> list[uuid.UUID]:
        """The creditors to remind now: those that have not answered."""
        self._require_open("send reminders")
        return self.silent()

    def deadline_reminder(self, today: dt.date, days_before: int, now: dt.datetime) -> list[uuid.UUID]:
        """Once per proposal, when the deadline is `days_before` days away or closer: the silent creditors."""
        version = self.version
        deadline = version.response_deadline
        if (self.case.closed or version.status is not PlanStatus.PROPOSED or version.deadline_reminded_at
                or deadline is None or not today <= deadline <= today + dt.timedelta(days=days_before)):
            return []
        silent = self.silent()
        if silent:
            version.deadline_reminded_at = now
        return silent

    def reopen(self, organisation_id: uuid.UUID) -> Decision:
        """Ask a refusing creditor to reconsider: its decision is taken back, so it can answer again."""
        self._require_open("ask a creditor to reconsider")
        decision = self.decisions.get(organisation_id)
        if decision is None or decision.kind is DecisionKind.ACCEPT:
            raise ConflictError("Only a creditor that rejected or countered this version can be asked to reconsider.",
                                [FieldError("/organisation_id", "has not refused this version")],
                                code=Refusal.RECONSIDER_NOT_REFUSED)
        del self.decisions[organisation_id]
        return decision

    def activate(self, report: AcceptanceReport, now: dt.datetime) -> None:
        """Every creditor agreed: the plan runs."""
        self._require_open("activate it")
        if not report.agreed:
            waiting = ", ".join(f"{r.creditor} ({r.answer})" for r in report.refusals)
            raise ConflictError(f"The plan is not agreed: {waiting}.", code=Refusal.PLAN_NOT_AGREED,
                                facts={"waiting": len(report.refusals),
                                       "creditors": ", ".join(r.creditor for r in report.refusals)})
        self.case.plan_agreed()
        self.version.status = PlanStatus.ACTIVE
        self.version.activated_at = now

    # --- the creditors' moves -----------------------------------------------------------

    def decide(self, organisation_id: uuid.UUID, answer: Answer, *, automatic: bool = False) -> Change | None:
        """Record a creditor's answer; None when it gave the same answer already (nothing changes)."""
        self._require_open("decide on it")
        if organisation_id not in self.creditor_ids:
            raise ForbiddenError("Only the creditors in this plan decide on it.", code=Refusal.NOT_A_CREDITOR_IN_PLAN)
        existing = self.decisions.get(organisation_id)
        if existing is not None and existing.answer == answer:
            return None
        before = snapshot(existing) if existing is not None else None
        if existing is None:
            existing = self.decisions[organisation_id] = Decision(
                plan_version_id=self.version.id, organisation_id=organisation_id, kind=answer.kind,
                reason=answer.reason, counter=answer.counter, automatic=automatic)
        else:
            existing.kind, existing.reason, existing.counter = answer.kind, answer.reason, answer.counter
            existing.automatic = automatic
        return Change(existing, before)
