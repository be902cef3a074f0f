"""Plan versions and their negotiation: ask for a plan, propose it, decide, activate.

A version is immutable once solved: it stores the exact PlanRequest and PlanProposal. Races
between a decision and a new version are settled in the database: every write that depends on
a version being the current proposal locks the case row (as the solve job does, so the two wait
for each other instead of deadlocking) and then does a conditional UPDATE of the version row,
so a decision can never land on a superseded plan.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from dateutil.relativedelta import relativedelta
from pydantic import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from debt_coord.domain.acceptance import (
    AcceptanceReport,
    PolicyCheck,
    PolicyTerms,
    acceptance_report,
    policy_checks,
    policy_shortfalls,
)
from debt_coord.domain.allocations import CreditorAllocation, allocations
from debt_coord.domain.case_states import State as CaseState
from debt_coord.domain.case_states import refusal
from debt_coord.domain.clock import today
from debt_coord.errors import ConflictError, FieldError, InvalidInputError, NotFoundError
from debt_coord.jobs import enqueue
from debt_coord.models import (
    AcceptancePolicy,
    AuditEvent,
    Case,
    Claim,
    Decision,
    DecisionKind,
    Job,
    Organisation,
    PlanStatus,
    PlanVersion,
    ReconsiderationRequest,
    Role,
)
from debt_coord.services import audit, webhooks
from debt_coord.services.actors import Actor
from debt_coord.services.cases import CaseScopedService, plan_income, require_role
from debt_coord.settings import Settings
from solver import solve
from solver.models import ClaimIn, PlanProposal, PlanRequest, Policy

SOLVE_PLAN = "solve_plan"
DEFAULT_RESPONSE_DAYS = 14
DEADLINE_REMINDER = "plan.deadline_reminder"
COUNTER_FIELDS = ("min_payment_cents", "fixed_installment_cents", "latest_end_date", "max_transfers")


def first_of_next_month(day: dt.date) -> dt.date:
    return (day + relativedelta(months=1)).replace(day=1)


@dataclass(frozen=True)
class LoadedPlan:
    version: PlanVersion
    case: Case

    @property
    def request(self) -> PlanRequest:
        return PlanRequest.model_validate(self.version.request)

    @property
    def proposal(self) -> PlanProposal:
        return PlanProposal.model_validate(self.version.proposal)

    @property
    def lines(self) -> list[CreditorAllocation]:
        return allocations(self.request, self.proposal, self.version.claim_owners)

    @property
    def creditor_ids(self) -> set[uuid.UUID]:
        return {uuid.UUID(owner) for owner in self.version.claim_owners.values()}


def _merge_counter(claim: dict[str, Any], counter: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(claim)
    for name in COUNTER_FIELDS:
        if counter.get(name) is not None:
            merged[name] = counter[name]
    return merged


def _policy_constraints(claim: dict[str, Any], terms: PolicyTerms, start: dt.date) -> dict[str, Any]:
    merged = dict(claim)
    if terms.min_payment_cents is not None:
        merged["min_payment_cents"] = max(terms.min_payment_cents, merged.get("min_payment_cents") or 0)
    if terms.max_term_months is not None:
        latest = start + relativedelta(months=terms.max_term_months) - dt.timedelta(days=1)
        current = merged.get("latest_end_date")
        merged["latest_end_date"] = min(latest, current) if current else latest
    return merged


def policy_terms(policy: AcceptancePolicy) -> PolicyTerms:
    return PolicyTerms(
        max_term_months=policy.max_term_months,
        min_percentage_bp=policy.min_percentage_bp,
        min_payment_cents=policy.min_payment_cents,
        rules=tuple(policy.rules) if policy.rules is not None else None,
    )


def _invalid_request(error: ValidationError) -> InvalidInputError:
    fields = [
        FieldError("/" + "/".join(str(part) for part in e["loc"]), e["msg"].removeprefix("Value error, "))
        for e in error.errors()
    ]
    return InvalidInputError("The case cannot be planned as it stands: see errors.", fields)


class PlanService(CaseScopedService[PlanVersion]):
    class Repo(SQLAlchemyAsyncRepository[PlanVersion]):
        model_type = PlanVersion

    repository_type = Repo



    # --- asking for a plan -------------------------------------------------------------

    async def request_plan(self, actor: Actor, case_id: uuid.UUID, options: dict[str, Any]) -> Job:
        """Snapshot the case into a PlanRequest and queue the solve; the version comes from the job."""
        case = await self.cases.find_own(actor, case_id, "ask for a plan")
        self._move(case, CaseState.PLANNING)
        counters = await self._counters(case, options.pop("apply_counters", None))
        request, owners = await self.snapshot(case, options, {c.organisation_id: c.counter or {} for c in counters},
                                              respect_policies=options.pop("respect_policies", False))
        job = await enqueue(
            self.session, kind=SOLVE_PLAN, actor=actor, case_id=case.id,
            payload={"case_id": str(case.id), "request": request.model_dump(mode="json", by_alias=True),
                     "claim_owners": owners, "applied_counters": [str(c.id) for c in counters]},
        )
        audit.record(self.session, actor, "plan.requested", job, case_id=case.id,
                     after={"job_id": str(job.id), "applied_counters": [str(c.id) for c in counters]})
        return job

    async def snapshot(
        self, case: Case, options: dict[str, Any], counters: Mapping[uuid.UUID, Mapping[str, Any]],
        *, respect_policies: bool = False,
    ) -> tuple[PlanRequest, dict[str, str]]:
        rows = (await self.session.execute(
            select(Claim, Organisation).join(Organisation, Organisation.id == Claim.organisation_id)
            .where(Claim.case_id == case.id).order_by(Claim.created_at, Claim.id)
        )).all()
        if not rows:
            raise InvalidInputError("The case has no claims yet: a plan needs at least one claim.")
        start = options.pop("start_date", None) or first_of_next_month(today())
        terms = await self._policies({org.id for _, org in rows}) if respect_policies else {}
        claims = []
        for claim, org in rows:
            data = {"id": str(claim.id), "creditor": org.name, "outstanding_cents": claim.total_cents,
                    "class": claim.claim_class.value, "min_payment_cents": claim.min_payment_cents}
            data = _merge_counter(data, counters.get(org.id, {}))
            if org.id in terms:
                data = _policy_constraints(data, terms[org.id], start)
            claims.append(ClaimIn.model_validate(data))
        months = options.pop("months", None) or 18
        try:
            request = PlanRequest(
                currency=case.currency, start_date=start, months=months, claims=claims,
                income=[plan_income(s) for s in await self.cases.income(case.id)],
                policy=Policy.model_validate({**options, "holidays": case.country}),
            )
        except ValidationError as error:
            raise _invalid_request(error) from None
        return request, {str(claim.id): str(org.id) for claim, org in rows}

    async def _counters(self, case: Case, wanted: list[uuid.UUID] | bool | None) -> list[Decision]:
        """The counter-proposals to apply: all open ones on the current proposal, or the listed ones."""
        if not wanted:
            return []
        current = await self.current_version(case.id)
        query = select(Decision).join(PlanVersion).where(
            PlanVersion.case_id == case.id, Decision.kind == DecisionKind.COUNTER
        )
        if wanted is True:
            query = query.where(Decision.plan_version_id == (current.id if current else None))
        else:
            query = query.where(Decision.id.in_(wanted))
        found = list((await self.session.execute(query)).scalars())
        if wanted is not True and len(found) != len(set(wanted)):
            missing = sorted(str(i) for i in set(wanted) - {d.id for d in found})
            raise InvalidInputError("Some counter-proposals are not on this case.",
                                    [FieldError("/apply_counters", f"unknown: {', '.join(missing)}")])
        return found

    async def _policies(self, organisation_ids: set[uuid.UUID]) -> dict[uuid.UUID, PolicyTerms]:
        query = select(AcceptancePolicy).where(AcceptancePolicy.organisation_id.in_(organisation_ids))
        return {p.organisation_id: policy_terms(p) for p in (await self.session.execute(query)).scalars()}

    def _move(self, case: Case, wanted: CaseState) -> None:
        if (reason := refusal(case.state, wanted)) is not None:
            raise ConflictError(reason)
        case.state = wanted

    # --- finding versions ---------------------------------------------------------------

    async def current_version(self, case_id: uuid.UUID) -> PlanVersion | None:
        query = select(PlanVersion).where(PlanVersion.case_id == case_id).order_by(PlanVersion.number.desc()).limit(1)
        found: PlanVersion | None = (await self.session.execute(query)).scalar_one_or_none()
        return found

    async def versions(self, actor: Actor, case_id: uuid.UUID) -> list[PlanVersion]:
        case = await self.cases.find_visible(actor, case_id)
        query = select(PlanVersion).where(PlanVersion.case_id == case.id).order_by(PlanVersion.number)
        found = list((await self.session.execute(query)).scalars())
        if actor.is_counsellor:
            return found
        return [v for v in found if v.status is not PlanStatus.DRAFT and str(actor.organisation_id)
                in v.claim_owners.values()]

    async def find_visible(self, actor: Actor, plan_id: uuid.UUID) -> LoadedPlan:
        """Counsellors see their cases' versions; a creditor sees the proposed versions it is part of."""
        version = await self.get_one_or_none(id=plan_id)
        if version is not None:
            case = await self.session.get(Case, version.case_id)
            assert case is not None
            loaded = LoadedPlan(version, case)
            if actor.is_counsellor and case.organisation_id == actor.organisation_id:
                return loaded
            if (actor.is_creditor and version.status is not PlanStatus.DRAFT
                    and actor.organisation_id in loaded.creditor_ids):
                return loaded
        raise NotFoundError(f"No plan {plan_id}.")

    async def find_own(self, actor: Actor, plan_id: uuid.UUID, action: str) -> LoadedPlan:
        loaded = await self.find_visible(actor, plan_id)
        require_role(actor, actor.is_counsellor, action)
        return loaded

    # --- proposing, activating, closing -------------------------------------------------

    async def _lock_current(self, loaded: LoadedPlan, *statuses: PlanStatus) -> None:
        """Claim the version row for this transaction, if it is still the case's current one in `statuses`.

        The case row is locked first, as the solve job does, so that a decision racing a new version waits for it
        instead of deadlocking against it.
        """
        number, case_id = loaded.version.number, loaded.case.id
        await self.session.get(Case, case_id, with_for_update=True, populate_existing=True)
        current = await self.current_version(case_id)
        bumped = await self.session.execute(
            update(PlanVersion)
            .where(PlanVersion.id == loaded.version.id, PlanVersion.status.in_(statuses))
            .values(version=PlanVersion.version + 1)
            .execution_options(synchronize_session=False)
        )
        if current is None or current.id != loaded.version.id or bumped.rowcount != 1:  # type: ignore[attr-defined]
            await self.session.rollback()
            latest = await self.current_version(case_id)
            now = f"{latest.number} ({latest.status.value}, id {latest.id})" if latest else "none"
            raise ConflictError(f"Plan version {number} is no longer open for this: the current version is {now}.")
        await self.session.refresh(loaded.version)

    async def propose(self, actor: Actor, plan_id: uuid.UUID, deadline: dt.date | None) -> LoadedPlan:
        loaded = await self.find_own(actor, plan_id, "propose a plan")
        if loaded.version.solver_status == "infeasible":
            raise ConflictError("This version is infeasible; change the request and ask for a new plan.")
        await self._lock_current(loaded, PlanStatus.DRAFT)
        if deadline is not None and deadline <= today():
            raise InvalidInputError("The response deadline must be in the future.",
                                    [FieldError("/response_deadline", "must be after today")])
        self._move(loaded.case, CaseState.PROPOSED)
        version = loaded.version
        version.status = PlanStatus.PROPOSED
        version.proposed_at = dt.datetime.now(dt.UTC)
        version.response_deadline = deadline or today() + dt.timedelta(days=DEFAULT_RESPONSE_DAYS)
        audit.record(self.session, actor, "plan.proposed", version, case_id=loaded.case.id,
                     after={"number": version.number, "response_deadline": version.response_deadline.isoformat()})
        await webhooks.emit(self.session, organisation_ids=loaded.creditor_ids, event_type="plan.proposed",
                            data=self._event(loaded))
        await self._accept_by_policy(loaded)
        return loaded

    async def _accept_by_policy(self, loaded: LoadedPlan) -> None:
        terms = await self._policies(loaded.creditor_ids)
        proposal, request = loaded.proposal, loaded.request
        for line in loaded.lines:
            policy = terms.get(uuid.UUID(line.organisation_id))
            if policy is None or policy_shortfalls(policy, request, line, proposal.payments):
                continue
            system = Actor(uuid.UUID(line.organisation_id), Role.CREDITOR, f"{line.creditor} (acceptance policy)")
            await self._record(loaded, system, DecisionKind.ACCEPT, "Meets our published acceptance policy.",
                               None, automatic=True)

    async def activate(self, actor: Actor, plan_id: uuid.UUID) -> LoadedPlan:
        loaded = await self.find_own(actor, plan_id, "activate a plan")
        await self._lock_current(loaded, PlanStatus.PROPOSED)
        report = await self._report(loaded)
        if not report.agreed:
            waiting = ", ".join(f"{r.creditor} ({r.answer})" for r in report.refusals)
            raise ConflictError(f"The plan is not agreed: {waiting}.")
        self._move(loaded.case, CaseState.ACTIVE)
        previous = await self.session.execute(
            update(PlanVersion).where(PlanVersion.case_id == loaded.case.id, PlanVersion.status == PlanStatus.ACTIVE)
            .values(status=PlanStatus.SUPERSEDED, version=PlanVersion.version + 1)
            .execution_options(synchronize_session=False)
        )
        loaded.version.status = PlanStatus.ACTIVE
        loaded.version.activated_at = dt.datetime.now(dt.UTC)
        audit.record(self.session, actor, "plan.activated", loaded.version, case_id=loaded.case.id,
                     after={"number": loaded.version.number,
                            "replaced_active": bool(previous.rowcount)})  # type: ignore[attr-defined]
        await webhooks.emit(self.session, organisation_ids=loaded.creditor_ids, event_type="plan.activated",
                            data=self._event(loaded))
        return loaded

    async def close_case(self, actor: Actor, case_id: uuid.UUID, state: CaseState, reason: str) -> Case:
        case = await self.cases.find_own(actor, case_id, "close a case")
        before = case.state
        self._move(case, state)
        audit.record(self.session, actor, f"case.{state.value}", case, case_id=case.id,
                     before={"state": before.value}, after={"state": state.value, "reason": reason})
        await self.session.flush()
        return case

    def _event(self, loaded: LoadedPlan) -> dict[str, Any]:
        return {"case_id": str(loaded.case.id), "case_reference": loaded.case.reference,
                "plan_id": str(loaded.version.id), "number": loaded.version.number,
                "status": loaded.version.status.value,
                "response_deadline": loaded.version.response_deadline.isoformat()
                if loaded.version.response_deadline else None}

    # --- decisions ----------------------------------------------------------------------

    async def decide(
        self, actor: Actor, plan_id: uuid.UUID, kind: DecisionKind, reason: str, counter: dict[str, Any] | None
    ) -> tuple[Decision, bool]:
        """Record a creditor's answer on the current proposal; (decision, changed). Same answer twice: no change."""
        loaded = await self.find_visible(actor, plan_id)
        require_role(actor, actor.is_creditor, "decide on a plan")
        await self._lock_current(loaded, PlanStatus.PROPOSED)
        return await self._record(loaded, actor, kind, reason, counter)

    async def _record(
        self, loaded: LoadedPlan, actor: Actor, kind: DecisionKind, reason: str, counter: dict[str, Any] | None,
        *, automatic: bool = False,
    ) -> tuple[Decision, bool]:
        existing = await self._decision(loaded.version.id, actor.organisation_id)
        answer = {"kind": kind.value, "reason": reason, "counter": counter}
        if existing is not None and self._answer(existing) == answer:
            return existing, False
        before = audit.snapshot(existing) if existing else None
        if existing is None:
            existing = Decision(plan_version_id=loaded.version.id, organisation_id=actor.organisation_id,
                                kind=kind, reason=reason, counter=counter, automatic=automatic)
            self.session.add(existing)
        else:
            existing.kind, existing.reason, existing.counter, existing.automatic = kind, reason, counter, automatic
        await self.session.flush()
        audit.record(self.session, actor, "decision.recorded", existing, case_id=loaded.case.id,
                     before=before, after=audit.snapshot(existing))
        await webhooks.emit(self.session, organisation_ids=[loaded.case.organisation_id],
                            event_type="decision.recorded",
                            data={**self._event(loaded), "creditor_organisation_id": str(actor.organisation_id),
                                  "decision": kind.value, "automatic": automatic})
        return existing, True

    @staticmethod
    def _answer(decision: Decision) -> dict[str, Any]:
        return {"kind": decision.kind.value, "reason": decision.reason, "counter": decision.counter}

    async def _decision(self, plan_version_id: uuid.UUID, organisation_id: uuid.UUID) -> Decision | None:
        query = select(Decision).where(Decision.plan_version_id == plan_version_id,
                                       Decision.organisation_id == organisation_id)
        found: Decision | None = (await self.session.execute(query)).scalar_one_or_none()
        return found

    async def decisions(self, plan_version_id: uuid.UUID) -> list[Decision]:
        query = select(Decision).where(Decision.plan_version_id == plan_version_id).order_by(Decision.created_at)
        return list((await self.session.execute(query)).scalars())

    async def reconsider(self, actor: Actor, plan_id: uuid.UUID, organisation_id: uuid.UUID, reason: str) -> None:
        """The counsellor's reasoned ask to a refusing creditor: its decision is reopened."""
        loaded = await self.find_own(actor, plan_id, "ask for reconsideration")
        await self._lock_current(loaded, PlanStatus.PROPOSED)
        decision = await self._decision(loaded.version.id, organisation_id)
        if decision is None or decision.kind is DecisionKind.ACCEPT:
            raise ConflictError("Only a creditor that rejected or countered this version can be asked to reconsider.",
                                [FieldError("/organisation_id", "has not refused this version")])
        ask = ReconsiderationRequest(plan_version_id=loaded.version.id, organisation_id=organisation_id,
                                     reason=reason, previous_decision=audit.snapshot(decision))
        self.session.add(ask)
        audit.record(self.session, actor, "decision.reopened", decision, case_id=loaded.case.id,
                     before=audit.snapshot(decision), after={"reconsideration": reason})
        await self.session.delete(decision)
        await self.session.flush()
        await webhooks.emit(self.session, organisation_ids=[organisation_id], event_type="plan.reminder",
                            data={**self._event(loaded), "reconsideration": reason})

    async def remind(self, actor: Actor, plan_id: uuid.UUID) -> list[str]:
        """Remind the creditors that have not answered; returns their organisation ids."""
        loaded = await self.find_own(actor, plan_id, "send reminders")
        if loaded.version.status is not PlanStatus.PROPOSED:
            raise ConflictError(f"Plan version {loaded.version.number} is {loaded.version.status.value}, not proposed.")
        silent = await self._silent(loaded)
        if silent:
            await webhooks.emit(self.session, organisation_ids=silent, event_type="plan.reminder",
                                data=self._event(loaded))
            audit.record(self.session, actor, "plan.reminded", loaded.version, case_id=loaded.case.id,
                         after={"organisations": [str(o) for o in silent]})
        return [str(o) for o in silent]

    async def _silent(self, loaded: LoadedPlan) -> list[uuid.UUID]:
        answered = {d.organisation_id for d in await self.decisions(loaded.version.id)}
        return sorted(loaded.creditor_ids - answered, key=str)

    async def remind_before_deadline(self, version_id: uuid.UUID, case_id: uuid.UUID) -> bool:
        """One automatic reminder per proposal to the creditors that have not answered; False if not (yet) due.

        The case row is taken with SKIP LOCKED, in the same order as every other plan write: a second
        loop, or a solve in progress, makes this round skip the proposal rather than wait or deadlock.
        """
        lock = select(Case).where(Case.id == case_id).with_for_update(skip_locked=True)
        case = (await self.session.execute(lock)).scalar_one_or_none()
        version = await self.session.get(PlanVersion, version_id, populate_existing=True)
        if case is None or version is None or version.status is not PlanStatus.PROPOSED:
            return False
        done = select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == DEADLINE_REMINDER, AuditEvent.target_id == str(version_id))
        loaded = LoadedPlan(version, case)
        silent = await self._silent(loaded)
        if await self.session.scalar(done) or not silent:
            return False
        await webhooks.emit(self.session, organisation_ids=silent, event_type="plan.reminder",
                            data={**self._event(loaded), "reason": "response_deadline"})
        system = Actor(case.organisation_id, Role.COUNSELLOR, "debt-coord (response deadline reminder)")
        audit.record(self.session, system, DEADLINE_REMINDER, version, case_id=case.id,
                     after={"organisations": [str(o) for o in silent],
                            "response_deadline": _iso(version.response_deadline)})
        return True

    async def policy_checks(self, loaded: LoadedPlan) -> list[PolicyCheck]:
        """The version against each creditor's published acceptance policy, naming those that block agreement."""
        terms = await self._policies(loaded.creditor_ids)
        return policy_checks({str(org): t for org, t in terms.items()}, loaded.request, loaded.lines, loaded.proposal)

    async def _report(self, loaded: LoadedPlan) -> AcceptanceReport:
        answers = {str(d.organisation_id): (d.kind.value, d.reason) for d in await self.decisions(loaded.version.id)}
        return acceptance_report(loaded.lines, answers, loaded.proposal)

    async def acceptance(self, actor: Actor, plan_id: uuid.UUID) -> tuple[LoadedPlan, AcceptanceReport]:
        loaded = await self.find_own(actor, plan_id, "see who accepted")
        return loaded, await self._report(loaded)

    async def what_if(
        self, actor: Actor, plan_id: uuid.UUID, counters: Mapping[uuid.UUID, Mapping[str, Any]]
    ) -> tuple[LoadedPlan, PlanRequest, PlanProposal]:
        """Solve the version's own request with these counters applied, without creating a version."""
        loaded = await self.find_own(actor, plan_id, "try a what-if")
        unknown = set(counters) - loaded.creditor_ids
        if unknown:
            raise InvalidInputError("Counters can only be tried for creditors in this plan.",
                                    [FieldError("/counters", f"not in the plan: {', '.join(map(str, unknown))}")])
        base = loaded.request
        owners = loaded.version.claim_owners
        claims = [
            ClaimIn.model_validate(_merge_counter(claim.model_dump(by_alias=True), counters.get(owner, {})))
            for claim in base.claims
            for owner in [uuid.UUID(owners[claim.id])]
        ]
        request = base.model_copy(update={"claims": claims})
        proposal = await asyncio.to_thread(solve, request)
        return loaded, request, proposal


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


