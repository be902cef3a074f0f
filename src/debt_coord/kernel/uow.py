"""The unit of work: one use case's transaction, the events it records, and the only commit.

cosmicpython's pattern on a SQLAlchemy session: a use case loads, changes and records events
through its unit of work and ends with `commit()`; whatever is not committed when the block ends
is rolled back. Routes, services and workers never commit a session themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from debt_coord.kernel.events import Event, MessageBus

NO_HANDLERS = MessageBus()


class UnitOfWork:
    def __init__(self, session: AsyncSession, bus: MessageBus = NO_HANDLERS) -> None:
        self.session = session
        self.bus = bus
        self.events: list[Event] = []

    def record(self, *events: Event) -> None:
        self.events.extend(events)

    async def commit(self) -> None:
        """Write what the events call for in this transaction, commit, then run what follows a commit."""
        pending, self.events = self.events, []
        await self.bus.publish(self.session, pending)
        await self.session.commit()
        self.bus.committed(pending)

    async def rollback(self) -> None:
        self.events.clear()
        await self.session.rollback()


UnitsOfWork = Callable[[], AbstractAsyncContextManager[UnitOfWork]]


def units_of_work(factory: async_sessionmaker[AsyncSession], bus: MessageBus = NO_HANDLERS) -> UnitsOfWork:
    """A maker of units of work on `factory`'s sessions, whose events go to `bus`."""

    @asynccontextmanager
    async def unit() -> AsyncIterator[UnitOfWork]:
        async with factory() as session:
            uow = UnitOfWork(session, bus)
            try:
                yield uow
            finally:
                await uow.rollback()

    return unit
