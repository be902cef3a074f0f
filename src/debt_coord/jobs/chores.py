"""Periodic chores (deadline reminders, the daily arrears run, the debtor's messages), each in a loop of its own.

A chore is called every `interval` seconds on the loop's sessions and paces itself (a daily chore claims its day
in the database, so one worker runs it). Each chore has its own task: a long one (the arrears run over every
active case) delays neither the others nor webhook delivery.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from typing import ClassVar, Literal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from debt_coord.jobs.models import ChoreDay
from debt_coord.kernel.clock import AMSTERDAM
from debt_coord.kernel.events import MessageBus
from debt_coord.kernel.orm import utcnow
from debt_coord.kernel.uow import UnitOfWork, UnitsOfWork, units_of_work

log = logging.getLogger(__name__)
Chore = Callable[[async_sessionmaker[AsyncSession]], Awaitable[object]]
STOP_WAIT_SECONDS = 30.0
STALE_CLAIM = dt.timedelta(hours=1)
"""A day claimed this long ago and not finished is taken over: its worker died (a daily chore is safe to repeat)."""
LOOK_AGAIN_SECONDS = 600.0
Claim = Literal["ours", "running", "finished"]


async def run_chore(chore: Chore, sessions: async_sessionmaker[AsyncSession], stop: asyncio.Event,
                    interval: float) -> None:
    """Call `chore` every `interval` seconds until `stop`; a failed round is logged and the next one tried."""
    while not stop.is_set():
        try:
            await chore(sessions)
        except Exception as error:  # a database hiccup must not end the chore; log the kind, no data
            log.warning("chore %s failed: %s", type(chore).__name__, type(error).__name__)
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


@asynccontextmanager
async def chores_running(sessions: async_sessionmaker[AsyncSession], chores: Sequence[Chore],
                         interval: float) -> AsyncIterator[None]:
    """Run every chore in a task of its own for the duration of the block (the API's lifespan, a worker)."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(run_chore(chore, sessions, stop, interval), name=f"chore-{type(chore).__name__}")
             for chore in chores]
    try:
        yield
    finally:
        stop.set()
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=STOP_WAIT_SECONDS)
            for task in late:  # cut off mid-round: each chore's work is committed per unit, so it resumes next time
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)


async def claim_day(units: UnitsOfWork, chore: str, day: dt.date) -> Claim:
    """Take `day` for `chore`: "ours" for exactly one worker (or a later one, if the first died mid-way)."""
    now = utcnow()
    try:
        async with units() as uow:
            uow.session.add(ChoreDay(chore=chore, day=day, claimed_at=now))
            await uow.commit()
            return "ours"
    except IntegrityError:
        pass
    async with units() as uow:
        taken = await uow.session.execute(
            update(ChoreDay).where(ChoreDay.chore == chore, ChoreDay.day == day, ChoreDay.finished_at.is_(None),
                                   ChoreDay.claimed_at < now - STALE_CLAIM).values(claimed_at=now))
        finished = await uow.session.scalar(select(ChoreDay.finished_at).where(ChoreDay.chore == chore,
                                                                                ChoreDay.day == day))
        await uow.commit()
    if taken.rowcount == 1:  # type: ignore[attr-defined]
        return "ours"
    return "running" if finished is None else "finished"


async def finish_day(units: UnitsOfWork, chore: str, day: dt.date, done: int) -> None:
    async with units() as uow:
        await uow.session.execute(update(ChoreDay).where(ChoreDay.chore == chore, ChoreDay.day == day)
                                  .values(finished_at=utcnow(), done=done))
        await uow.commit()


async def each_case(chore: str, units: UnitsOfWork, case_ids: Iterable[uuid.UUID],
                    work: Callable[[UnitOfWork, uuid.UUID], Awaitable[int]]) -> int:
    """`work` on each case in a unit of its own; how much it did. A case another worker did first (a unique key
    refused the second write) or one that fails does not keep the others from theirs."""
    done = 0
    for case_id in case_ids:
        try:
            async with units() as uow:
                done += await work(uow, case_id)
        except IntegrityError:
            log.info("%s: case %s was done by another worker first", chore, case_id)
        except Exception as error:  # log the kind only: no personal data in logs
            log.warning("%s: case %s could not be done: %s", chore, case_id, type(error).__name__)
    return done


class DailyChore:
    """A chore that runs once a day across all workers: whichever takes the day (a `chore_days` row, unique per
    chore and day) runs it; a day whose worker died is taken over after STALE_CLAIM."""

    name: ClassVar[str]

    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus
        self.ran_on: dt.date | None = None
        """The last day this process saw finished (by itself or another)."""
        self.look_again = 0.0
        """While another worker runs the day: when to look whether it finished, or died (monotonic seconds)."""

    async def run_day(self, units: UnitsOfWork, moment: dt.datetime) -> int:
        """The day's work; how much it did."""
        raise NotImplementedError

    async def __call__(self, sessions: async_sessionmaker[AsyncSession], now: dt.datetime | None = None) -> int:
        """The day's run on `sessions` if no worker has taken the day (Amsterdam's day at `now`, or today)."""
        moment = now or utcnow()
        day = moment.astimezone(AMSTERDAM).date()
        if self.ran_on == day or (now is None and time.monotonic() < self.look_again):
            return 0
        units = units_of_work(sessions, self.bus)
        claim = await claim_day(units, self.name, day)
        if claim == "running":
            self.look_again = time.monotonic() + LOOK_AGAIN_SECONDS
            return 0
        done = 0
        if claim == "ours":
            done = await self.run_day(units, moment)
            await finish_day(units, self.name, day, done)
        self.ran_on = day
        return done
