"""Payouts via the counsellor: the organisation's payout runs and their pain.001 files, the statements of its payout
account, and a case's transfers. A counselling organisation's counsellors alone; each sees its own organisation's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from litestar import Controller, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from api.auth import ActorRequest, requires
from api.cases.claims import IdempotencyKey
from api.money_in.statements import statement_body
from api.paging import NEXT_PAGE_HEADERS, Cursor, Limit, paged
from api.payouts.schemas import (
    AccountStatementImported,
    PayoutRunDetail,
    PayoutRunIn,
    PayoutRunOut,
    TransferOut,
    imported_out,
    run_detail,
    run_out,
    transfer_out,
)
from api.providers import service
from debt_coord.kernel.actors import Role
from debt_coord.kernel.paging import DEFAULT_LIMIT, PageRequest
from debt_coord.kernel.settings import STATEMENT_MAX_BYTES_CEILING
from debt_coord.money_in.statements.service import CAMT_TYPES
from debt_coord.payouts.service import PayoutService
from debt_coord.payouts.statements import AccountStatementService


class PayoutRunController(Controller):
    path = "/v1/payout-runs"
    tags = ["Payouts"]  # noqa: RUF012
    dependencies = {"payouts": service(PayoutService)}  # noqa: RUF012
    guards = [requires(Role.COUNSELLOR)]  # noqa: RUF012

    @post("/", operation_id="createPayoutRun", status_code=HTTP_201_CREATED,
          description="Pay the creditors of the organisation's active via_counsellor cases what their plans made due "
                      "on or before `execution_date`, never more than each case's reserve, the oldest due first: one "
                      "transfer per claim, one pain.001.001.03 file. What an earlier run paid is never paid again; "
                      "nothing due is a 409 problem, not an empty file.")
    async def create_run(self, request: ActorRequest, data: PayoutRunIn, payouts: PayoutService,
                         idempotency_key: IdempotencyKey = None) -> Response[PayoutRunDetail]:
        outcome = await payouts.run_once(request.user, data.execution_date, idempotency_key,
                                         lambda view: (201, run_detail(view).model_dump(mode="json")))
        headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
        return Response(PayoutRunDetail.model_validate(outcome.body), status_code=outcome.status_code,
                        headers=headers)

    @get("/", operation_id="listPayoutRuns", response_headers=NEXT_PAGE_HEADERS,
         description="The organisation's payout runs, the oldest first, a page at a time.")
    async def list_runs(self, request: ActorRequest, payouts: PayoutService, limit: Limit = DEFAULT_LIMIT,
                        cursor: Cursor = None) -> Response[list[PayoutRunOut]]:
        return paged(request, await payouts.runs(request.user, PageRequest(limit, cursor)), run_out)

    @get("/{run_id:uuid}", operation_id="getPayoutRun",
         description="One run with its transfers and the status of each (pending, settled, returned).")
    async def get_run(self, request: ActorRequest, run_id: uuid.UUID, payouts: PayoutService) -> PayoutRunDetail:
        return run_detail(await payouts.run(request.user, run_id))

    @get("/{run_id:uuid}/pain.001", operation_id="getPayoutFile", media_type="application/xml",
         description="The run's pain.001.001.03 file as written, for the organisation's bank.")
    async def get_file(self, request: ActorRequest, run_id: uuid.UUID, payouts: PayoutService) -> Response[bytes]:
        run = (await payouts.run(request.user, run_id)).run
        return Response(run.document.encode(), media_type="application/xml",
                        headers={"Content-Disposition": f'attachment; filename="payout-{run.execution_date}-'
                                                        f'{run.id}.xml"'})


class CasePayoutController(Controller):
    path = "/v1/cases/{case_id:uuid}/payouts"
    tags = ["Payouts"]  # noqa: RUF012
    dependencies = {"payouts": service(PayoutService)}  # noqa: RUF012
    guards = [requires(Role.COUNSELLOR)]  # noqa: RUF012

    @get("/", operation_id="listCasePayouts", response_headers=NEXT_PAGE_HEADERS,
         description="The case's payout transfers, the oldest first, with their status: a returned one shows here.")
    async def list_transfers(self, request: ActorRequest, case_id: uuid.UUID, payouts: PayoutService,
                             limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Response[list[TransferOut]]:
        found = await payouts.case_transfers(request.user, case_id, PageRequest(limit, cursor))
        return paged(request, found, transfer_out)


@dataclass
class AccountStatementUpload(Operation):
    """The import's body is a file, which Litestar cannot describe from a parameter."""

    def __post_init__(self) -> None:
        camt = Schema(type=OpenAPIType.STRING, description="ISO 20022 camt.053 (001.02 or 001.08) XML.")
        self.request_body = RequestBody(required=True, description="The payout account's statement, as exported.",
                                        content={CAMT_TYPES[0]: OpenAPIMediaType(schema=camt)})


class AccountStatementController(Controller):
    path = "/v1/account-statements"
    tags = ["Payouts"]  # noqa: RUF012
    dependencies = {"statements": service(AccountStatementService)}  # noqa: RUF012
    guards = [requires(Role.COUNSELLOR)]  # noqa: RUF012

    @post("/", operation_id="importAccountStatement", status_code=HTTP_201_CREATED,
          request_max_body_size=STATEMENT_MAX_BYTES_CEILING, operation_class=AccountStatementUpload,
          responses={HTTP_200_OK: ResponseSpec(AccountStatementImported, description="This file was imported "
                                               "before: nothing was written, every entry is a duplicate."),
                     415: ResponseSpec(None, description="Not application/xml.")},
          description="A camt.053 statement of the organisation's payout account: debtors' deposits (a case's "
                      "reference in the remittance), payouts leaving (settled, by end-to-end id) and returned "
                      "payouts (reversed). Whole or not at all; the same file again changes nothing (200). Another "
                      "account's statement is refused whole (422). Unmatched entries are kept and listed.")
    async def import_statement(self, request: ActorRequest, statements: AccountStatementService
                               ) -> Response[AccountStatementImported]:
        media_type, options = request.content_type
        body = await statement_body(request, request.app.state.settings.statement_max_bytes)
        imported = await statements.import_file(request.user, body, media_type.lower(), options.get("charset"))
        return Response(imported_out(imported), status_code=HTTP_201_CREATED if imported.created else HTTP_200_OK)
