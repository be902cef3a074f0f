"""A creditor's standing acceptance policy (collective settlement terms)."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar import Controller, delete, get, put
from litestar.di import Provide
from litestar.exceptions import NotFoundException

from api.auth import ActorRequest, requires
from api.plan_schemas import PolicyIn, PolicyOut
from debt_coord.models import Role
from debt_coord.services.policies import PolicyService


class PolicyController(Controller):
    path = "/v1/acceptance-policy"
    tags = ["Plans"]  # noqa: RUF012
    dependencies = {"policies": Provide(create_service_provider(PolicyService))}  # noqa: RUF012
    guards = [requires(Role.CREDITOR)]  # noqa: RUF012

    @put("/", operation_id="publishAcceptancePolicy")
    async def publish(self, request: ActorRequest, data: PolicyIn, policies: PolicyService) -> PolicyOut:
        terms = data.model_dump(mode="json")
        return PolicyOut.model_validate(await policies.publish(request.user, terms))

    @get("/", operation_id="getAcceptancePolicy", raises=[NotFoundException])  # none published yet
    async def get_policy(self, request: ActorRequest, policies: PolicyService) -> PolicyOut:
        return PolicyOut.model_validate(await policies.own(request.user))

    @delete("/", operation_id="withdrawAcceptancePolicy", raises=[NotFoundException])
    async def withdraw(self, request: ActorRequest, policies: PolicyService) -> None:
        await policies.withdraw(request.user)
