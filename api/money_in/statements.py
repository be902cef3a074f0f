"""Bank statements of the debtor's account: imported as the raw file, listed with their entries, matched by hand.

The counsellor of the case alone. The body is the file itself: camt.053 as `application/xml`, MT940 as
`text/plain`. It may be up to DEBT_COORD_STATEMENT_MAX_BYTES (10 MiB by default); every other route keeps the
app's 1 MiB. Litestar's limit for this route is the most that setting may be, and the body is counted
against the setting as it arrives, so a larger one is refused before it is read whole.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from litestar import Controller, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from api.auth import ActorRequest, requires
from api.money_in.statement_schemas import (
    EntryOut,
    MatchIn,
    StatementDetail,
    StatementImported,
    StatementOut,
    entry_out,
    imported_out,
    statement_detail,
    statement_out,
)
from api.paging import NEXT_PAGE_HEADERS, Cursor, Limit, paged
from api.providers import service
from debt_coord.kernel.actors import Role
from debt_coord.kernel.paging import DEFAULT_LIMIT, PageRequest
from debt_coord.kernel.settings import STATEMENT_MAX_BYTES_CEILING
from debt_coord.money_in.statements.service import (
    CAMT_TYPES,
    MT940_TYPES,
    StatementService,
    StatementTooLargeError,
)


@dataclass
class StatementUpload(Operation):
    """The operation of the import: its body is a file, which Litestar cannot describe from a parameter."""

    def __post_init__(self) -> None:
        camt = Schema(type=OpenAPIType.STRING, description="ISO 20022 camt.053 (001.02 or 001.08) XML.")
        mt940 = Schema(type=OpenAPIType.STRING, description="SWIFT MT940, as Dutch banks export it.")
        self.request_body = RequestBody(
            required=True, description="The bank statement file, as the bank exported it.",
            content={CAMT_TYPES[0]: OpenAPIMediaType(schema=camt), MT940_TYPES[0]: OpenAPIMediaType(schema=mt940)})


async def statement_body(request: ActorRequest, limit: int) -> bytes:
    """The body, counted as it arrives: refused as soon as it is more than `limit` bytes."""
    too_large = StatementTooLargeError(f"The bank statement is larger than {limit:,} bytes, the most this service "
                                       "takes (DEBT_COORD_STATEMENT_MAX_BYTES).")
    if (request.content_length or 0) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


class StatementController(Controller):
    path = "/v1/cases/{case_id:uuid}/statements"
    tags = ["Money in"]  # noqa: RUF012
    dependencies = {"statements": service(StatementService)}  # noqa: RUF012
    guards = [requires(Role.COUNSELLOR)]  # noqa: RUF012

    @post("/", operation_id="importStatement", status_code=HTTP_201_CREATED,
          request_max_body_size=STATEMENT_MAX_BYTES_CEILING, operation_class=StatementUpload,
          responses={HTTP_200_OK: ResponseSpec(StatementImported, description="This file was imported before: "
                                               "nothing was written, every entry is a duplicate."),
                     415: ResponseSpec(None, description="Neither application/xml nor text/plain.")},
          description="A bank statement of the debtor's account, as the raw file: camt.053 (application/xml) or "
                      "MT940 (text/plain). Its entries are matched to the active plan's transfers; every match is "
                      "a receipt. The same file again changes nothing (200). A file that cannot be read, of "
                      "another currency, or of an account that is not the debtor's, is refused whole (422).")
    async def import_statement(self, request: ActorRequest, case_id: uuid.UUID, statements: StatementService
                               ) -> Response[StatementImported]:
        settings = request.app.state.settings
        media_type, options = request.content_type
        body = await statement_body(request, settings.statement_max_bytes)
        imported = await statements.import_file(request.user, case_id, body, media_type.lower(), options.get("charset"),
                                                window_days=settings.statement_window_days)
        return Response(imported_out(imported), status_code=HTTP_201_CREATED if imported.created else HTTP_200_OK)

    @get("/", operation_id="listStatements", response_headers=NEXT_PAGE_HEADERS,
         description="The case's imported statements, the oldest first, a page at a time.")
    async def list_statements(self, request: ActorRequest, case_id: uuid.UUID, statements: StatementService,
                              limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Response[list[StatementOut]]:
        found = await statements.statements(request.user, case_id, PageRequest(limit, cursor))
        return paged(request, found, statement_out)

    @get("/{statement_id:uuid}", operation_id="getStatement",
         description="One import with its entries: what each was matched to, and what is left unmatched.")
    async def get_statement(self, request: ActorRequest, case_id: uuid.UUID, statement_id: uuid.UUID,
                            statements: StatementService) -> StatementDetail:
        return statement_detail(await statements.statement(request.user, case_id, statement_id))

    @post("/{statement_id:uuid}/matches", operation_id="matchStatementEntry", status_code=HTTP_201_CREATED,
          description="Match (part of) a debit entry's unmatched money to a claim by hand: a receipt, audited.")
    async def match_entry(self, request: ActorRequest, case_id: uuid.UUID, statement_id: uuid.UUID, data: MatchIn,
                          statements: StatementService) -> EntryOut:
        view = await statements.match_by_hand(request.user, case_id, statement_id, data.entry_id, data.transaction,
                                              data.claim_id, data.amount_cents)
        return entry_out(view)
