"""Payout runs: the organisation pays the creditors of its via_counsellor cases from what it holds for them.

A run gathers, for one execution date, what every active plan of the organisation's via_counsellor cases has made
due (allocation.py: the oldest first, never more than the case's reserve), and writes it all in one transaction: a
PAYOUT journal and a transfer per claim paid, and one pain.001 file, validated against the schema before the
commit. Runs of one organisation take turns (a lock on the organisation's row), so a second run for the same date
finds what the first paid out and pays nothing twice; a run that fails part-way writes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.cases.models import Case, Claim, PaymentRoute
from debt_coord.cases.service import CaseScopedService
from debt_coord.cases.states import CaseState
from debt_coord.kernel.actors import Actor, require_role
from debt_coord.kernel.clock import today
from debt_coord.kernel.errors import ConflictError, FieldError, InvalidInputError, NotFoundError, ServiceError
from debt_coord.kernel.events import EventKind, event
from debt_coord.kernel.idempotency import Answer, Outcome, commit_once
from debt_coord.kernel.paging import Page, PageRequest, fetch_page
from debt_coord.money_in import ledger
from debt_coord.money_in.models import Account, JournalKind
from debt_coord.organisations.models import Organisation
from debt_coord.payouts.allocation import ClaimDue, allocate
from debt_coord.payouts.models import PayoutRun, PayoutTransfer, PayoutTransferStatus
from debt_coord.payouts.pain import CreditTransfer, Debtor, InvalidPaymentFileError, write_pain001
from debt_coord.planning.models import PlanStatus, PlanVersion
from solver.calendar import is_bank_day
from solver.models import PlanRequest

BANK_CALENDAR = "NL"
"""The organisation's bank: its payout account is Dutch (SEPA), so Dutch bank days."""


class PaymentFileError(ServiceError):
    """The pain.001 file could not be written valid (data it cannot carry): nothing of the run is kept."""

    status = 422


@dataclass(frozen=True)
class RunView:
    run: PayoutRun
    transfers: list[PayoutTransfer]


@dataclass(frozen=True)
class _Planned:
    case: Case
    claim: Claim
    amount_cents: int


async def lock_organisation(session: AsyncSession, organisation_id: uuid.UUID) -> Organisation:
    """The organisation's row, held for the transaction: its payout runs and statement imports take turns.

    PostgreSQL: SELECT ... FOR UPDATE. SQLite knows no row locks; a write as the transaction's first statement
    takes its one writer's lock at once (before anything is read), so a second run waits for the first to commit.
    """
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(update(Organisation).where(Organisation.id == organisation_id)
                              .values(payout_day_of_month=Organisation.payout_day_of_month))
    found = await session.get(Organisation, organisation_id, with_for_update=True, populate_existing=True)
    if found is None:
        raise NotFoundError("Your organisation is not there any more.")
    return found


