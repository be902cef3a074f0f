"""Negotiation use cases: propose a version, the creditors' decisions, reminders, reconsideration, activation.

Each loads the case, the version and its decisions into a `Negotiation`, asks it, saves what it
changed and records the events; the webhooks and the audit trail follow from those events.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import select, update

from debt_coord.kernel.actors import Actor, Role, require_role
from debt_coord.kernel.clock import today
from debt_coord.kernel.errors import ConflictError, Refusal
from debt_coord.kernel.events import EventKind, event
from debt_coord.kernel.paging import Page, PageRequest, fetch_page
from debt_coord.kernel.service import Service
from debt_coord.kernel.snapshot import snapshot
from debt_coord.negotiation.acceptance import AcceptanceReport, PolicyCheck, acceptance_report, policy_checks
from debt_coord.negotiation.acceptance import policy_shortfalls as shortfalls
from debt_coord.negotiation.models import Answer, Decision, DecisionKind, ReconsiderationRequest
from debt_coord.negotiation.negotiation import Change, Negotiation
from debt_coord.negotiation.policies import published_terms
from debt_coord.planning.models import PlanStatus, PlanVersion
from debt_coord.planning.service import LoadedPlan, PlanService
from debt_coord.planning.variations import within_tolerance


def plan_message(loaded: LoadedPlan) -> dict[str, Any]:
    """What the creditors' and counsellors' systems are told about a version (webhook data)."""
    version = loaded.version
    return {"case_id": str(loaded.case.id), "case_reference": loaded.case.reference,
            "plan_id": str(version.id), "number": version.number, "status": version.status.value,
            "response_deadline": version.response_deadline.isoformat() if version.response_deadline else None}


class NegotiationService(Service[Decision]):
    class Repo(SQLAlchemyAsyncRepository[Decision]):
        model_type = Decision

    repository_type = Repo

    @property
    def plans(self) -> PlanService:
        return PlanService(self.uow)

    async def decisions(self, plan_version_id: uuid.UUID) -> list[Decision]:
        query = select(Decision).where(Decision.plan_version_id == plan_version_id).order_by(Decision.created_at)
        return list((await self.session.execute(query)).scalars())

    async def visible_decisions(self, actor: Actor, plan_id: uuid.UUID, page: PageRequest) -> Page[Decision]:
        """A page of the decisions in the order made: the counsellor sees every creditor's, a creditor its own."""
        loaded = await self.plans.find_visible(actor, plan_id)
        query = select(Decision).where(Decision.plan_version_id == loaded.version.id)
        if not actor.is_counsellor:
            query = query.where(Decision.organisation_id == actor.organisation_id)
        return await fetch_page(self.session, query, (Decision.created_at, Decision.id), page)

    async def negotiation(self, loaded: LoadedPlan) -> Negotiation:
        return Negotiation(loaded.case, loaded.version, await self.decisions(loaded.version.id))

    async def _locked(self, actor: Actor, plan_id: uuid.UUID, action: str, status: PlanStatus,
                      *, counsellor: bool = True, number: int | None = None) -> tuple[LoadedPlan, Negotiation]:
        """The version and its negotiation, the version row held for this transaction while it is current."""
        loaded = await self.plans.find_visible(actor, plan_id)
        if number is not None and number != loaded.version.number:
            raise ConflictError(f"This plan is version {loaded.version.number}, not {number}.",
                                code=Refusal.PLAN_VERSION_MISMATCH,
                                facts={"number": loaded.version.number, "sent": number})
        require_role(actor, actor.is_counsellor if counsellor else actor.is_creditor, action)
        loaded.case.require_open(action)
        await self.plans.lock_current(loaded, status)
        return loaded, await self.negotiation(loaded)

    # --- the counsellor's moves ---------------------------------------------------------

    async def propose(self, actor: Actor, plan_id: uuid.UUID, deadline: dt.date | None) -> LoadedPlan:
        loaded = await self.plans.find_own(actor, plan_id, "propose a plan")
        loaded.case.require_open("propose a plan")
        await self.plans.lock_current(loaded, PlanStatus.DRAFT)
        negotiation = await self.negotiation(loaded)
        negotiation.propose(deadline, today(), dt.datetime.now(dt.UTC))
        version = loaded.version
        await self.session.flush()
        self.record(event(EventKind.PLAN_PROPOSED, actor, version, case_id=loaded.case.id,
                          after={"number": version.number, "response_deadline": version.response_deadline.isoformat()
                                 if version.response_deadline else None},
                          told=loaded.creditor_ids, message=plan_message(loaded)))
        await self._accept_by_policy(loaded, negotiation)
        await self.uow.commit()
        return loaded

    async def _accept_by_policy(self, loaded: LoadedPlan, negotiation: Negotiation) -> None:
        """Creditors whose published policy this version meets accept at once, recorded as automatic. A variation
        is measured by the policy's tolerance against the agreed plan instead (a policy without one decides itself)."""
        terms = await published_terms(self.session, loaded.creditor_ids)
        varied = await self.plans.variation_changes(loaded)
        proposal, request = loaded.proposal, loaded.request
        for line in loaded.lines:
            policy = terms.get(uuid.UUID(line.organisation_id))
            if policy is None:
                continue
            if varied is None:
                if shortfalls(policy, request, line, proposal.payments):
                    continue
                reason = "Meets our published acceptance policy."
            else:
                change = next(c for c in varied if c.organisation_id == line.organisation_id)
                if policy.variation_tolerance_bp is None or not within_tolerance(change, policy.variation_tolerance_bp):
                    continue
                reason = "A variation within our published tolerance."
            system = Actor(uuid.UUID(line.organisation_id), Role.CREDITOR, f"{line.creditor} (acceptance policy)")
            answer = Answer(DecisionKind.ACCEPT, reason)
            await self._save(loaded, system, negotiation.decide(system.organisation_id, answer, automatic=True))

    async def remind(self, actor: Actor, plan_id: uuid.UUID) -> list[uuid.UUID]:
        """Remind the creditors that have not answered; returns their organisation ids."""
        loaded = await self.plans.find_own(actor, plan_id, "send reminders")
        silent = (await self.negotiation(loaded)).remind()
        if silent:
            self.record(event(EventKind.CREDITORS_REMINDED, actor, loaded.version, case_id=loaded.case.id,
                              after={"organisations": [str(o) for o in silent]},
                              told=silent, message=plan_message(loaded)))
            await self.uow.commit()
        return silent

    async def reconsider(self, actor: Actor, plan_id: uuid.UUID, organisation_id: uuid.UUID, reason: str) -> None:
        """The counsellor's reasoned ask to a refusing creditor: its decision is reopened."""
        loaded, negotiation = await self._locked(actor, plan_id, "ask for reconsideration", PlanStatus.PROPOSED)
        decision = negotiation.reopen(organisation_id)
        self.session.add(ReconsiderationRequest(plan_version_id=loaded.version.id, organisation_id=organisation_id,
                                                reason=reason, previous_decision=snapshot(decision)))
        self.record(event(EventKind.DECISION_REOPENED, actor, decision, case_id=loaded.case.id,
                          before=snapshot(decision), after={"reconsideration": reason},
                          told=[organisation_id], message={**plan_message(loaded), "reconsideration": reason}))
        await self.session.delete(decision)
        await self.uow.commit()

    async def activate(self, actor: Actor, plan_id: uuid.UUID) -> LoadedPlan:
        loaded, negotiation = await self._locked(actor, plan_id, "activate a plan", PlanStatus.PROPOSED)
        negotiation.activate(self.report(loaded, negotiation), dt.datetime.now(dt.UTC))
        replaced = await self.session.execute(
            update(PlanVersion).where(PlanVersion.case_id == loaded.case.id, PlanVersion.status == PlanStatus.ACTIVE,
                                      PlanVersion.id != loaded.version.id)
            .values(status=PlanStatus.SUPERSEDED, version=PlanVersion.version + 1)
            .execution_options(synchronize_session=False)
        )
        await self.session.flush()
        self.record(event(EventKind.PLAN_ACTIVATED, actor, loaded.version, case_id=loaded.case.id,
                          after={"number": loaded.version.number,
                                 "replaced_active": bool(replaced.rowcount)},  # type: ignore[attr-defined]
                          told=loaded.creditor_ids, message=plan_message(loaded)))
        await self.uow.commit()
        return loaded

    # --- the creditors' moves -----------------------------------------------------------

    async def decide(self, actor: Actor, plan_id: uuid.UUID, number: int, answer: Answer) -> tuple[Decision, bool]:
        """Record a creditor's answer on the current proposal `number`; (decision, changed)."""
        loaded, negotiation = await self._locked(actor, plan_id, "decide on a plan", PlanStatus.PROPOSED,
                                                 counsellor=False, number=number)
        change = negotiation.decide(actor.organisation_id, answer)
        if change is None:
            return negotiation.decisions[actor.organisation_id], False
        await self._save(loaded, actor, change)
        await self.uow.commit()
        return change.decision, True

    async def _save(self, loaded: LoadedPlan, actor: Actor, change: Change | None) -> None:
        if change is None:
            return
        self.session.add(change.decision)
        await self.session.flush()
        decision = change.decision
        self.record(event(EventKind.DECISION_RECORDED, actor, decision, case_id=loaded.case.id,
                          before=change.before, after=snapshot(decision), told=[loaded.case.organisation_id],
                          message={**plan_message(loaded), "creditor_organisation_id": str(actor.organisation_id),
                                   "decision": decision.kind.value, "automatic": decision.automatic}))

    # --- what the counsellor reads ------------------------------------------------------

    def report(self, loaded: LoadedPlan, negotiation: Negotiation) -> AcceptanceReport:
        return acceptance_report(loaded.lines, negotiation.answers(), loaded.proposal)

    async def acceptance(self, actor: Actor, plan_id: uuid.UUID) -> tuple[LoadedPlan, AcceptanceReport]:
        loaded = await self.plans.find_own(actor, plan_id, "see who accepted")
        return loaded, self.report(loaded, await self.negotiation(loaded))

    async def policy_checks(self, loaded: LoadedPlan) -> list[PolicyCheck]:
        """The version against each creditor's published acceptance policy, naming those that block agreement."""
        terms = await published_terms(self.session, loaded.creditor_ids)
        return policy_checks({str(org): t for org, t in terms.items()}, loaded.request, loaded.lines, loaded.proposal)
