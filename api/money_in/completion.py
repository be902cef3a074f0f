"""Completion: the final statement (counsellor: every claim; creditor: its own) and a creditor's discharge."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_200_OK, HTTP_409_CONFLICT

from api.auth import ActorRequest, requires
from api.money_in.completion_schemas import DischargeIn, FinalStatementOut, final_statement_out
from api.providers import service
from debt_coord.kernel.actors import Role
from debt_coord.money_in.completion import CompletionService


class NotYet(HTTPException):
    """Documents the 409 of a final statement asked for before it is due (the service raises the problem)."""

    status_code = HTTP_409_CONFLICT


class CompletionController(Controller):
    path = "/v1/cases/{case_id:uuid}/final-statement"
    tags = ["Money in"]  # noqa: RUF012
    dependencies = {"completion": service(CompletionService)}  # noqa: RUF012

    @get("/", operation_id="getFinalStatement", guards=[requires(Role.COUNSELLOR, Role.CREDITOR)], raises=[NotYet],
         description="Once the plan's last payment date is past, or nothing is owed any more: per claim and "
                     "creditor what was owed at the reference date, received, the percentage and the remainder. "
                     "Before that a 409 problem that says from when.")
    async def final_statement(self, request: ActorRequest, case_id: uuid.UUID, completion: CompletionService
                              ) -> FinalStatementOut:
        return final_statement_out(await completion.final_statement(request.user, case_id))

    @post("/discharges", operation_id="dischargeClaims", status_code=HTTP_200_OK, guards=[requires(Role.CREDITOR)],
          description="A creditor grants discharge of the remainder of its own claims (a ledger journal); again "
                      "changes nothing. When every claim is paid or discharged the case is completed "
                      "(`plan.completed` webhook). Answers the final statement as it now stands.")
    async def discharge(self, request: ActorRequest, case_id: uuid.UUID, data: DischargeIn,
                        completion: CompletionService) -> FinalStatementOut:
        return final_statement_out(await completion.discharge(request.user, case_id, data.claim_ids))
