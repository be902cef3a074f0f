"""The same services outside a request: for the CLI, workers and seeding."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.db import create_engine, session_factory, unit_of_work
from debt_coord.services.cases import CaseService
from debt_coord.services.claims import ClaimService
from debt_coord.services.debtor import DebtorLinkService
from debt_coord.services.organisations import ApiKeyService, OrganisationService
from debt_coord.services.plans import PlanService
from debt_coord.settings import Settings


@dataclass(frozen=True)
class Services:
    session: AsyncSession

    @property
    def organisations(self) -> OrganisationService:
        return OrganisationService(session=self.session)

    @property
    def api_keys(self) -> ApiKeyService:
        return ApiKeyService(session=self.session)

    @property
    def cases(self) -> CaseService:
        return CaseService(session=self.session)

    @property
    def claims(self) -> ClaimService:
        return ClaimService(session=self.session)

    @property
    def plans(self) -> PlanService:
        return PlanService(session=self.session)

    @property
    def debtor_links(self) -> DebtorLinkService:
        return DebtorLinkService(session=self.session)


@asynccontextmanager
async def provide_services(settings: Settings) -> AsyncIterator[Services]:
    """Services on one unit of work: whatever is not committed is rolled back at the end."""
    engine = create_engine(settings.effective_database_url, echo=settings.sql_echo)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            yield Services(session)
    finally:
        await engine.dispose()
