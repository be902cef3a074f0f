"""Accounts over time: `users reset`, `users disable|enable`, `users list`, and sessions that end when the password
changes or the user is disabled (the session's credential stamp no longer matches the account's).

Through the real app on SQLite and PostgreSQL, the sessions in memory and in Redis; the CLI as a real process.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import redis
from litestar.testing import TestClient

from api.app import create_app
from debt_coord.kernel.settings import Settings
from tests.support import World, build_world
from tests.workspace.support import (
    HTML,
    PASSWORD,
    make_user,
    post_form,
    session_cookie,
    sign_in,
    signed_in,
)

DEBT_COORD = str(Path(sys.executable).with_name("debt-coord"))
NEW_PASSWORD = "another horse battery staple"


def users(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBT_COORD_DATABASE_URL": database_url, "DEBT_COORD_SEED_DEMO": "false",
           "DEBT_COORD_PUBLIC_URL": "https://schulden.example.nl"}
    return subprocess.run([DEBT_COORD, "users", *args], env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def link_token(stdout: str) -> str:
    link = re.search(r"https://schulden\.example\.nl/app/set-password\?token=(\S+)", stdout)
    assert link is not None, stdout
    return parse_qs(urlsplit(link.group(0)).query)["token"][0]


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> str | None:
    """Where the sessions live: the app's memory store, or Redis."""
    return request.getfixturevalue("redis_url") if request.param == "redis" else None


@contextmanager
def app_client(database_url: str, redis_url: str | None) -> Iterator[TestClient[Any]]:
    settings = Settings(database_url=database_url, redis_url=redis_url, seed_demo=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def opens_board(client: TestClient[Any]) -> bool:
    answer = client.get("/app/cases", headers=HTML, follow_redirects=False)
    assert answer.status_code in (200, 303), answer.text
    if answer.status_code == 303:
        assert answer.headers["location"].startswith("/app/login")
    return answer.status_code == 200


def session_kept(redis_url: str | None, cookie: str | None) -> bool | None:
    """Whether Redis still holds the session (None when the sessions live in memory)."""
    if redis_url is None:
        return None
    return bool(redis.Redis.from_url(redis_url).exists(f"debt_coord_sessions:{cookie}"))


def test_a_session_opened_before_a_password_change_is_refused_after_it(database_url: str, store: str | None) -> None:
    world = build_world(database_url)
    with app_client(database_url, store) as client, app_client(database_url, store) as other_browser:
        user = make_user(client, world)
        assert sign_in(client, user.email).status_code == 303
        assert sign_in(other_browser, user.email).status_code == 303
        old = session_cookie(client)
        assert opens_board(client) and opens_board(other_browser)
        assert session_kept(store, old) in (True, None)

        made = users(database_url, "reset", "--email", user.email)
        assert made.returncode == 0, made.stderr
        assert opens_board(client), "a reset alone changes nothing: the password still works"
        token = link_token(made.stdout)
        chosen = post_form(other_browser, "/app/set-password",
                           {"token": token, "password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
        assert chosen.status_code == 303

        assert not opens_board(client), "the session from before the new password is over"
        assert not opens_board(other_browser)
        assert session_kept(store, old) in (False, None), "the stale session is removed from the store"
        assert sign_in(client, user.email, PASSWORD).status_code == 401  # the old password is gone
        assert sign_in(client, user.email, NEW_PASSWORD).status_code == 303
        assert opens_board(client)


def test_disabling_a_user_ends_its_open_session_and_refuses_sign_in_until_enabled(
        database_url: str, store: str | None) -> None:
    world = build_world(database_url)
    with app_client(database_url, store) as client:
        user = signed_in(client, world)
        colleague = make_user(client, world)
        assert opens_board(client)

        disabled = users(database_url, "disable", "--email", user.email)
        assert disabled.returncode == 0, disabled.stderr
        assert not opens_board(client)
        refused = sign_in(client, user.email)
        assert refused.status_code == 401  # as a wrong password: nothing tells the address is disabled
        assert sign_in(client, colleague.email).status_code == 303  # others carry on
        assert opens_board(client)

        listed = users(database_url, "list", "--org", world.counsellor.name)
        assert listed.returncode == 0, listed.stderr
        rows = {line.split()[0]: line.split()[1:] for line in listed.stdout.splitlines()[1:]}
        assert rows[user.email][0] == "no" and rows[colleague.email][0] == "yes"
        assert rows[colleague.email][-1] == "yes"  # password set

        assert users(database_url, "enable", "--email", user.email).returncode == 0
        client.cookies.clear()
        assert sign_in(client, user.email).status_code == 303
        assert opens_board(client)


def test_a_reset_link_replaces_the_earlier_unused_one(database_url: str) -> None:
    world = build_world(database_url)
    made = users(database_url, "create", "--org", world.counsellor.name, "--email", "nieuw@example.nl")
    assert made.returncode == 0, made.stderr
    first = link_token(made.stdout)
    again = users(database_url, "reset", "--email", "Nieuw@Example.nl")
    assert again.returncode == 0, again.stderr
    second = link_token(again.stdout)
    assert second != first
    with app_client(database_url, None) as client:
        assert client.get(f"/app/set-password?token={first}", headers=HTML).status_code == 404
        dead = post_form(client, "/app/set-password", {"token": first, "password": PASSWORD, "repeat": PASSWORD})
        assert dead.status_code == 404
        assert client.get(f"/app/set-password?token={second}", headers=HTML).status_code == 200
        chosen = post_form(client, "/app/set-password", {"token": second, "password": PASSWORD, "repeat": PASSWORD})
        assert chosen.status_code == 303
        assert sign_in(client, "nieuw@example.nl").status_code == 303


def test_the_cli_refuses_an_unknown_address_with_a_clear_message(database_url: str) -> None:
    world: World = build_world(database_url)
    for command in ("reset", "disable", "enable"):
        answer = users(database_url, command, "--email", "niemand@example.nl")
        assert answer.returncode == 1, (command, answer.stdout)
        assert "No workspace user niemand@example.nl" in answer.stderr
        assert "token" not in answer.stdout
    unknown_org = users(database_url, "list", "--org", "Nergens")
    assert unknown_org.returncode == 1 and "no organisation named 'Nergens'" in unknown_org.stderr
    empty = users(database_url, "list", "--org", world.counsellor.name)
    assert empty.returncode == 0 and "no workspace users" in empty.stdout


def test_the_list_shows_who_has_a_password_and_when_they_last_signed_in(database_url: str) -> None:
    world = build_world(database_url)
    assert users(database_url, "create", "--org", world.counsellor.name, "--email", "wacht@example.nl").returncode == 0
    with app_client(database_url, None) as client:
        user = signed_in(client, world)
    listed = users(database_url, "list", "--org", world.counsellor.name)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["e-mail", "enabled", "last", "sign-in", "password", "set"]
    waiting = next(line for line in lines if line.startswith("wacht@example.nl")).split()
    assert waiting == ["wacht@example.nl", "yes", "never", "no"]
    active = next(line for line in lines if line.startswith(user.email)).split()
    assert active[1] == "yes" and re.fullmatch(r"\d{4}-\d\d-\d\d", active[2]) and active[-1] == "yes"
