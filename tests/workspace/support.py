"""A signed-in browser for the workspace's tests: a user made as `debt-coord users create` makes one, its
password set with the one-time token, and the sign-in form posted like a browser does (with its CSRF token).

    with api_client(database_url) as client:
        user = signed_in(client, world)             # world.counsellor's organisation; the client is signed in
        page = client.get("/app/cases", headers=HTML)
        answer = post_form(client, "/app/cases", {"reference": "R-1", ...})   # the CSRF token added
"""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass
from html import unescape
from typing import Any

from litestar.testing import TestClient

from debt_coord.bootstrap import provide_services
from debt_coord.kernel.settings import Settings
from debt_coord.workspace.service import WorkspaceAccountService
from tests.support import World

HTML = {"Accept": "text/html"}
PASSWORD = "correct horse battery staple"
SESSION_COOKIE = "dc_workspace"


@dataclass(frozen=True)
class User:
    email: str
    password: str
    organisation_name: str


def create_user(database_url: str, organisation_name: str, email: str) -> str:
    """A workspace user of the organisation (as the CLI makes one); returns the set-password token."""

    async def create() -> str:
        async with provide_services(Settings(database_url=database_url, seed_demo=False)) as services:
            return (await WorkspaceAccountService(services.uow).invite(organisation_name, email)).token

    return asyncio.run(create())


def set_password(database_url: str, token: str, password: str = PASSWORD) -> None:
    async def choose() -> None:
        async with provide_services(Settings(database_url=database_url, seed_demo=False)) as services:
            await WorkspaceAccountService(services.uow).set_password(token, password)

    asyncio.run(choose())


def make_user(client: TestClient[Any], world: World, handle: str = "counsellor", email: str | None = None) -> User:
    """A user with a password, of world.<handle>'s organisation (a counselling one)."""
    database_url = client.app.state.settings.effective_database_url
    party = world.parties[handle]
    address = email or f"{handle}-{uuid.uuid4().hex[:8]}@example.nl"
    set_password(database_url, create_user(database_url, party.name, address))
    return User(address, PASSWORD, party.name)


def session_cookie(client: TestClient[Any]) -> str | None:
    return client.cookies.get(SESSION_COOKIE, domain="testserver.local", path="/app")


def set_session_cookie(client: TestClient[Any], value: str) -> None:
    """The browser now sends `value` as its session cookie (a planted or a stolen one)."""
    client.cookies.delete(SESSION_COOKIE)
    client.cookies.set(SESSION_COOKIE, value, domain="testserver.local", path="/app")


def csrf_token(client: TestClient[Any]) -> str:
    """The browser's CSRF token (its cookie; a workspace page sets it), as a form sends it."""
    if not client.cookies.get("csrftoken"):
        client.get("/app/login", headers=HTML)
    return client.cookies.get("csrftoken") or ""


def post_form(client: TestClient[Any], path: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """POSTs a form as the browser would: URL-encoded, with the CSRF token, without following the redirect."""
    return client.post(path, data={**data, "_csrf_token": csrf_token(client)}, headers=HTML,
                       follow_redirects=False, **kwargs)


def sign_in(client: TestClient[Any], email: str, password: str = PASSWORD) -> Any:
    client.get("/app/login", headers=HTML)
    return post_form(client, "/app/login", {"email": email, "password": password})


def signed_in(client: TestClient[Any], world: World, handle: str = "counsellor") -> User:
    """Signs the client in as a new user of world.<handle>'s organisation; the client keeps the cookies."""
    user = make_user(client, world, handle)
    answer = sign_in(client, user.email, user.password)
    assert answer.status_code == 303, answer.text
    return user


def text(html: str) -> str:
    """The page's words, without tags, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S)))
                    .split())
