"""Money in: receipts recorded by the counsellor (any claim) or a creditor (its own), reversals, installments."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post
from litestar.status_codes import HTTP_201_CREATED

from api.auth import ActorRequest, requires
from api.cases.claims import IdempotencyKey
from api.money_in.schemas import (
    InstallmentsOut,
    ReceiptIn,
    ReceiptOut,
    ReversalIn,
    installments_out,
    receipt_out,
)
from api.paging import NEXT_PAGE_HEADERS, Cursor, Limit, paged
from api.providers import service
from debt_coord.kernel.actors import Role
from debt_coord.kernel.paging import DEFAULT_LIMIT, PageRequest
from debt_coord.money_in.service import MoneyInService


class MoneyInController(Controller):
    path = "/v1/cases/{case_id:uuid}"
    tags = ["Money in"]  # noqa: RUF012
    dependencies = {"money_in": service(MoneyInService)}  # noqa: RUF012
    guards = [requires(Role.COUNSELLOR, Role.CREDITOR)]  # noqa: RUF012

    @post("/receipts", operation_id="recordReceipt", status_code=HTTP_201_CREATED,
          description="Money that reached a creditor for a claim of the active plan. A creditor records its own.")
    async def record_receipt(
        self, request: ActorRequest, case_id: uuid.UUID, data: ReceiptIn, money_in: MoneyInService,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ReceiptOut]:
        outcome = await money_in.record_once(
            request.user, case_id, data.model_dump(), idempotency_key,
            lambda receipt: (201, receipt_out(receipt).model_dump(mode="json")),
        )
        headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
        return Response(ReceiptOut.model_validate(outcome.body), status_code=outcome.status_code, headers=headers)

    @get("/receipts", operation_id="listReceipts", response_headers=NEXT_PAGE_HEADERS)
    async def list_receipts(
        self, request: ActorRequest, case_id: uuid.UUID, money_in: MoneyInService,
        limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[list[ReceiptOut]]:
        return paged(request, await money_in.receipts(request.user, case_id, PageRequest(limit, cursor)), receipt_out)

    @post("/receipts/{receipt_id:uuid}/reversal", operation_id="reverseReceipt", status_code=HTTP_201_CREATED,
          description="Correct a wrong receipt with a reversing entry; the receipt stays, marked as reversed.")
    async def reverse_receipt(
        self, request: ActorRequest, case_id: uuid.UUID, receipt_id: uuid.UUID, data: ReversalIn,
        money_in: MoneyInService,
    ) -> ReceiptOut:
        return receipt_out(await money_in.reverse(request.user, case_id, receipt_id, data.reason))

    @get("/installments", operation_id="listInstallments",
         description="The active plan's transfers with what each received and its status, the arrears, the balances.")
    async def installments(
        self, request: ActorRequest, case_id: uuid.UUID, money_in: MoneyInService
    ) -> InstallmentsOut:
        settings = request.app.state.settings
        found = await money_in.money_in(request.user, case_id, settings.arrears_grace_bank_days)
        return installments_out(found, settings.arrears_suggest_failure_dates)
