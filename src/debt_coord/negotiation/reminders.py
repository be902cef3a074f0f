"""The response-deadline reminder: a periodic chore that reminds silent creditors once, when a deadline nears."""

from __future__ import annotations

import datetime as dt
import time
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from debt_coord.cases.models import Case
from debt_coord.kernel.actors import Actor, Role
from debt_coord.kernel.clock import today
from debt_coord.kernel.events import EventKind, MessageBus, event
from debt_coord.kernel.settings import Settings
from debt_coord.kernel.uow import UnitOfWork, units_of_work
from debt_coord.negotiation.models import Decision
from debt_coord.negotiation.negotiation import Negotiation
from debt_coord.negotiation.service import plan_message
from debt_coord.planning.models import PlanStatus, PlanVersion
from debt_coord.planning.service import LoadedPlan


async def remind_before_deadline(uow: UnitOfWork, version_id: uuid.UUID, case_id: uuid.UUID,
                                 days_before: int) -> bool:
    """One automatic reminder per proposal to the creditors that have not answered; False if not (yet) due.

    The case row is taken with SKIP LOCKED, in the same order as every other plan write: a second
    loop, or a solve in progress, makes this round skip the proposal rather than wait or deadlock.
    """
    session = uow.session
    lock = select(Case).where(Case.id == case_id).with_for_update(skip_locked=True)
    case = (await session.execute(lock)).scalar_one_or_none()
    version = await session.get(PlanVersion, version_id, populate_existing=True)
    if case is None or version is None:
        return False
    decisions = (await session.execute(select(Decision).where(Decision.plan_version_id == version_id))).scalars()
    silent = Negotiation(case, version, decisions).deadline_reminder(today(), days_before, dt.datetime.now(dt.UTC))
    if not silent:
        return False
    loaded = LoadedPlan(version, case)
    system = Actor(case.organisation_id, Role.COUNSELLOR, "debt-coord (response deadline reminder)")
    uow.record(event(EventKind.DEADLINE_REMINDED, system, version, case_id=case.id,
                     after={"organisations": [str(o) for o in silent],
                            "response_deadline": version.response_deadline.isoformat()
                            if version.response_deadline else None},
                     told=silent, message={**plan_message(loaded), "reason": "response_deadline"}))
    await uow.commit()
    return True


class DeadlineReminders:
    """A periodic chore (jobs/chores.py): remind silent creditors when a response deadline nears."""

    def __init__(self, settings: Settings, bus: MessageBus) -> None:
        self.days_before = settings.reminder_days_before_deadline
        self.every = settings.reminder_check_seconds
        self.bus = bus
        self.last_run: float | None = None

    async def __call__(self, sessions: async_sessionmaker[AsyncSession]) -> int:
        """One round on `sessions` (its chore loop's): every proposal whose deadline nears, each in its own unit."""
        if self.last_run is not None and time.monotonic() - self.last_run < self.every:
            return 0
        self.last_run = time.monotonic()
        day = today()
        units = units_of_work(sessions, self.bus)
        async with units() as uow:
            due = (await uow.session.execute(
                select(PlanVersion.id, PlanVersion.case_id).where(
                    PlanVersion.status == PlanStatus.PROPOSED, PlanVersion.deadline_reminded_at.is_(None),
                    PlanVersion.response_deadline >= day,
                    PlanVersion.response_deadline <= day + dt.timedelta(days=self.days_before))
            )).all()
        sent = 0
        for version_id, case_id in due:
            async with units() as uow:
                sent += await remind_before_deadline(uow, version_id, case_id, self.days_before)
        return sent
