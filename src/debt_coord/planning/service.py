"""Planning: ask for a plan (a snapshot of the case, solved by a job), find versions, try a what-if.

A version is immutable once solved: it stores the exact PlanRequest and PlanProposal. Writes
that depend on a version being the case's current one lock the case row first (as the solve job
does, so the two wait for each other instead of deadlocking), then bump the version row with a
conditional UPDATE (`lock_current`), so nothing lands on a version that was superseded meanwhile.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from dateutil.relativedelta import relativedelta
from pydantic import ValidationError
from sqlalchemy import select, update

from debt_coord.cases.models import Case, Claim, PaymentRoute
from debt_coord.cases.service import CaseScopedService, income_kinds, plan_income
from debt_coord.cases.states import CaseState
from debt_coord.jobs.models import Job, JobKind
from debt_coord.jobs.store import enqueue
from debt_coord.kernel.actors import Actor, require_role
from debt_coord.kernel.clock import today
from debt_coord.kernel.errors import (
    ConflictError,
    FieldError,
    InvalidInputError,
    NotFoundError,
    Refusal,
    field_errors,
)
from debt_coord.kernel.events import EventKind, event
from debt_coord.kernel.paging import Page, PageRequest, fetch_page
from debt_coord.negotiation.acceptance import PolicyTerms
from debt_coord.negotiation.models import Decision, DecisionKind
from debt_coord.negotiation.policies import published_terms
from debt_coord.organisations.models import Organisation
from debt_coord.planning import varying
from debt_coord.planning.accounts import Payee, shared_accounts
from debt_coord.planning.allocations import CreditorAllocation, allocations
from debt_coord.planning.models import PlanStatus, PlanVersion
from debt_coord.planning.options import COUNTER_FIELDS, PlanOptions
from debt_coord.planning.variations import Carried, CreditorChange, changes
from solver import solve
from solver.models import ClaimIn, PlanProposal, PlanRequest


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
    def creditor_ids(self) -> frozenset[uuid.UUID]:
        return self.version.creditor_ids


def merge_counter(claim: dict[str, Any], counter: Mapping[str, Any]) -> dict[str, Any]:
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


class PlanService(CaseScopedService[PlanVersion]):
    class Repo(SQLAlchemyAsyncRepository[PlanVersion]):
        model_type = PlanVersion

    repository_type = Repo

    # --- asking for a plan -------------------------------------------------------------

    async def request_plan(self, actor: Actor, case_id: uuid.UUID, options: PlanOptions) -> Job:
        """Snapshot the case into a PlanRequest and queue the solve; the version comes from the job."""
        case = await self.cases.find_own(actor, case_id, "ask for a plan")
        varies = case.state is CaseState.ACTIVE  # a plan asked for on a running one varies it
        if not varies:
            case.move_to(CaseState.PLANNING)
        counters = await self._counters(case, options.apply_counters)
        by_creditor = {c.organisation_id: c.counter or {} for c in counters}
        carried = None
        if varies:
            request, owners, carried = await self.variation(case, options, by_creditor)
        else:
            request, owners = await self.snapshot(case, options, by_creditor)
        applied = [str(c.id) for c in counters]
        job = await enqueue(
            self.uow, kind=JobKind.SOLVE_PLAN, actor=actor, case_id=case.id,
            payload={"case_id": str(case.id), "request": request.model_dump(mode="json", by_alias=True),
                     "claim_owners": owners, "applied_counters": applied,
                     "income_kinds": income_kinds(await self.cases.income(case.id)),
                     "varies": carried.as_json() if carried is not None else None},
        )
        self.record(event(EventKind.PLAN_REQUESTED, actor, job, case_id=case.id,
                          after={"job_id": str(job.id), "applied_counters": applied,
                                 "varies": carried.number if carried is not None else None}))
        await self.uow.commit()
        return job

    async def snapshot(
        self, case: Case, options: PlanOptions, counters: Mapping[uuid.UUID, Mapping[str, Any]],
    ) -> tuple[PlanRequest, dict[str, str]]:
        rows = (await self.session.execute(
            select(Claim, Organisation).join(Organisation, Organisation.id == Claim.organisation_id)
            .where(Claim.case_id == case.id).order_by(Claim.created_at, Claim.id)
        )).all()
        if not rows:
            raise InvalidInputError("The case has no claims yet: a plan needs at least one claim.",
                                    code=Refusal.PLAN_NEEDS_CLAIMS)
        start = options.start_date or first_of_next_month(today())
        terms = await published_terms(self.session, {org.id for _, org in rows}) if options.respect_policies else {}
        claims = []
        # Paying directly, a creditor's claims to one IBAN travel as one transfer on a date (ClaimIn.account); via
        # the counsellor each claim is its own payout transfer.
        accounts = shared_accounts([Payee(str(claim.id), str(org.id), "".join(claim.iban.split()).upper(),
                                          claim.payment_reference) for claim, org in rows
                                    if case.payment_route is PaymentRoute.DIRECT])
        for claim, org in rows:
            data = {"id": str(claim.id), "creditor": org.name, "outstanding_cents": claim.total_cents,
                    "class": claim.claim_class.value, "min_payment_cents": claim.min_payment_cents,
                    "account": accounts.get(str(claim.id))}
            data = merge_counter(data, counters.get(org.id, {}))
            if org.id in terms:
                data = _policy_constraints(data, terms[org.id], start)
            claims.append(data)
        try:  # what the engine refuses (a claim or the claims together over its limit) is a 422 now, not a failed job
            request = PlanRequest.model_validate({
                "currency": case.currency, "start_date": start, "months": options.months or 18, "claims": claims,
                "income": [plan_income(s) for s in await self.cases.income(case.id)],
                "policy": {**options.policy_overrides(), "holidays": case.country,
                           "payout_day_of_month": await self._payout_day(case)},
            })
        except ValidationError as error:
            raise InvalidInputError("The case cannot be planned as it stands: see errors.",
                                    field_errors(error), code=Refusal.PLAN_REQUEST_INVALID) from None
        return request, {str(claim.id): str(org.id) for claim, org in rows}

    async def variation(
        self, case: Case, options: PlanOptions, counters: Mapping[uuid.UUID, Mapping[str, Any]],
    ) -> tuple[PlanRequest, dict[str, str], Carried]:
        """The rest of the active plan from the next start of a month (or `options.start_date`), from the ledger's
        state and the income as it is now; `options.months` is then the term that is left (default: as agreed)."""
        request, version, carried = await varying.variation_request(
            self.session, case, await self.cases.income(case.id), options.start_date, today())
        owners = version.claim_owners
        claims = [merge_counter(c.model_dump(by_alias=True), counters.get(uuid.UUID(owners[c.id]), {}))
                  for c in request.claims]
        policy = {**request.policy.model_dump(), **options.policy_overrides()}
        try:
            request = PlanRequest.model_validate({
                **request.model_dump(by_alias=True), "months": options.months or request.months, "policy": policy,
                "claims": claims})
        except ValidationError as error:
            raise InvalidInputError("The plan cannot be varied as asked: see errors.",
                                    field_errors(error), code=Refusal.PLAN_REQUEST_INVALID) from None
        return request, {c.id: owners[c.id] for c in request.claims}, carried

    async def _payout_day(self, case: Case) -> int | None:
        """Via the counsellor the plan pays on the organisation's payout days; directly, on the debtor's paydays."""
        if case.payment_route is not PaymentRoute.VIA_COUNSELLOR:
            return None
        counselling = await self.session.get_one(Organisation, case.organisation_id)
        if counselling.payout_day is None:
            raise ConflictError("Your organisation has no payout account any more: set its IBAN and payout day "
                                "(`debt-coord orgs payout-account`) or let the debtor pay directly.",
                                code=Refusal.NO_PAYOUT_ACCOUNT)
        return counselling.payout_day

    async def _counters(self, case: Case, wanted: list[uuid.UUID] | bool) -> list[Decision]:
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
                                    [FieldError("/apply_counters", f"unknown: {', '.join(missing)}")],
                                    code=Refusal.COUNTERS_NOT_ON_CASE)
        return found

    # --- finding versions ---------------------------------------------------------------

    async def current_version(self, case_id: uuid.UUID) -> PlanVersion | None:
        query = select(PlanVersion).where(PlanVersion.case_id == case_id).order_by(PlanVersion.number.desc()).limit(1)
        found: PlanVersion | None = (await self.session.execute(query)).scalar_one_or_none()
        return found

    async def versions(self, actor: Actor, case_id: uuid.UUID, page: PageRequest) -> Page[PlanVersion]:
        """A page of the case's versions by number: all for the counsellor, for a creditor those it is part of."""
        case = await self.cases.find_visible(actor, case_id)
        query = select(PlanVersion).where(PlanVersion.case_id == case.id)
        keys = (PlanVersion.created_at, PlanVersion.id)  # numbered in the order they were made
        if actor.is_counsellor:
            return await fetch_page(self.session, query, keys, page)
        query = query.where(PlanVersion.status != PlanStatus.DRAFT)
        return await fetch_page(self.session, query, keys, page,
                                keep=lambda version: actor.organisation_id in version.creditor_ids)

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

    async def lock_current(self, loaded: LoadedPlan, *statuses: PlanStatus) -> None:
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
            latest = await self.current_version(case_id)
            now = f"{latest.number} ({latest.status.value}, id {latest.id})" if latest else "none"
            facts: dict[str, str | int] = {"number": number}
            if latest is not None:
                facts.update(current=latest.number, current_status=latest.status.value)
            raise ConflictError(f"Plan version {number} is no longer open for this: the current version is {now}.",
                                code=Refusal.PLAN_VERSION_NOT_CURRENT, facts=facts)
        await self.session.refresh(loaded.version)

    async def variation_changes(self, loaded: LoadedPlan) -> list[CreditorChange] | None:
        """A variation against the plan it varies, per creditor, from its start; None for a plan of its own."""
        carried = loaded.version.carried
        if carried is None:
            return None
        agreed = await self.session.get_one(PlanVersion, uuid.UUID(carried.plan_id))
        names = {line.organisation_id: line.creditor for line in loaded.lines}
        return changes(agreed.schedule, loaded.proposal.payments, loaded.version.claim_owners, names, carried.start)

    # --- trying changes -----------------------------------------------------------------

    async def what_if(
        self, actor: Actor, plan_id: uuid.UUID, counters: Mapping[uuid.UUID, Mapping[str, Any]]
    ) -> tuple[LoadedPlan, PlanRequest, PlanProposal]:
        """Solve the version's own request with these counters applied, without creating a version."""
        loaded = await self.find_own(actor, plan_id, "try a what-if")
        unknown = set(counters) - loaded.creditor_ids
        if unknown:
            raise InvalidInputError("Counters can only be tried for creditors in this plan.",
                                    [FieldError("/counters", f"not in the plan: {', '.join(map(str, unknown))}")],
                                    code=Refusal.COUNTERS_NOT_IN_PLAN)
        base = loaded.request
        owners = loaded.version.claim_owners
        claims = [
            ClaimIn.model_validate(merge_counter(claim.model_dump(by_alias=True), counters.get(owner, {})))
            for claim in base.claims
            for owner in [uuid.UUID(owners[claim.id])]
        ]
        request = base.model_copy(update={"claims": claims})
        proposal = await asyncio.to_thread(solve, request)
        return loaded, request, proposal
