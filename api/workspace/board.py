"""The case board (/app/cases): the organisation's cases by state with the dates that matter, search, pages,
and the form that opens a new case (the API's CaseCreate and CaseService.open_case)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter
from litestar.response import Redirect, Template
from pydantic import ValidationError

from api.cases.schemas import CaseCreate
from api.providers import service
from api.workspace.forms import NewCaseBody, NewCaseForm
from api.workspace.session import BOARD_PATH, WorkspaceUser, render
from api.workspace.texts import BOARD, CHANNELS, FIELD_ERRORS, STATES, day, money
from debt_coord.cases.models import ContactChannel
from debt_coord.cases.service import CaseService
from debt_coord.cases.states import CaseState
from debt_coord.kernel.errors import ConflictError, InvalidInputError
from debt_coord.kernel.paging import InvalidCursorError, PageRequest
from debt_coord.kernel.uow import UnitOfWork
from debt_coord.workspace.board import Board, CaseBoard

PAGE_SIZE = 25
Query = Annotated[str | None, Parameter(required=False)]
FIELDS = ("reference", "debtor_name", "debtor_contact_channel", "debtor_contact", "currency", "country",
          "reference_date")


def provide_board(uow: UnitOfWork) -> CaseBoard:
    return CaseBoard(uow)


class BoardController(Controller):
    path = "/cases"
    dependencies = {"board": Provide(provide_board, sync_to_thread=False),  # noqa: RUF012
                    "cases": service(CaseService)}

    @get("/", operation_id="workspaceCaseBoard")
    async def show(self, request: Request[Any, Any, Any], user: WorkspaceUser, board: CaseBoard, state: State,
                   q: Query = None, status: Query = None, cursor: Query = None) -> Template:
        return await _board_page(request, user, board, state, q or "", status or "", cursor)

    @post("/", operation_id="workspaceOpenCase", status_code=303)
    async def open_case(self, request: Request[Any, Any, Any], user: WorkspaceUser, data: NewCaseBody,
                        board: CaseBoard, cases: CaseService, state: State) -> Redirect | Template:
        valid, errors = _check(data)
        if valid is not None:
            try:
                case = await cases.open_case(user.actor, valid.model_dump())
            except ConflictError:
                errors = {"reference": "reference_in_use"}
            except InvalidInputError as error:
                errors = _fields(error)
            else:
                return Redirect(f"{BOARD_PATH}/{case.id}", status_code=303, headers={"Cache-Control": "no-store"})
        return await _board_page(request, user, board, state, "", "", None, status_code=422, errors=errors,
                                 entered=data.model_dump())


def _check(data: NewCaseForm) -> tuple[CaseCreate | None, dict[str, str]]:
    """The API's own body, or field -> the key of its error words: the API's schema decides."""
    try:
        return CaseCreate.model_validate(_case_data(data)), {}
    except ValidationError as error:
        found = {str(e["loc"][0]): str(e["loc"][0]) for e in error.errors() if e["loc"] and e["loc"][0] in FIELDS}
        return None, found or {"reference": "reference"}


def _fields(error: InvalidInputError) -> dict[str, str]:
    named = {f.pointer.strip("/").split("/")[0] for f in error.errors}
    return {name: name for name in named if name in FIELDS} or {"reference": "reference"}


def _case_data(data: NewCaseForm) -> dict[str, Any]:
    fields = data.model_dump(include=set(FIELDS))
    return {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()
            if name != "reference_date" or value.strip()}


async def _board_page(request: Request[Any, Any, Any], user: WorkspaceUser, board: CaseBoard, state: State,
                      q: str, status: str, cursor: str | None, *, status_code: int = 200,
                      errors: dict[str, str] | None = None, entered: dict[str, Any] | None = None) -> Template:
    lang = user.language
    states = frozenset({CaseState(status)}) if status in {s.value for s in CaseState} else frozenset()
    grace = state.settings.arrears_grace_bank_days
    try:
        found = await board.board(user.actor, q, states, PageRequest(PAGE_SIZE, cursor), grace)
    except InvalidCursorError:  # an old or edited link: start at the first page
        cursor = None
        found = await board.board(user.actor, q, states, PageRequest(PAGE_SIZE), grace)
    t = BOARD[lang]
    words = FIELD_ERRORS[lang]
    return render(request, user, "workspace/board.html.j2", title=t["title"], status_code=status_code, t=t,
                  q=q, status=status if states else "", groups=_groups(found, lang), first=cursor is not None,
                  counts=[(s.value, STATES[lang][s.value], found.counts.get(s, 0)) for s in CaseState],
                  all_states=words["all_states"], next_url=_next_url(q, status if states else "", found.next_cursor),
                  errors={field: words[key] for field, key in (errors or {}).items()},
                  entered=entered or NewCaseForm().model_dump(),
                  channels=[(c.value, CHANNELS[lang][c.value]) for c in ContactChannel])


def _groups(found: Board, lang: str) -> list[dict[str, Any]]:
    """The page's cases by state, in the states' order, each row with its dates in words."""
    groups = []
    for state in CaseState:
        rows = [{"id": str(row.case.id), "reference": row.case.reference, "debtor": row.case.debtor_name,
                 "claims_deadline": day(row.case.claims_deadline, lang),
                 "response_deadline": day(row.response_deadline, lang),
                 "arrears": money(row.arrears.cents, row.case.currency, lang) if row.arrears and row.arrears.cents
                 else "", "behind": bool(row.arrears and row.arrears.cents)}
                for row in found.rows if row.case.state is state]
        if rows:
            groups.append({"state": state.value, "name": STATES[lang][state.value], "rows": rows})
    return groups


def _next_url(q: str, status: str, next_cursor: str | None) -> str:
    if next_cursor is None:
        return ""
    query = {k: v for k, v in (("q", q), ("status", status), ("cursor", next_cursor)) if v}
    return f"{BOARD_PATH}?{urlencode(query)}"
