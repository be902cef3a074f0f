"""A creditor's standing acceptance policy (collective settlement terms)."""

from __future__ import annotations

from litestar import Controller, delete, get, put
from litestar.exceptions import NotFoundException

from api.auth import ActorRequest, requires
from api.negotiation.schemas import PolicyIn, PolicyOut
from api.providers import service
from debt_coord.kernel.actors import Role
from debt_coord.negotiation.policies import PolicyService


class PolicyController(Controller):
    path = "/v1/acceptance-policy"
    tags = ["Plans"]  # noqa: RUF012
    dependencies = {"policies": service(PolicyService)}  # noqa: RUF012
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
