"""Dependency providers: one repository service per area, on the request's session."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar.di import Provide

from debt_coord.services.cases import CaseService
from debt_coord.services.claims import ClaimService
from debt_coord.services.organisations import ApiKeyService, OrganisationService

provide_cases = create_service_provider(CaseService)
provide_claims = create_service_provider(ClaimService)
provide_organisations = create_service_provider(OrganisationService)
provide_api_keys = create_service_provider(ApiKeyService)

case_services = {"cases": Provide(provide_cases), "claims": Provide(provide_claims)}
admin_services = {"organisations": Provide(provide_organisations), "api_keys": Provide(provide_api_keys)}
