"""What every repository service of ours adds to Advanced Alchemy's: the unit of work's session."""

from __future__ import annotations

from advanced_alchemy.repository.typing import ModelT
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy.ext.asyncio import AsyncSession


class Service(SQLAlchemyAsyncRepositoryService[ModelT]):
    @property
    def session(self) -> AsyncSession:
        session: AsyncSession = self.repository.session
        return session
