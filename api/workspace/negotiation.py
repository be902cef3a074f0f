"""The negotiation board: per creditor its answer on the case's current version, the deadline, and the
counsellor's moves (propose, remind the silent ones, ask a refuser to reconsider, make a creditor link,
activate) with the acceptance report. Every move is the API's negotiation or creditor-link service with the
signed-in counsellor's actor: the same audit, webhooks and 409s as through the API."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Redirect, Template
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.creditor_links.forms import date
from api.creditor_links.routes import page_url
from api.negotiation.schemas import ProposeIn, ReconsiderationIn
from api.providers import service
from api.workspace.negotiation_texts import TEXTS
from api.workspace.negotiation_views import board_context
from api.workspace.refusals import refused_text
from api.workspace.session import APP, WorkspaceUser, render
from debt_coord.creditor_links.service import CreditorLinkService
from debt_coord.kernel.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError, Refusal
from debt_coord.negotiation.service import NegotiationService
from debt_coord.planning.service import LoadedPlan, PlanService

Text = Annotated[str, Field(max_length=8000)]
Query = Annotated[str | None, Parameter(required=False)]
REFUSED = (ConflictError, ForbiddenError, InvalidInputError)
Done = dict[str, str]
"""What a move did, as the query of the board it leads to ({"done": "proposed"}, ...)."""


class FormWrong(Exception):
    """A board form's own field is not filled in right (before the service is asked): the key of its words."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class MoveForm(BaseModel):
    """One of the board's forms as sent: the version it is about and the move's own fields, all text."""

    model_config = ConfigDict(extra="ignore")

    plan_id: Text = ""
    response_deadline: Text = ""
    organisation_id: Text = ""
    reason: Text = ""


MoveBody = Annotated[MoveForm, Body(media_type=RequestEncodingType.URL_ENCODED)]


def _uuid(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text.strip()) if text and text.strip() else None
    except ValueError:
        raise NotFoundError("No such plan.") from None


class NegotiationBoardController(Controller):
    path = "/cases/{case_id:uuid}/negotiation"
    dependencies = {"plans": service(PlanService), "negotiations": service(NegotiationService),  # noqa: RUF012
                    "creditor_links": service(CreditorLinkService)}

    @get("/", operation_id="workspaceNegotiation")
    async def page(self, request: Request[Any, Any, Any], user: WorkspaceUser, case_id: uuid.UUID,
                   negotiations: NegotiationService, plan: Query = None, done: Query = None, org: Query = None,
                   count: Query = None) -> Template:
        """The board; after a move (Post/Redirect/Get) `done` says which, to say what happened."""
        try:
            return await _board(request, user, negotiations, case_id, _uuid(plan),
                                done={"done": done or "", "org": org or "", "count": count or ""})
        except NotFoundError:
            return _not_found(request, user)

    @post("/propose", operation_id="workspacePropose", status_code=303)
    async def propose(self, request: Request[Any, Any, Any], user: WorkspaceUser, case_id: uuid.UUID,
                      data: MoveBody, negotiations: NegotiationService) -> Redirect | Template:
        async def move(loaded: LoadedPlan) -> Done:
            typed = date(data.response_deadline.strip()) if data.response_deadline.strip() else None
            try:
                deadline = ProposeIn.model_validate({"response_deadline": typed}).response_deadline
            except ValidationError:
                raise FormWrong("error_deadline") from None
            await negotiations.propose(user.actor, loaded.version.id, deadline)
            return {"done": "proposed"}

        return await _move(request, user, negotiations, case_id, data, move)

    @post("/remind", operation_id="workspaceRemind", status_code=303)
    async def remind(self, request: Request[Any, Any, Any], user: WorkspaceUser, case_id: uuid.UUID,
                     data: MoveBody, negotiations: NegotiationService) -> Redirect | Template:
        async def move(loaded: LoadedPlan) -> Done:
            reminded = await negotiations.remind(user.actor, loaded.version.id)
            return {"done": "reminded", "count": str(len(reminded))}

        return await _move(request, user, negotiations, case_id, data, move)

    @post("/reconsider", operation_id="workspaceReconsider", status_code=303)
    async def reconsider(self, request: Request[Any, Any, Any], user: WorkspaceUser, case_id: uuid.UUID,
                         data: MoveBody, negotiations: NegotiationService) -> Redirect | Template:
        async def move(loaded: LoadedPlan) -> Done:
            organisation = _creditor(loaded, data.organisation_id)[0]
            try:
                ask = ReconsiderationIn.model_validate({"organisation_id": organisation, "reason": data.reason.strip()})
            except ValidationError:
                raise FormWrong("error_reason") from None
            await negotiations.reconsider(user.actor, loaded.version.id, ask.organisation_id, ask.reason)
            return {"done": "reconsidered", "org": str(organisation)}

        return await _move(request, user, negotiations, case_id, data, move)

    @post("/links", operation_id="workspaceCreditorLink", status_code=200)
    async def link(self, request: Request[Any, Any, Any], user: WorkspaceUser, case_id: uuid.UUID,
                   data: MoveBody, negotiations: NegotiationService,
                   creditor_links: CreditorLinkService) -> Redirect | Template:
        """The link is shown once, on the page this answers (never in a URL): no redirect here."""
        made: dict[str, str] = {}

        async def move(loaded: LoadedPlan) -> Done:
            organisation, name = _creditor(loaded, data.organisation_id)
            issued = await creditor_links.issue(user.actor, loaded.version.id, organisation)
            made.update(url=page_url(request, issued.token), creditor=name)
            return {}

        return await _move(request, user, negotiations, case_id, data, move, link=made)

    @post("/activate", operation_id="workspaceActivate", status_code=303)
    async def activate(self, request: Request[Any, Any, Any], user: WorkspaceUser, case_id: uuid.UUID,
                       data: MoveBody, negotiations: NegotiationService) -> Redirect | Template:
        async def move(loaded: LoadedPlan) -> Done:
            await negotiations.activate(user.actor, loaded.version.id)
            return {"done": "activated"}

        return await _move(request, user, negotiations, case_id, data, move)


