"""The case board: a page of the organisation's cases with the dates that matter, through the API's services.

The cases come from the cases list service (its search and paging); per case on the page, the response
deadline of a version out for answers, and for a running plan its arrears (money_in's own reckoning, for the
whole page at once).
Only the page's cases are looked at, so an organisation with thousands of cases costs the same.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from debt_coord.cases.listing import CaseFilter
from debt_coord.cases.models import Case, PaymentRoute
from debt_coord.cases.service import CaseService
from debt_coord.cases.states import CaseState
from debt_coord.kernel.actors import Actor
from debt_coord.kernel.clock import today
from debt_coord.kernel.paging import Page, PageRequest
from debt_coord.kernel.uow import UnitOfWork
from debt_coord.money_in.deposits import running_deposits
from debt_coord.money_in.installments import Arrears, arrears, installments
from debt_coord.money_in.models import Account, Entry
from debt_coord.planning.models import PlanStatus, PlanVersion, schedule_of


@dataclass(frozen=True)
class BoardRow:
    case: Case
    response_deadline: dt.date | None
    """The answers' deadline of the version out for answers (state proposed)."""
    arrears: Arrears | None
    """A running plan's arrears; None without one."""


@dataclass(frozen=True)
class Board:
    rows: list[BoardRow]
    next_cursor: str | None
    counts: dict[CaseState, int]
    """The organisation's cases per state (all of them, not only this page's)."""


class CaseBoard:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.cases = CaseService(uow)

    async def board(self, actor: Actor, search: str, states: frozenset[CaseState], page: PageRequest,
                    grace_bank_days: int) -> Board:
        """`search` is a case reference (exactly) or part of the debtor's name."""
        found = await self._search(actor, search.strip(), states, page)
        deadlines = await self._deadlines([case.id for case in found.items])
        owing = await self._arrears([case for case in found.items if case.state is CaseState.ACTIVE],
                                    grace_bank_days)
        rows = [BoardRow(case, deadlines.get(case.id), owing.get(case.id)) for case in found.items]
        return Board(rows, found.next_cursor, await self._counts(actor))

    async def _search(self, actor: Actor, search: str, states: frozenset[CaseState], page: PageRequest
                      ) -> Page[Case]:
        if not search:
            return await self.cases.visible_cases(actor, CaseFilter(states=states), page)
        reference = CaseFilter(states=states, reference=search)
        is_reference = bool((await self.cases.visible_cases(actor, reference, PageRequest(1))).items)
        wanted = reference if is_reference else CaseFilter(states=states, name=search)
        return await self.cases.visible_cases(actor, wanted, page)

    async def _deadlines(self, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, dt.date]:
        if not case_ids:
            return {}
        rows = await self.uow.session.execute(
            select(PlanVersion.case_id, PlanVersion.response_deadline)
            .where(PlanVersion.case_id.in_(case_ids), PlanVersion.status == PlanStatus.PROPOSED,
                   PlanVersion.response_deadline.is_not(None)))
        return {case_id: deadline for case_id, deadline in rows.all() if deadline is not None}

    async def _arrears(self, running: list[Case], grace_bank_days: int) -> dict[uuid.UUID, Arrears]:
        """money_in's reckoning (MoneyInService.money_in, as the counsellor sees it: every claim; via the counsellor
        the debtor's deposits), for all the page's running plans in a few queries instead of a few per case."""
        if not running:
            return {}
        via = [case for case in running if case.payment_route is PaymentRoute.VIA_COUNSELLOR]
        ids = [case.id for case in running if case.payment_route is not PaymentRoute.VIA_COUNSELLOR]
        owing = {case_id: arrears(found) for case_id, found in
                 (await running_deposits(self.uow.session, via, today(), grace_bank_days)).items()}
        if not ids:
            return owing
        versions = (await self.uow.session.execute(
            select(PlanVersion.case_id, PlanVersion.proposal, PlanVersion.varies)
            .where(PlanVersion.case_id.in_(ids), PlanVersion.status == PlanStatus.ACTIVE))).all()
        received: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
        for case_id, claim_id, total in (await self.uow.session.execute(
                select(Entry.case_id, Entry.claim_id, func.sum(Entry.amount_cents))
                .where(Entry.case_id.in_(ids), Entry.account == Account.RECEIVED, Entry.claim_id.is_not(None))
                .group_by(Entry.case_id, Entry.claim_id))).all():
            received[case_id][str(claim_id)] = int(total)
        country = {case.id: case.country for case in running}
        return owing | {case_id: arrears(installments(schedule_of(proposal, varies), received[case_id], today(),
                                                      grace_bank_days=grace_bank_days, country=country[case_id]))
                        for case_id, proposal, varies in versions}

    async def _counts(self, actor: Actor) -> dict[CaseState, int]:
        rows = await self.uow.session.execute(
            select(Case.state, func.count()).where(Case.organisation_id == actor.organisation_id)
            .group_by(Case.state))
        return {CaseState(state): count for state, count in rows.all()}
