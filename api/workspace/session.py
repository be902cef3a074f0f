"""The workspace's sign-in seam: server-side sessions, the signed-in user, and rendering a page.

Every route under /app is behind `signed_in` (the router's guard): without a session it is a 303 to
/app/login, unless the handler says `opt={"public": True}` (sign-in, set-password, language). A handler
that takes `user: WorkspaceUser` gets the signed-in counsellor; `user.actor` is what the API's services
take (the user's organisation, Role.COUNSELLOR), so access rules, audit and webhooks are the API's.

Sessions live server-side (Litestar's ServerSideSessionConfig; Redis when DEBT_COORD_REDIS_URL is set,
else the app's memory store); the cookie only carries a random id: HttpOnly, SameSite=Lax, Secure
behind https, path /app. Signing in always starts a NEW session id (no fixation); signing out deletes
the session from the store, so the old cookie no longer opens anything.

A session remembers the account's `session_epoch` (its credential stamp) from sign-in; the guard compares it with
the account's on every request. A new password or disabling the user raises the account's, so every session
opened before is "not signed in" from its next request on, and is deleted from the store then.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.response import Redirect, Template
from litestar.stores.base import Store
from litestar.stores.redis import RedisStore
from litestar.types import Empty, Message, ScopeSession

from api.workspace.texts import BASE, language
from debt_coord.kernel.actors import Actor, Role
from debt_coord.kernel.settings import Settings
from debt_coord.kernel.uow import UnitOfWork
from debt_coord.workspace.service import WorkspaceAccountService

APP = "/app"
LOGIN_PATH = f"{APP}/login"
BOARD_PATH = f"{APP}/cases"
STORE_NAME = "workspace_sessions"
SESSION_COOKIE = "dc_workspace"
SESSION_HOURS = 10
_NEW_ID = "debt_coord.new_session_id"
_USER = "debt_coord.workspace_user"
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                               "script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'",
}


@dataclass(frozen=True)
class WorkspaceUser:
    """The signed-in counsellor, as every /app handler gets it (`user: WorkspaceUser`)."""

    actor: Actor
    user_id: uuid.UUID
    email: str
    organisation_name: str
    language: str
    """'nl' (default) or 'en': the page's language."""


class NotSignedIn(Exception):
    """No (live) session: the handler is answered with a 303 to the sign-in page."""


