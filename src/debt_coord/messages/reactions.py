"""Bus handlers (wired in bootstrap.message_bus): the messages a plan's moves call for, in their transaction.

plan.proposed -> plan_proposed; plan.activated -> plan_active, or plan_varied when it replaced an active plan
(the replaced plan's planned messages are cancelled, the new plan's reminders planned); plan.completed ->
plan_completed (what was still planned is cancelled); a proposal superseded, or a case closed, cancels what
was planned for it. Each message goes to every channel with consent and no opt-out, at the next allowed moment.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.cases.models import Case
from debt_coord.kernel.events import Event
from debt_coord.kernel.orm import utcnow
from debt_coord.messages import timing
from debt_coord.messages.models import MessageKind, MessageStatus
from debt_coord.messages.planner import SYSTEM, PlanDates, plan_reminders
from debt_coord.messages.rows import Planned, close_planned, plan, reachable, wishes
from debt_coord.planning.models import PlanVersion

PLAN_KINDS = (MessageKind.PLAN_PROPOSED, MessageKind.PLAN_ACTIVE, MessageKind.PLAN_VARIED,
              MessageKind.PAYMENT_REMINDER, MessageKind.MISSED_PAYMENT)
"""What belongs to one plan version: cancelled when another version takes its place."""


async def _loaded(session: AsyncSession, happened: Event) -> tuple[Case, PlanVersion] | None:
    case = await session.get(Case, happened.case_id) if happened.case_id else None
    version = await session.get(PlanVersion, happened.target_id)
    return None if case is None or version is None else (case, version)


async def _announce(session: AsyncSession, case: Case, version: PlanVersion, kind: MessageKind) -> None:
    contacts = await reachable(session, case.id)
    if not contacts:
        return
    dates = PlanDates.of(version)
    first = next(iter(dates.totals), None)
    facts = {**(dates.facts(first) if first else {"plan_id": str(version.id)}),
             "creditor_count": len(version.creditor_ids)}
    due = timing.next_allowed(utcnow(), case.country)
    wanted = Planned(kind, f"{kind.value}:{version.id}", due, first, dates.totals.get(first) if first else None,
                     facts)
    await plan(session, case.id, wanted, contacts, await wishes(session, case.id), SYSTEM)


async def plan_proposed(session: AsyncSession, happened: Event) -> None:
    if (loaded := await _loaded(session, happened)) is not None and not loaded[0].closed:
        await _announce(session, *loaded, MessageKind.PLAN_PROPOSED)


async def plan_activated(session: AsyncSession, happened: Event) -> None:
    if (loaded := await _loaded(session, happened)) is None:
        return
    case, version = loaded
    await close_planned(session, case.id, MessageStatus.CANCELLED, f"replaced by plan version {version.number}",
                        kinds=PLAN_KINDS, keep_plan=version.id)
    varied = bool((happened.after or {}).get("replaced_active"))
    await _announce(session, case, version, MessageKind.PLAN_VARIED if varied else MessageKind.PLAN_ACTIVE)
    await plan_reminders(session, case, version, utcnow())


async def plan_completed(session: AsyncSession, happened: Event) -> None:
    if (loaded := await _loaded(session, happened)) is None:
        return
    case, version = loaded
    await close_planned(session, case.id, MessageStatus.CANCELLED, "the plan is completed", kinds=PLAN_KINDS)
    await _announce(session, case, version, MessageKind.PLAN_COMPLETED)


async def plan_superseded(session: AsyncSession, happened: Event) -> None:
    if happened.case_id is not None:
        await close_planned(session, happened.case_id, MessageStatus.CANCELLED, "the proposal was replaced",
                            keys=[f"{MessageKind.PLAN_PROPOSED.value}:{happened.target_id}"])


async def case_closed(session: AsyncSession, happened: Event) -> None:
    """A case closed by hand (completed, failed, withdrawn): nothing more goes out but a plan_completed."""
    if happened.case_id is not None:
        kinds = [kind for kind in MessageKind if kind is not MessageKind.PLAN_COMPLETED]
        await close_planned(session, happened.case_id, MessageStatus.CANCELLED,
                            f"the case was closed ({happened.kind.value})", kinds=kinds)
