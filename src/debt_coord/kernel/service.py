"""What every repository service of ours adds to Advanced Alchemy's: the use case's unit of work."""

from __future__ import annotations

from advanced_alchemy.repository.typing import ModelT
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.kernel.events import Event
from debt_coord.kernel.uow import UnitOfWork


class Service(SQLAlchemyAsyncRepositoryService[ModelT]):
    """A service runs use cases on one unit of work: it loads, asks the aggregate, records events, commits."""

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(session=uow.session)
        self.uow = uow

    @property
    def session(self) -> AsyncSession:
        return self.uow.session

    def record(self, *events: Event) -> None:
        self.uow.record(*events)
