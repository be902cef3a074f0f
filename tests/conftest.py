"""Shared fixtures: real databases and services, never mocks.

SQLite always runs. PostgreSQL and Redis run when reachable; with
DEBT_COORD_TEST_REQUIRE_SERVICES=1 (set by CI) an unreachable one is a failure, not a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from debt_coord import migrate
from debt_coord.kernel.database import sync_url
from debt_coord.tables import UUIDv7AuditBase

POSTGRES_URL = os.environ.get("DEBT_COORD_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("DEBT_COORD_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_SERVICES = os.environ.get("DEBT_COORD_TEST_REQUIRE_SERVICES") == "1"


def _unavailable(service: str, url: str, error: Exception) -> None:
    message = f"{service} not reachable at {url}: {error}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} (DEBT_COORD_TEST_REQUIRE_SERVICES=1: services are mandatory here)")
    pytest.skip(message)


def create_postgres_database() -> str:
    name = f"debt_coord_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test run, dropped afterwards."""
    try:
        url = create_postgres_database()
    except psycopg.Error as error:
        _unavailable("PostgreSQL", POSTGRES_URL, error)
    yield url
    drop_postgres_database(url)


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        _unavailable("Redis", REDIS_URL, error)
    return REDIS_URL


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def migrated_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database at the migration head, one per backend and test run."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'debt_coord.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    migrate.upgrade(url)
    return url


def empty_all_tables(url: str) -> None:
    engine = create_engine(sync_url(url))
    tables = list(reversed(UUIDv7AuditBase.metadata.sorted_tables))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(t.name for t in tables)} CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())
    engine.dispose()


@pytest.fixture
def database_url(migrated_url: str) -> Iterator[str]:
    """The backend's database, emptied after each test."""
    yield migrated_url
    empty_all_tables(migrated_url)


@pytest.fixture
def postgres_database_url(postgres_url: str) -> Iterator[str]:
    """PostgreSQL only (for tests that need its row locks or real processes), migrated, emptied after each test."""
    migrate.upgrade(postgres_url)
    yield postgres_url
    empty_all_tables(postgres_url)
