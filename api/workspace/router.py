"""Everything under /app: one router with the session middleware, the signed-in guard, the `user` dependency,
and forms refused without their CSRF token shown as a page. Add a workspace controller to CONTROLLERS (its
path is relative to /app, e.g. "/cases/{case_id:uuid}/plans")."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router
from litestar.di import Provide
from litestar.exceptions import PermissionDeniedException
from litestar.types import ControllerRouterHandler

from api.creditor_links.routes import wants_html
from api.problems import on_http
from api.workspace.assets import static_router
from api.workspace.board import BoardController
from api.workspace.case_page import CasePageController
from api.workspace.negotiation import NegotiationBoardController
from api.workspace.plans import PlanBuilderController
from api.workspace.session import APP, NotSignedIn, provide_user, render, session_config, signed_in, to_sign_in
from api.workspace.sign_in import SignInController
from api.workspace.texts import BASE
from debt_coord.kernel.settings import Settings

CONTROLLERS: list[ControllerRouterHandler] = [SignInController, BoardController, CasePageController,
                                               PlanBuilderController, NegotiationBoardController, static_router()]


def refused_form(request: Request[Any, Any, Any], exc: PermissionDeniedException) -> Response[Any]:
    """A form without its CSRF token (or a forged one): nothing is done; a browser gets the words."""
    if not wants_html(request):
        return on_http(request, exc)
    page = render(request, None, "workspace/problem.html.j2", title=BASE["nl"]["csrf_title"], status_code=403)
    t = page.context["tb"]
    page.context.update(title=t["csrf_title"], text=t["csrf_text"])
    return page


def workspace_router(settings: Settings) -> Router:
    return Router(path=APP, route_handlers=CONTROLLERS, middleware=[session_config(settings).middleware],
                  guards=[signed_in], dependencies={"user": Provide(provide_user)},
                  exception_handlers={NotSignedIn: to_sign_in, PermissionDeniedException: refused_form},
                  include_in_schema=False, opt={"exclude_from_auth": True}, tags=["Workspace"])