class _RenewingBackend(ServerSideSessionBackend):
    """Litestar's backend, except that a session started by `start_session` is stored under a fresh id, and a
    visitor without a session and with nothing to keep gets none (no row in the store, no cookie)."""

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        fresh = cast(dict[str, Any], connection.scope).get(_NEW_ID)
        return str(fresh) if fresh else super().get_session_id(connection)

    async def store_in_message(self, scope_session: ScopeSession, message: Message,
                               connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        if scope_session is not Empty and not scope_session and not connection.cookies.get(self.config.key):
            return
        await super().store_in_message(scope_session, message, connection)


class WorkspaceSessionConfig(ServerSideSessionConfig):
    _backend_class = _RenewingBackend


def session_config(settings: Settings) -> WorkspaceSessionConfig:
    return WorkspaceSessionConfig(key=SESSION_COOKIE, path=APP, httponly=True, samesite="lax",
                                  secure=settings.effective_public_url.startswith("https://"),
                                  max_age=SESSION_HOURS * 3600, store=STORE_NAME)


def session_stores(settings: Settings) -> dict[str, Store]:
    """The app's `stores`: Redis when the service has it (sessions survive a restart and are shared by every
    API process); otherwise nothing, and Litestar's registry gives the app a memory store."""
    if settings.redis_url is None:
        return {}
    return {STORE_NAME: RedisStore.with_client(url=settings.redis_url, namespace="debt_coord_sessions")}


async def start_session(request: Request[Any, Any, Any], account_id: uuid.UUID, epoch: int, lang: str) -> None:
    """Signs in: the old session (if any) is deleted from the store, and the new one gets a new id."""
    config = session_config(request.app.state.settings)
    old = request.cookies.get(SESSION_COOKIE)
    if old and old != "null":
        await config.get_store_from_app(request.app).delete(old)
    cast(dict[str, Any], request.scope)[_NEW_ID] = secrets.token_hex(config.session_id_bytes)
    request.set_session({"uid": str(account_id), "epoch": epoch, "lang": lang})


def end_session(request: Request[Any, Any, Any]) -> None:
    """Signs out: the session is deleted from the store and the cookie emptied."""
    request.clear_session()


def session_language(request: Request[Any, Any, Any]) -> str:
    """The language of a page without a signed-in user: `?lang=`, else the session's, else Dutch."""
    wanted = request.query_params.get("lang") or _session(request).get("lang")
    return language(wanted if isinstance(wanted, str) else None)


def _session(connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
    session = connection.scope.get("session")
    return session if isinstance(session, dict) else {}


async def signed_in(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The router's guard: every /app handler needs a live session, unless it is `opt={"public": True}`.

    Live: its account exists, is not disabled, and has the epoch the session was opened with. Otherwise the session
    is ended (deleted from the store) and the request is "not signed in"."""
    if handler.opt.get("public"):
        return
    session = _session(connection)
    if not session.get("uid"):
        raise NotSignedIn
    async with connection.app.state.units() as uow:
        user = await _live_user(uow, session)
    if user is None:
        connection.clear_session()
        raise NotSignedIn
    cast(dict[str, Any], connection.scope)[_USER] = user


async def _live_user(uow: UnitOfWork, session: dict[str, Any]) -> WorkspaceUser | None:
    try:
        account_id = uuid.UUID(str(session.get("uid")))
    except ValueError:
        return None
    found = await WorkspaceAccountService(uow).signed_in(account_id)
    if found is None:
        return None
    account, organisation = found
    if account.disabled_at is not None or session.get("epoch") != account.session_epoch:
        return None
    actor = Actor(organisation_id=organisation.id, role=Role.COUNSELLOR,
                  name=f"{organisation.name} ({account.email}, workspace)"[:200])
    lang = language(session.get("lang") or account.language)
    return WorkspaceUser(actor, account.id, account.email, organisation.name, lang)


async def provide_user(request: Request[Any, Any, Any]) -> WorkspaceUser:
    """The `user` dependency: the session's account as the guard found it on this request."""
    user = cast(dict[str, Any], request.scope).get(_USER)
    if not isinstance(user, WorkspaceUser):
        raise NotSignedIn
    return user


def to_sign_in(request: Request[Any, Any, Any], _: NotSignedIn) -> Response[Any]:
    """303 to the sign-in page, which comes back here afterwards (GETs only: a form is not re-sent)."""
    path = request.url.path
    if request.method == "GET" and request.url.query:
        path = f"{path}?{request.url.query}"
    query = f"?{urlencode({'next': path})}" if request.method == "GET" and path != APP else ""
    return Redirect(f"{LOGIN_PATH}{query}", status_code=303, headers={"Cache-Control": "no-store"})


def local_next(target: str | None) -> str:
    """Where to go after signing in or switching language: a path of the workspace, never another site."""
    if target and target.startswith(f"{APP}/") and not target.startswith("//") and "\\" not in target:
        return target
    return BOARD_PATH


def render(request: Request[Any, Any, Any], user: WorkspaceUser | None, template_name: str, *, title: str,
           status_code: int = 200, headers: dict[str, str] | None = None, **context: Any) -> Template:
    """A workspace page: `template_name` extends workspace/base.html.j2 (blocks `main`, optionally `head`).

    The context has `user`, `lang`, `tb` (the base texts), `title`, `current` (the path, for the navigation)
    and `switch_url` (the other language), plus `context`; `csrf_input` is Litestar's, for every form.
    """
    lang = user.language if user else session_language(request)
    other = BASE[lang]["switch_lang"]
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    switch_url = f"{APP}/language?{urlencode({'lang': other, 'next': local_next(here)})}"
    return Template(template_name=template_name, status_code=status_code, media_type="text/html",
                    headers={**PAGE_HEADERS, **(headers or {})},
                    context={"user": user, "lang": lang, "tb": BASE[lang], "title": title,
                             "current": request.url.path, "switch_url": switch_url, **context})
