"""Organisations and API keys: the admin's area; counsellors may list creditors to invite."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response, delete, get, post
from litestar.params import Parameter

from api.auth import ActorRequest, requires
from api.organisations.schemas import ApiKeyCreate, ApiKeyIssued, ApiKeyOut, OrganisationCreate, OrganisationOut
from api.paging import NEXT_PAGE_HEADERS, Cursor, Limit, paged
from api.providers import service
from debt_coord.kernel.actors import Role
from debt_coord.kernel.errors import FieldError, InvalidInputError
from debt_coord.kernel.paging import DEFAULT_LIMIT, PageRequest
from debt_coord.organisations.models import OrganisationKind
from debt_coord.organisations.service import ApiKeyService, OrganisationService


class OrganisationController(Controller):
    path = "/v1/organisations"
    tags = ["Organisations"]  # noqa: RUF012
    dependencies = {"organisations": service(OrganisationService), "api_keys": service(ApiKeyService)}  # noqa: RUF012

    @post("/", operation_id="createOrganisation", guards=[requires(Role.ADMIN)])
    async def create_organisation(
        self, data: OrganisationCreate, organisations: OrganisationService
    ) -> OrganisationOut:
        organisation = await organisations.register(**data.model_dump())
        return OrganisationOut.model_validate(organisation)

    @get("/", operation_id="listOrganisations", guards=[requires(Role.ADMIN, Role.COUNSELLOR)],
         response_headers=NEXT_PAGE_HEADERS, description="Organisations by name, a page at a time.")
    async def list_organisations(
        self, request: ActorRequest, organisations: OrganisationService,
        limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None,
        kind: Annotated[OrganisationKind | None, Parameter(description="Only this kind.")] = None,
    ) -> Response[list[OrganisationOut]]:
        if request.user.role is Role.COUNSELLOR:
            kind = OrganisationKind.CREDITOR  # counsellors look up creditors to invite, nothing else
        found = await organisations.listed(PageRequest(limit, cursor), kind)
        return paged(request, found, OrganisationOut.model_validate)


class ApiKeyController(Controller):
    path = "/v1/api-keys"
    tags = ["Organisations"]  # noqa: RUF012
    dependencies = {"organisations": service(OrganisationService), "api_keys": service(ApiKeyService)}  # noqa: RUF012
    guards = [requires(Role.ADMIN)]  # noqa: RUF012

    @post("/", operation_id="issueApiKey")
    async def issue_key(
        self, data: ApiKeyCreate, organisations: OrganisationService, api_keys: ApiKeyService
    ) -> ApiKeyIssued:
        organisation = await organisations.get_one_or_none(id=data.organisation_id)
        if organisation is None:
            raise InvalidInputError("Keys are issued to a registered organisation.",
                                    [FieldError("/organisation_id", "no such organisation")])
        issued = await api_keys.issue(organisation, data.role, data.label)
        return ApiKeyIssued(**ApiKeyOut.model_validate(issued.key).model_dump(), key=issued.plain_key)

    @get("/", operation_id="listApiKeys", response_headers=NEXT_PAGE_HEADERS,
         description="Every key, live and revoked, in the order issued, a page at a time.")
    async def list_keys(
        self, request: ActorRequest, api_keys: ApiKeyService, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
    ) -> Response[list[ApiKeyOut]]:
        return paged(request, await api_keys.listed(PageRequest(limit, cursor)), ApiKeyOut.model_validate)

    @delete("/{key_id:uuid}", operation_id="revokeApiKey")
    async def revoke_key(self, key_id: uuid.UUID, api_keys: ApiKeyService) -> None:
        await api_keys.revoke(key_id)
