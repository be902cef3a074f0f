"""The composition root: which handlers follow which domain event, which code does which kind of job,
which periodic chores run, and the same services for the API, the workers, the CLI and the tests.

Use cases only record events; everything that follows from them is wired here, once.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

from celery import Celery
from sqlalchemy.ext.asyncio import AsyncEngine

from debt_coord.audit.trail import write_audit
from debt_coord.cases.claims import ClaimService
from debt_coord.cases.service import CaseService
from debt_coord.creditor_links import mails as creditor_link_mails
from debt_coord.creditor_links.mailer import CreditorLinkMailer
from debt_coord.debtor.service import DebtorLinkService
from debt_coord.jobs.celery_app import make_celery
from debt_coord.jobs.chores import Chore
from debt_coord.jobs.dispatch import Dispatcher, make_dispatcher
from debt_coord.jobs.models import JobKind
from debt_coord.jobs.runner import Handler as JobHandler
from debt_coord.jobs.runner import JobWiring
from debt_coord.kernel.database import create_engine, session_factory
from debt_coord.kernel.events import AfterCommit, Event, EventKind, Handler, MessageBus
from debt_coord.kernel.settings import Settings
from debt_coord.kernel.uow import UnitOfWork, UnitsOfWork, units_of_work
from debt_coord.messages import reactions
from debt_coord.messages.delivery import MessageDelivery
from debt_coord.messages.planner import MessagePlanner
from debt_coord.money_in.arrears import ArrearsChore
from debt_coord.money_in.completion import CompletionService
from debt_coord.money_in.ledger import check_balanced
from debt_coord.money_in.service import MoneyInService, open_accounts
from debt_coord.negotiation.policies import PolicyService
from debt_coord.negotiation.reminders import DeadlineReminders
from debt_coord.negotiation.service import NegotiationService
from debt_coord.organisations.service import ApiKeyService, OrganisationService
from debt_coord.planning.service import PlanService
from debt_coord.planning.solve_job import solve_plan_job
from debt_coord.webhooks.outbox import WEBHOOK_TYPES, queue_webhooks
from debt_coord.webhooks.service import WebhookService

NOT_AUDITED = frozenset({EventKind.PLAN_SUPERSEDED, EventKind.JOB_QUEUED, EventKind.LEDGER_POSTED})
"""A superseded version is in the trail as part of `plan.created`; a queued job as `plan.requested`; a journal
as the receipt, reversal or discharge that posted it."""

JOB_HANDLERS: Mapping[str, JobHandler] = {JobKind.SOLVE_PLAN: solve_plan_job}


MESSAGE_HANDLERS: Mapping[EventKind, Handler] = {
    EventKind.PLAN_PROPOSED: reactions.plan_proposed, EventKind.PLAN_ACTIVATED: reactions.plan_activated,
    EventKind.PLAN_COMPLETED: reactions.plan_completed, EventKind.PLAN_SUPERSEDED: reactions.plan_superseded,
    EventKind.CASE_COMPLETED: reactions.case_closed, EventKind.CASE_FAILED: reactions.case_closed,
    EventKind.CASE_WITHDRAWN: reactions.case_closed,
}
"""The debtor's messages a plan's moves call for (messages/reactions.py), planned in their transaction."""

CREDITOR_MAIL_HANDLERS: Mapping[EventKind, Handler] = {
    EventKind.PLAN_PROPOSED: creditor_link_mails.plan_proposed,
    EventKind.PLAN_SUPERSEDED: creditor_link_mails.plan_superseded,
}
"""The e-mails with a creditor link for the creditors without an integration (creditor_links/mails.py)."""


def message_bus(dispatch: Callable[[uuid.UUID], None] | None = None) -> MessageBus:
    """Every event but NOT_AUDITED goes to the audit trail; those other systems hear of go to the webhook
    outbox; a queued job is sent to be run once its transaction is committed (with `dispatch`)."""
    in_transaction: dict[EventKind, list[Handler]] = {kind: [write_audit] for kind in EventKind
                                                      if kind not in NOT_AUDITED}
    for kind in WEBHOOK_TYPES:
        in_transaction.setdefault(kind, []).append(queue_webhooks)
    in_transaction[EventKind.PLAN_ACTIVATED].append(open_accounts)
    in_transaction[EventKind.LEDGER_POSTED] = [check_balanced]
    for kind, handler in (*MESSAGE_HANDLERS.items(), *CREDITOR_MAIL_HANDLERS.items()):
        in_transaction.setdefault(kind, []).append(handler)
    after_commit: dict[EventKind, list[AfterCommit]] = {}
    if dispatch is not None:
        def send(happened: Event) -> None:
            dispatch(happened.target_id)

        after_commit[EventKind.JOB_QUEUED] = [send]
    return MessageBus(in_transaction, after_commit)


def job_wiring(handlers: Mapping[str, JobHandler] = JOB_HANDLERS) -> JobWiring:
    return JobWiring(handlers, message_bus())


def chores(settings: Settings, bus: MessageBus) -> list[Chore]:
    """Periodic work, each chore in a loop of its own beside webhook delivery (the API process, or every worker
    with Redis): the deadline reminders, the daily arrears chore and the daily message planner (each one worker a
    day, by a claim on the day in the database), the delivery of the debtor's due messages, and of the creditor-link
    e-mails of a proposal."""
    return [DeadlineReminders(settings, bus), ArrearsChore(settings, bus), MessagePlanner(settings, bus),
            MessageDelivery(settings, bus), CreditorLinkMailer(settings, bus)]


@dataclass(frozen=True)
class Runtime:
    """What the API process runs on: a unit of work per use case, the job dispatcher, the chores."""

    units: UnitsOfWork
    dispatcher: Dispatcher
    chores: list[Chore]


def api_runtime(settings: Settings, engine: AsyncEngine, job_handlers: Mapping[str, JobHandler] = JOB_HANDLERS
                ) -> Runtime:
    """`job_handlers` for the jobs this process runs itself (the embedded default); tests add kinds of their own."""
    dispatcher = make_dispatcher(settings, job_wiring(job_handlers))  # Celery on Redis, or this process's threads
    bus = message_bus(dispatcher.dispatch)
    return Runtime(units_of_work(session_factory(engine), bus), dispatcher, chores(settings, bus))


def worker_app(settings: Settings) -> Celery:
    """The Celery app of `debt-coord worker`: it runs jobs, sweeps, and delivers webhooks with the chores."""
    wiring = job_wiring()
    return make_celery(settings, wiring, chores(settings, wiring.bus))


@dataclass(frozen=True)
class Services:
    """Every area's services on one unit of work (the CLI, seeding, tests)."""

    uow: UnitOfWork

    @property
    def organisations(self) -> OrganisationService:
        return OrganisationService(self.uow)

    @property
    def api_keys(self) -> ApiKeyService:
        return ApiKeyService(self.uow)

    @property
    def cases(self) -> CaseService:
        return CaseService(self.uow)

    @property
    def claims(self) -> ClaimService:
        return ClaimService(self.uow)

    @property
    def plans(self) -> PlanService:
        return PlanService(self.uow)

    @property
    def negotiations(self) -> NegotiationService:
        return NegotiationService(self.uow)

    @property
    def policies(self) -> PolicyService:
        return PolicyService(self.uow)

    @property
    def webhooks(self) -> WebhookService:
        return WebhookService(self.uow)

    @property
    def debtor_links(self) -> DebtorLinkService:
        return DebtorLinkService(self.uow)

    @property
    def money_in(self) -> MoneyInService:
        return MoneyInService(self.uow)

    @property
    def completion(self) -> CompletionService:
        return CompletionService(self.uow)


@asynccontextmanager
async def provide_services(settings: Settings) -> AsyncIterator[Services]:
    """Services on one unit of work of their own engine: whatever is not committed is rolled back at the end."""
    engine = create_engine(settings.effective_database_url, echo=settings.sql_echo)
    try:
        async with units_of_work(session_factory(engine), message_bus())() as uow:
            yield Services(uow)
    finally:
        await engine.dispose()
