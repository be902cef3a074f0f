"""Signing in and out, choosing a password with the one-time link, and the language switch (all public)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from babel.dates import format_time
from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template

from api.creditor_links.routes import wants_html
from api.providers import service
from api.workspace.forms import SetPasswordBody, SignInBody
from api.workspace.session import (
    BOARD_PATH,
    LOGIN_PATH,
    end_session,
    local_next,
    render,
    session_language,
    start_session,
)
from api.workspace.texts import LOCALES, SIGN_IN, language
from debt_coord.kernel.errors import InvalidInputError, NotFoundError
from debt_coord.workspace.service import MAX_PASSWORD, MIN_PASSWORD, WorkspaceAccountService

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
Query = Annotated[str | None, Parameter(required=False)]
PUBLIC = {"public": True}
_NO_STORE = {"Cache-Control": "no-store"}


class SignInController(Controller):
    dependencies = {"accounts": service(WorkspaceAccountService)}  # noqa: RUF012
    opt = PUBLIC

    @get("/", operation_id="workspaceHome")
    async def home(self) -> Redirect:
        return Redirect(BOARD_PATH, status_code=303)

    @get("/login", operation_id="workspaceSignInPage")
    async def login_page(self, request: Request[Any, Any, Any], next: Query = None,
                         signed_out: Query = None, password_set: Query = None) -> Template:
        t = SIGN_IN[session_language(request)]
        notice = t["signed_out"] if signed_out else t["password_set"] if password_set else ""
        return _login(request, next_path=local_next(next), notice=notice)

    @post("/login", operation_id="workspaceSignIn", status_code=303)
    async def login(self, request: Request[Any, Any, Any], data: SignInBody,
                    accounts: WorkspaceAccountService) -> Redirect | Template:
        lang = session_language(request)
        result = await accounts.sign_in(data.email, data.password)
        if result.account is None:
            t = SIGN_IN[lang]
            if result.locked_until is not None:
                at = format_time(result.locked_until.astimezone(AMSTERDAM), "HH:mm", locale=LOCALES[lang])
                wait = max(1, int((result.locked_until - dt.datetime.now(dt.UTC)).total_seconds()))
                return _login(request, next_path=local_next(data.next), email=data.email, status_code=429,
                              problem=t["locked"].format(time=at), headers={"Retry-After": str(wait)})
            return _login(request, next_path=local_next(data.next), email=data.email, status_code=401,
                          problem=t["failed"])
        await start_session(request, result.account.id, result.account.session_epoch, lang)
        return Redirect(local_next(data.next), status_code=303, headers=_NO_STORE)

    @post("/logout", operation_id="workspaceSignOut", status_code=303)
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        end_session(request)
        return Redirect(f"{LOGIN_PATH}?signed_out=1", status_code=303, headers=_NO_STORE)

    @get("/set-password", operation_id="workspaceSetPasswordPage")
    async def set_password_page(self, request: Request[Any, Any, Any], accounts: WorkspaceAccountService,
                                token: Query = None) -> Template:
        account = await accounts.invitation(token or "")
        if account is None:
            return _dead_link(request)
        return _set_password(request, token or "", account.email)

    @post("/set-password", operation_id="workspaceSetPassword", status_code=303)
    async def set_password(self, request: Request[Any, Any, Any], data: SetPasswordBody,
                           accounts: WorkspaceAccountService) -> Redirect | Template:
        t = SIGN_IN[session_language(request)]
        account = await accounts.invitation(data.token)
        if account is None:
            return _dead_link(request)
        error = (t["too_short"].format(min=MIN_PASSWORD, max=MAX_PASSWORD)
                 if not MIN_PASSWORD <= len(data.password) <= MAX_PASSWORD
                 else t["different"] if data.password != data.repeat else "")
        if error:
            return _set_password(request, data.token, account.email, error=error, status_code=422)
        try:
            await accounts.set_password(data.token, data.password)
        except NotFoundError:
            return _dead_link(request)
        except InvalidInputError:
            return _set_password(request, data.token, account.email, status_code=422,
                                 error=t["too_short"].format(min=MIN_PASSWORD, max=MAX_PASSWORD))
        return Redirect(f"{LOGIN_PATH}?password_set=1", status_code=303, headers=_NO_STORE)

    @get("/language", operation_id="workspaceLanguage")
    async def switch_language(self, request: Request[Any, Any, Any], lang: Query = None,
                              next: Query = None) -> Redirect:
        chosen = language(lang)
        request.session["lang"] = chosen  # the session's, signed in or not; nothing else changes
        return Redirect(local_next(next), status_code=303, headers=_NO_STORE)


def _login(request: Request[Any, Any, Any], *, next_path: str, email: str = "", notice: str = "",
           problem: str = "", status_code: int = 200, headers: dict[str, str] | None = None) -> Template:
    t = SIGN_IN[session_language(request)]
    return render(request, None, "workspace/login.html.j2", title=t["title"], t=t, next_path=next_path,
                  email=email, notice=notice, problem=problem, status_code=status_code, headers=headers)


def _set_password(request: Request[Any, Any, Any], token: str, email: str, *, error: str = "",
                  status_code: int = 200) -> Template:
    t = SIGN_IN[session_language(request)]
    return render(request, None, "workspace/set_password.html.j2", title=t["set_title"], t=t, token=token,
                  intro=t["set_intro"].format(email=email, min=MIN_PASSWORD), error=error, status_code=status_code,
                  min_length=MIN_PASSWORD)


def _dead_link(request: Request[Any, Any, Any]) -> Template:
    if not wants_html(request):
        raise NotFoundError("This set-password link does not work (any more): unknown, used or expired.")
    t = SIGN_IN[session_language(request)]
    return render(request, None, "workspace/problem.html.j2", title=t["set_title"], text=t["dead_link"],
                  status_code=404)