def _creditor(loaded: LoadedPlan, organisation_id: str) -> tuple[uuid.UUID, str]:
    for line in loaded.lines:
        if line.organisation_id == organisation_id.strip():
            return uuid.UUID(line.organisation_id), line.creditor
    raise InvalidInputError("That organisation has no claim in this plan.", code=Refusal.NOT_A_CREDITOR_IN_PLAN)


async def _loaded(negotiations: NegotiationService, user: WorkspaceUser, case_id: uuid.UUID,
                  plan_id: uuid.UUID | None) -> LoadedPlan | None:
    """The version the board is about: the one named, else the case's current one (None: no plan yet)."""
    plans: PlanService = negotiations.plans
    case = await plans.cases.find_own(user.actor, case_id, "see the negotiation")
    if plan_id is None:
        current = await plans.current_version(case.id)
        return LoadedPlan(current, case) if current else None
    loaded = await plans.find_own(user.actor, plan_id, "see the negotiation")
    if loaded.case.id != case.id:
        raise NotFoundError(f"No plan {plan_id}.")
    return loaded


async def _move(request: Request[Any, Any, Any], user: WorkspaceUser, negotiations: NegotiationService,
                case_id: uuid.UUID, data: MoveForm, move: Callable[[LoadedPlan], Awaitable[Done]],
                link: dict[str, str] | None = None) -> Redirect | Template:
    """Do one move on the form's version: then the board again (a 303 to it), or the board with why not."""
    loaded: LoadedPlan | None = None
    try:
        plan_id = _uuid(data.plan_id)
        loaded = await _loaded(negotiations, user, case_id, plan_id) if plan_id else None
        if loaded is None:
            raise NotFoundError("No such plan.")
        done = await move(loaded)
    except NotFoundError:
        return _not_found(request, user)
    except FormWrong as wrong:
        return await _board(request, user, negotiations, case_id, plan_id, status=422,
                            problem=TEXTS[user.language][wrong.key])
    except REFUSED as refused:
        problem = refused_text(refused, user.language, loaded.case.currency if loaded else "EUR")
        return await _board(request, user, negotiations, case_id, plan_id, status=refused.status, problem=problem)
    if link is not None:
        return await _board(request, user, negotiations, case_id, plan_id, link=link)
    return Redirect(f"{APP}/cases/{case_id}/negotiation?{urlencode({'plan': str(plan_id), **done})}",
                    status_code=303)


def _notice(t: dict[str, str], board: dict[str, Any] | None, done: dict[str, str]) -> str:
    """What the move that led here did, in words ('' when none or not known)."""
    kind = done.get("done", "")
    if board is None or kind not in ("proposed", "reminded", "reconsidered", "activated"):
        return ""
    names = {row["organisation_id"]: row["creditor"] for row in board["creditors"]}
    if kind == "reconsidered":
        return t[kind].format(creditor=names[done["org"]]) if done.get("org") in names else ""
    count = done.get("count", "")
    return t[kind].format(number=board["number"], count=int(count) if count.isdecimal() else 0)


async def _board(request: Request[Any, Any, Any], user: WorkspaceUser, negotiations: NegotiationService,
                 case_id: uuid.UUID, plan_id: uuid.UUID | None, *, status: int = 200, problem: str = "",
                 link: dict[str, str] | None = None, done: dict[str, str] | None = None) -> Template:
    t = TEXTS[user.language]
    loaded = await _loaded(negotiations, user, case_id, plan_id)
    board = None
    if loaded is not None:
        negotiation = await negotiations.negotiation(loaded)
        board = board_context(loaded, negotiation, negotiations.report(loaded, negotiation), user.language,
                              await negotiations.plans.variation_changes(loaded))
    case = loaded.case if loaded else await negotiations.plans.cases.find_own(user.actor, case_id, "negotiate")
    notice = t["link_made"].format(creditor=link["creditor"]) if link else _notice(t, board, done or {})
    return render(request, user, "workspace/negotiation.html.j2", title=f"{t['title']} {case.reference}",
                  status_code=status, t=t, case=case, board=board, notice=notice, problem=problem, link=link)


def _not_found(request: Request[Any, Any, Any], user: WorkspaceUser) -> Template:
    t = TEXTS[user.language]
    return render(request, user, "workspace/problem.html.j2", title=t["title"], status_code=404, text=t["not_found"])
