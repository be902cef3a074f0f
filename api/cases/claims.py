"""Claims on a case: creditors register and correct their own; the counsellor reads all."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Response, delete, get, patch, post
from litestar.params import HeaderParameter

from api.auth import ActorRequest, requires
from api.cases.schemas import ClaimCreate, ClaimOut, ClaimPatch
from api.paging import NEXT_PAGE_HEADERS, Cursor, Limit, paged
from api.providers import service
from debt_coord.cases.claims import ClaimService
from debt_coord.kernel.actors import Role
from debt_coord.kernel.paging import DEFAULT_LIMIT, PageRequest

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(name="Idempotency-Key", min_length=1, max_length=255, required=False,
              description="A retry with the same key returns the first answer and writes nothing."),
]
IfMatch = Annotated[
    str | None,
    HeaderParameter(name="If-Match", required=False, max_length=64,
              description="Required: the claim's version (its ETag) the change was made on; without it 428, "
                          "and 412 if the claim moved on."),
]


def expected_version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    digits = if_match.strip().removeprefix("W/").strip('"')
    return int(digits) if digits.isdigit() else -1


def claim_response(claim: Any, status_code: int = 200) -> Response[ClaimOut]:
    return Response(ClaimOut.model_validate(claim), status_code=status_code, headers={"ETag": f'"{claim.version}"'})


class ClaimController(Controller):
    path = "/v1/cases/{case_id:uuid}/claims"
    tags = ["Claims"]  # noqa: RUF012
    dependencies = {"claims": service(ClaimService)}  # noqa: RUF012
    guards = [requires(Role.COUNSELLOR, Role.CREDITOR)]  # noqa: RUF012

    @post("/", operation_id="registerClaim", guards=[requires(Role.CREDITOR)], status_code=201)
    async def register_claim(
        self, request: ActorRequest, case_id: uuid.UUID, data: ClaimCreate, claims: ClaimService,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ClaimOut]:  # the stored answer, a ClaimOut as JSON (a replay sends it again as it was)
        outcome = await claims.register_once(
            request.user, case_id, data.model_dump(), idempotency_key,
            lambda claim: (201, ClaimOut.model_validate(claim).model_dump(mode="json")),
        )
        headers = {"Location": f"/v1/cases/{case_id}/claims/{outcome.body['id']}",
                   "ETag": f'"{outcome.body["version"]}"'}
        if outcome.replayed:
            headers["Idempotent-Replayed"] = "true"
        return Response(outcome.body, status_code=outcome.status_code, headers=headers)

    @get("/", operation_id="listClaims", response_headers=NEXT_PAGE_HEADERS,
         description="The case's claims in the order registered, a page at a time: all of them for the counsellor, "
                     "its own for a creditor.")
    async def list_claims(
        self, request: ActorRequest, case_id: uuid.UUID, claims: ClaimService,
        limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[list[ClaimOut]]:
        found = await claims.visible_claims(request.user, case_id, PageRequest(limit, cursor))
        return paged(request, found, ClaimOut.model_validate)

    @get("/{claim_id:uuid}", operation_id="getClaim")
    async def get_claim(
        self, request: ActorRequest, case_id: uuid.UUID, claim_id: uuid.UUID, claims: ClaimService
    ) -> Response[ClaimOut]:
        return claim_response(await claims.find_visible(request.user, case_id, claim_id))

    @patch("/{claim_id:uuid}", operation_id="correctClaim", guards=[requires(Role.CREDITOR)])
    async def correct_claim(
        self, request: ActorRequest, case_id: uuid.UUID, claim_id: uuid.UUID, data: ClaimPatch,
        claims: ClaimService, if_match: IfMatch = None,
    ) -> Response[ClaimOut]:
        changes = data.model_dump(exclude_unset=True)
        claim = await claims.correct(request.user, case_id, claim_id, changes, expected_version(if_match))
        return claim_response(claim)

    @delete("/{claim_id:uuid}", operation_id="withdrawClaim", guards=[requires(Role.CREDITOR)])
    async def withdraw_claim(
        self, request: ActorRequest, case_id: uuid.UUID, claim_id: uuid.UUID, claims: ClaimService,
        if_match: IfMatch = None,
    ) -> None:
        await claims.withdraw(request.user, case_id, claim_id, expected_version(if_match))
