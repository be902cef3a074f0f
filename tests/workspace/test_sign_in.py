"""Signing in to the workspace: the CLI's one-time link, choosing a password, sessions, throttling, signing out.

Through the real app on SQLite and PostgreSQL; the CLI as a real process on the same database.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import redis
from litestar.testing import TestClient
from sqlalchemy import create_engine, select, update

from api.app import create_app
from api.workspace.session import session_config
from debt_coord.kernel.database import sync_url
from debt_coord.kernel.settings import Settings
from debt_coord.workspace.models import WorkspaceAccount
from tests.support import api_client, build_world
from tests.workspace.support import (
    HTML,
    PASSWORD,
    SESSION_COOKIE,
    make_user,
    post_form,
    session_cookie,
    set_session_cookie,
    sign_in,
    signed_in,
    text,
)

DEBT_COORD = str(Path(sys.executable).with_name("debt-coord"))


def users_create(database_url: str, org: str, email: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBT_COORD_DATABASE_URL": database_url, "DEBT_COORD_SEED_DEMO": "false",
           "DEBT_COORD_PUBLIC_URL": "https://schulden.example.nl"}
    return subprocess.run([DEBT_COORD, "users", "create", "--org", org, "--email", email], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_cli_link_lets_the_user_choose_a_password_once_and_then_sign_in(database_url: str) -> None:
    world = build_world(database_url)
    made = users_create(database_url, world.counsellor.name, "Anna.Berg@Example.NL")
    assert made.returncode == 0, made.stderr
    link = re.search(r"https://schulden\.example\.nl(/app/set-password\?token=\S+)", made.stdout)
    assert link is not None, made.stdout
    token = parse_qs(urlsplit(link.group(1)).query)["token"][0]
    with create_engine(sync_url(database_url)).connect() as connection:  # only the token's hash is kept
        stored = connection.execute(select(WorkspaceAccount.set_password_token_hash)).scalar_one()
    assert stored is not None and token not in stored and len(stored) == 64
    assert users_create(database_url, world.counsellor.name, "anna.berg@example.nl").returncode != 0  # taken
    assert "creditor" in users_create(database_url, world.c1.name, "x@example.nl").stderr  # not a counsellor org
    with api_client(database_url) as client:
        page = client.get(link.group(1), headers=HTML)
        assert page.status_code == 200 and "anna.berg@example.nl" in text(page.text)
        short = post_form(client, "/app/set-password", {"token": token, "password": "kort", "repeat": "kort"})
        assert short.status_code == 422 and "minstens 12" in text(short.text)
        differ = post_form(client, "/app/set-password", {"token": token, "password": PASSWORD, "repeat": "x" * 20})
        assert differ.status_code == 422 and "niet gelijk" in text(differ.text)
        assert sign_in(client, "anna.berg@example.nl", PASSWORD).status_code == 401  # no password yet
        chosen = post_form(client, "/app/set-password", {"token": token, "password": PASSWORD, "repeat": PASSWORD})
        assert chosen.status_code == 303 and chosen.headers["location"] == "/app/login?password_set=1"
        again = post_form(client, "/app/set-password", {"token": token, "password": "a" * 12, "repeat": "a" * 12})
        assert again.status_code == 404 and "al gebruikt" in text(again.text)  # the link works once
        assert client.get(link.group(1), headers=HTML).status_code == 404
        answer = sign_in(client, "ANNA.berg@example.nl ", PASSWORD)
        assert answer.status_code == 303 and answer.headers["location"] == "/app/cases"
        board = client.get("/app/cases", headers=HTML)
        assert board.status_code == 200 and f"anna.berg@example.nl ({world.counsellor.name})" in text(board.text)


def test_an_expired_link_does_not_work(database_url: str) -> None:
    world = build_world(database_url)
    made = users_create(database_url, world.counsellor.name, "late@example.nl")
    token = parse_qs(urlsplit(re.findall(r"\S*token=\S+", made.stdout)[0]).query)["token"][0]
    with create_engine(sync_url(database_url)).begin() as connection:
        connection.execute(update(WorkspaceAccount).values(
            set_password_expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    with api_client(database_url) as client:
        assert client.get(f"/app/set-password?token={token}", headers=HTML).status_code == 404
        refused = post_form(client, "/app/set-password", {"token": token, "password": PASSWORD, "repeat": PASSWORD})
        assert refused.status_code == 404
        assert sign_in(client, "late@example.nl").status_code == 401


def test_every_page_sends_a_stranger_to_sign_in_and_back_afterwards(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        user = make_user(client, world)
        away = client.get("/app/cases?q=Jansen", headers=HTML, follow_redirects=False)
        assert away.status_code == 303
        assert away.headers["location"] == "/app/login?next=%2Fapp%2Fcases%3Fq%3DJansen"
        form = client.get(away.headers["location"], headers=HTML)
        assert 'name="next" value="/app/cases?q=Jansen"' in form.text
        answer = post_form(client, "/app/login", {"email": user.email, "password": PASSWORD,
                                                  "next": "/app/cases?q=Jansen"})
        assert answer.status_code == 303 and answer.headers["location"] == "/app/cases?q=Jansen"
        for elsewhere in ("https://evil.example/app/", "//evil.example/app/", "/v1/cases", "/app\\@evil"):
            client.cookies.delete(SESSION_COOKIE)  # signed out again
            answer = post_form(client, "/app/login", {"email": user.email, "password": PASSWORD, "next": elsewhere})
            assert answer.headers["location"] == "/app/cases", elsewhere  # never away from the workspace


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        user = make_user(client, world)
        wrong = sign_in(client, user.email, "not the password")
        unknown = sign_in(client, "nobody@example.nl", "not the password")
        assert wrong.status_code == unknown.status_code == 401
        assert text(wrong.text).replace(user.email, "@") == text(unknown.text).replace("nobody@example.nl", "@")
        assert "klopt niet" in text(wrong.text)
        assert client.get("/app/cases", headers=HTML, follow_redirects=False).status_code == 303


def test_five_failures_lock_the_account_for_fifteen_minutes_even_for_the_right_password(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client, create_engine(sync_url(database_url)).begin() as connection:
        user = make_user(client, world)
        other = make_user(client, world)
        for _ in range(4):
            assert sign_in(client, user.email, "wrong password!").status_code == 401
        locked = sign_in(client, user.email, "wrong password!")
        assert locked.status_code == 429 and "Te vaak" in text(locked.text)
        assert 14 * 60 <= int(locked.headers["retry-after"]) <= 15 * 60
        right = sign_in(client, user.email, PASSWORD)
        assert right.status_code == 429  # the right password does not open a locked account
        assert client.get("/app/cases", headers=HTML, follow_redirects=False).status_code == 303
        assert sign_in(client, other.email, PASSWORD).status_code == 303  # others are not locked out
        connection.execute(update(WorkspaceAccount).where(WorkspaceAccount.email == user.email).values(
            locked_until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        connection.commit()
        assert sign_in(client, user.email, "wrong again!").status_code == 401  # a new count after the lock
        assert sign_in(client, user.email, PASSWORD).status_code == 303  # after the lock, the password works


def test_signing_in_starts_a_new_session_and_a_planted_one_is_useless(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client, api_client(database_url) as attacker:
        user = make_user(client, world)
        assert attacker.get("/app/login", headers=HTML).status_code == 200
        assert session_cookie(attacker) is None  # a visitor gets no session until there is something to keep
        attacker.get("/app/language?lang=nl&next=/app/login", headers=HTML)
        planted = session_cookie(attacker)
        assert planted
        client.get("/app/login", headers=HTML)
        set_session_cookie(client, planted)  # the victim signs in with the attacker's session id
        answer = post_form(client, "/app/login", {"email": user.email, "password": PASSWORD})
        assert answer.status_code == 303
        fresh = session_cookie(client)
        assert fresh and fresh != planted
        assert client.get("/app/cases", headers=HTML, follow_redirects=False).status_code == 200
        set_session_cookie(attacker, planted)
        assert attacker.get("/app/cases", headers=HTML, follow_redirects=False).status_code == 303


def test_the_session_cookie_is_httponly_lax_and_secure_behind_https(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        make_user(client, world)
        cookie = client.get("/app/language?lang=en", headers=HTML, follow_redirects=False).headers["set-cookie"]
        session = next(c for c in re.split(r",\s*(?=\w+=)", cookie) if c.startswith(SESSION_COOKIE))
        assert "HttpOnly" in session and "SameSite=lax" in session.replace("Lax", "lax")
        assert "Path=/app" in session and "Secure" not in session
    assert session_config(Settings(public_url="https://schulden.example.nl")).secure is True
    assert session_config(Settings(public_url="http://localhost:8000")).secure is False


def test_signing_out_ends_the_session_on_the_server(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        signed_in(client, world)
        cookie = session_cookie(client)
        assert client.get("/app/cases", headers=HTML, follow_redirects=False).status_code == 200
        out = post_form(client, "/app/logout", {})
        assert out.status_code == 303 and out.headers["location"] == "/app/login?signed_out=1"
        assert "uitgelogd" in text(client.get(out.headers["location"], headers=HTML).text)
        set_session_cookie(client, cookie or "")  # the old cookie, kept by a thief
        assert client.get("/app/cases", headers=HTML, follow_redirects=False).status_code == 303


def test_with_redis_the_sessions_live_in_redis_and_signing_out_deletes_them(database_url: str,
                                                                             redis_url: str) -> None:
    world = build_world(database_url)
    settings = Settings(database_url=database_url, redis_url=redis_url, seed_demo=False)
    store = redis.Redis.from_url(redis_url)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        signed_in(client, world)
        key = f"debt_coord_sessions:{session_cookie(client)}"
        assert store.exists(key) == 1
        assert 0 < store.ttl(key) <= 10 * 3600  # ends by itself after the working day
        assert post_form(client, "/app/logout", {}).status_code == 303
        assert store.exists(key) == 0
