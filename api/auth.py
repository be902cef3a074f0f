"""Bearer API keys: the middleware finds the key's actor, guards check the role."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
)
from litestar.types import Guard

from debt_coord.kernel.actors import Actor, Role
from debt_coord.kernel.uow import UnitOfWork
from debt_coord.organisations.models import ApiKey
from debt_coord.organisations.service import ApiKeyService

ActorRequest = Request[Actor, ApiKey, Any]
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="debt-coord"'}


class BearerKeyMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("Send your API key as 'Authorization: Bearer <key>'.", headers=_CHALLENGE)
        async with connection.app.state.session_factory() as session:
            found = await ApiKeyService(UnitOfWork(session)).authenticate(token.strip())
        if found is None:
            raise NotAuthorizedException("This API key is unknown or revoked.", headers=_CHALLENGE)
        key, organisation = found
        actor = Actor(
            organisation_id=organisation.id,
            role=key.role,
            name=f"{organisation.name} ({key.role.value} key {key.prefix}…)",
            api_key_id=key.id,
        )
        return AuthenticationResult(user=actor, auth=key)


def requires(*roles: Role) -> Guard:
    allowed = set(roles)

    def guard(connection: ASGIConnection[Any, Actor, Any, Any], _: BaseRouteHandler) -> None:
        # OPTIONS (a CORS preflight carries no credentials) skips the key middleware and reaches Litestar's own
        # handler, which answers 204 with Allow; it inherits the controller's guards, which must let it through.
        if connection.scope.get("method") == "OPTIONS":
            return
        if connection.user.role not in allowed:
            names = " or ".join(sorted(r.value for r in allowed))
            raise PermissionDeniedException(f"This needs a {names} key; yours is a {connection.user.role.value} key.")

    return guard
