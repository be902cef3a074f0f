"""Periodic chores (deadline reminders, the daily arrears run, the debtor's messages), each in a loop of its own.

A chore is called every `interval` seconds on the loop's sessions and paces itself (a daily chore claims its day
in the database, so one worker runs it). Each chore has its own task: a long one (the arrears run over every
active case) delays neither the others nor webhook delivery.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)
Chore = Callable[[async_sessionmaker[AsyncSession]], Awaitable[object]]
STOP_WAIT_SECONDS = 30.0


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