class DeadlineReminders:
    """A chore of the webhook delivery loop: remind silent creditors when a response deadline nears."""

    def __init__(self, settings: Settings) -> None:
        self.days_before = settings.reminder_days_before_deadline
        self.every = settings.reminder_check_seconds
        self.last_run: float | None = None

    async def __call__(self, session_factory: async_sessionmaker[AsyncSession]) -> int:
        if self.last_run is not None and time.monotonic() - self.last_run < self.every:
            return 0
        self.last_run = time.monotonic()
        day = today()
        async with session_factory() as session:
            due = (await session.execute(
                select(PlanVersion.id, PlanVersion.case_id).where(
                    PlanVersion.status == PlanStatus.PROPOSED, PlanVersion.response_deadline >= day,
                    PlanVersion.response_deadline <= day + dt.timedelta(days=self.days_before))
            )).all()
        sent = 0
        for version_id, case_id in due:
            async with session_factory() as session:
                if await PlanService(session=session).remind_before_deadline(version_id, case_id):
                    await session.commit()
                    sent += 1
        return sent


async def solve_plan_job(services: Any, job: Job) -> dict[str, Any]:
    """The work of a `solve_plan` job: solve the snapshotted request and store it as the next version.

    Runs in the job's transaction; the runner commits the version and the job's success together.
    """
    request = PlanRequest.model_validate(job.payload["request"])
    proposal = await asyncio.to_thread(solve, request)
    session: AsyncSession = services.session
    case = await session.get(Case, job.case_id, with_for_update=True)
    if case is None:
        raise InvalidInputError("The case of this plan request no longer exists.")
    number = (await session.scalar(select(func.max(PlanVersion.number)).where(PlanVersion.case_id == case.id)) or 0) + 1
    superseded = await _supersede_open_versions(session, case.id)
    version = PlanVersion(
        case_id=case.id, number=number, solver_status=proposal.status,
        request=job.payload["request"], proposal=proposal.model_dump(mode="json"),
        claim_owners=job.payload["claim_owners"], applied_counters=job.payload.get("applied_counters", []),
        created_by=job.requested_by,
    )
    session.add(version)
    if case.state in (CaseState.PROPOSED, CaseState.COLLECTING):
        case.state = CaseState.PLANNING
    await session.flush()
    actor = Actor(job.organisation_id or case.organisation_id, Role.COUNSELLOR, job.requested_by, job.api_key_id)
    audit.record(session, actor, "plan.created", version, case_id=case.id,
                 after={"number": number, "solver_status": proposal.status,
                        "total_paid_cents": proposal.metrics.total_paid_cents,
                        "superseded": [old.number for old in superseded]})
    for old in superseded:
        if old.was_proposed:
            await webhooks.emit(session, organisation_ids=old.creditor_ids, event_type="plan.superseded",
                                data={"case_id": str(case.id), "plan_id": str(old.id), "number": old.number,
                                      "superseded_by": str(version.id)})
    return {"plan_id": str(version.id), "number": number, "solver_status": proposal.status}


@dataclass(frozen=True)
class Superseded:
    id: uuid.UUID
    number: int
    was_proposed: bool
    creditor_ids: frozenset[uuid.UUID]


async def _supersede_open_versions(session: AsyncSession, case_id: uuid.UUID) -> list[Superseded]:
    """Drafts and proposals of the case end when a new version arrives; an active plan runs on until replaced."""
    open_statuses = [PlanStatus.DRAFT, PlanStatus.PROPOSED]
    rows = (await session.execute(
        select(PlanVersion.id, PlanVersion.number, PlanVersion.status, PlanVersion.claim_owners)
        .where(PlanVersion.case_id == case_id, PlanVersion.status.in_(open_statuses))
        .with_for_update()
    )).all()
    await session.execute(
        update(PlanVersion).where(PlanVersion.id.in_([row.id for row in rows]))
        .values(status=PlanStatus.SUPERSEDED, version=PlanVersion.version + 1)
        .execution_options(synchronize_session=False)
    )
    return [
        Superseded(row.id, row.number, row.status is PlanStatus.PROPOSED,
                   frozenset(uuid.UUID(o) for o in row.claim_owners.values()))
        for row in rows
    ]