async def paid_out(session: AsyncSession, case_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """Per claim of the case, what payout runs paid out to it and was not returned."""
    rows = (await session.execute(
        select(PayoutTransfer.claim_id, func.sum(PayoutTransfer.amount_cents))
        .where(PayoutTransfer.case_id == case_id, PayoutTransfer.status != PayoutTransferStatus.RETURNED)
        .group_by(PayoutTransfer.claim_id))).all()
    return {claim_id: int(total) for claim_id, total in rows}


def _check_date(execution_date: dt.date) -> None:
    if execution_date < today():
        raise InvalidInputError("A payout run's execution date is today or later.",
                                [FieldError("/execution_date", "in the past")])
    if not is_bank_day(execution_date, BANK_CALENDAR):
        raise InvalidInputError(f"{execution_date.isoformat()} is not a bank day: banks execute transfers on bank "
                                "days only.", [FieldError("/execution_date", "not a bank day")])


class PayoutService(CaseScopedService[PayoutRun]):
    class Repo(SQLAlchemyAsyncRepository[PayoutRun]):
        model_type = PayoutRun

    repository_type = Repo

    async def run_once(self, actor: Actor, execution_date: dt.date, key: str | None, answer: Answer) -> Outcome:
        """Make a run and commit, unless this Idempotency-Key has an answer already: then that answer."""
        require_role(actor, actor.is_counsellor, "run a payout")
        organisation = await lock_organisation(self.session, actor.organisation_id)

        async def write() -> tuple[int, dict[str, object]]:
            return answer(await self._run(actor, organisation, execution_date))

        payload = {"execution_date": execution_date.isoformat()}
        return await commit_once(self.uow, actor, "createPayoutRun", key, payload, write)

    async def _run(self, actor: Actor, organisation: Organisation, execution_date: dt.date) -> RunView:
        _check_date(execution_date)
        if organisation.payout_iban is None:
            raise ConflictError("Your organisation has no payout account yet: set its IBAN and payout day first "
                                "(`debt-coord orgs payout-account`).")
        planned = [p for case in await self._cases(organisation.id) for p in await self._due(case, execution_date)]
        if not planned:
            raise ConflictError(f"Nothing is due to be paid out on {execution_date.isoformat()}: no active plan of a "
                                "case paid via your organisation has a payment due that its reserve can pay (or "
                                "an earlier run paid it). No file was made.")
        run = PayoutRun(organisation_id=organisation.id, execution_date=execution_date, message_id="",
                        transfer_count=len(planned), total_cents=sum(p.amount_cents for p in planned), document="",
                        created_by=actor.name)
        self.session.add(run)
        await self.session.flush()
        names = await self._creditor_names({p.claim.organisation_id for p in planned})
        transfers = [await self._transfer(actor, run, p, names[p.claim.organisation_id]) for p in planned]
        debtor = Debtor(organisation.name, organisation.payout_iban, organisation.payout_bic)
        try:
            run.message_id, document = write_pain001(debtor, execution_date, [
                CreditTransfer(t.end_to_end_id, t.amount_cents, t.creditor_name, t.creditor_iban, t.remittance)
                for t in transfers])
        except InvalidPaymentFileError as error:
            raise PaymentFileError(f"The payment file would not be valid pain.001.001.03 ({error}); nothing was "
                                   "paid out.") from None
        run.document = document.decode()
        await self.session.flush()
        self.record(event(EventKind.PAYOUT_RUN_CREATED, actor, run, case_id=None, after={
            "execution_date": execution_date.isoformat(), "message_id": run.message_id,
            "transfers": run.transfer_count, "total_cents": run.total_cents}))
        return RunView(run, transfers)

    async def _cases(self, organisation_id: uuid.UUID) -> Sequence[Case]:
        """The organisation's active via_counsellor cases in euro (SEPA), oldest first, held for the transaction."""
        return (await self.session.execute(
            select(Case).where(Case.organisation_id == organisation_id, Case.state == CaseState.ACTIVE,
                               Case.payment_route == PaymentRoute.VIA_COUNSELLOR, Case.currency == "EUR")
            .order_by(Case.created_at, Case.id).with_for_update())).scalars().all()

    async def _due(self, case: Case, execution_date: dt.date) -> list[_Planned]:
        version = (await self.session.execute(select(PlanVersion).where(
            PlanVersion.case_id == case.id, PlanVersion.status == PlanStatus.ACTIVE))).scalar_one_or_none()
        if version is None:
            return []
        request = PlanRequest.model_validate(version.request)
        payments = version.schedule
        minimum = {c.id: c.min_payment_cents or request.policy.min_payment_cents for c in request.claims}
        claims = (await self.session.execute(
            select(Claim).where(Claim.id.in_([uuid.UUID(i) for i in version.claim_owners]))
            .order_by(Claim.created_at, Claim.id))).scalars().all()
        out = await paid_out(self.session, case.id)
        outstanding = await ledger.balances(self.session, case.id, Account.OUTSTANDING)
        in_transit = await ledger.balances(self.session, case.id, Account.IN_TRANSIT)
        dues = [ClaimDue(claim.id,
                         [(p.date, p.amount_cents) for p in payments
                          if p.claim_id == str(claim.id) and p.date <= execution_date],
                         out.get(claim.id, 0), outstanding.get(claim.id, 0) - in_transit.get(claim.id, 0),
                         minimum.get(str(claim.id), request.policy.min_payment_cents))
                for claim in claims]
        pay = allocate(await ledger.case_balance(self.session, case.id, Account.RESERVE), dues)
        return [_Planned(case, claim, pay[claim.id]) for claim in claims if pay.get(claim.id, 0) > 0]

    async def _creditor_names(self, organisation_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        rows = await self.session.execute(select(Organisation.id, Organisation.name)
                                          .where(Organisation.id.in_(organisation_ids)))
        return {organisation_id: name for organisation_id, name in rows.all()}

    async def _transfer(self, actor: Actor, run: PayoutRun, planned: _Planned, creditor: str) -> PayoutTransfer:
        case, claim, cents = planned.case, planned.claim, planned.amount_cents
        end_to_end_id = f"DC-{uuid.uuid4().hex}"  # 35 characters, SEPA's most
        journal = await ledger.post(self.session, case.id, JournalKind.PAYOUT, run.execution_date,
                                    ledger.payout_lines(claim.id, cents), created_by=actor.name,
                                    reference=end_to_end_id)
        transfer = PayoutTransfer(run_id=run.id, case_id=case.id, claim_id=claim.id, amount_cents=cents,
                                  end_to_end_id=end_to_end_id, creditor_name=creditor[:70], creditor_iban=claim.iban,
                                  remittance=claim.payment_reference[:140], payout_journal_id=journal.id,
                                  status=PayoutTransferStatus.PENDING)
        self.session.add(transfer)
        await self.session.flush()
        self.record(
            event(EventKind.LEDGER_POSTED, actor, journal, case_id=case.id),
            event(EventKind.PAYOUT_TRANSFERRED, actor, transfer, case_id=case.id, after={
                "run_id": str(run.id), "claim_id": str(claim.id), "amount_cents": cents,
                "execution_date": run.execution_date.isoformat(), "end_to_end_id": end_to_end_id}),
        )
        return transfer

    # --- reading ---------------------------------------------------------------------------

    async def runs(self, actor: Actor, page: PageRequest) -> Page[PayoutRun]:
        """The organisation's runs, the oldest first."""
        require_role(actor, actor.is_counsellor, "list payout runs")
        return await fetch_page(self.session, select(PayoutRun).where(
            PayoutRun.organisation_id == actor.organisation_id), (PayoutRun.created_at, PayoutRun.id), page)

    async def run(self, actor: Actor, run_id: uuid.UUID) -> RunView:
        require_role(actor, actor.is_counsellor, "read a payout run")
        found = await self.get_one_or_none(id=run_id, organisation_id=actor.organisation_id)
        if found is None:
            raise NotFoundError(f"No payout run {run_id}.")
        transfers = (await self.session.execute(select(PayoutTransfer).where(PayoutTransfer.run_id == found.id)
                                                .order_by(PayoutTransfer.created_at, PayoutTransfer.id))).scalars()
        return RunView(found, list(transfers))

    async def case_transfers(self, actor: Actor, case_id: uuid.UUID, page: PageRequest) -> Page[PayoutTransfer]:
        """The case's transfers, the oldest first, with their status."""
        case = await self.cases.find_own(actor, case_id, "read the payouts of a case")
        return await fetch_page(self.session, select(PayoutTransfer).where(PayoutTransfer.case_id == case.id),
                                (PayoutTransfer.created_at, PayoutTransfer.id), page)
