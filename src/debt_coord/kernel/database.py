"""Engines and sessions for SQLite (aiosqlite) and PostgreSQL (psycopg 3), from one URL."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}


def _with_driver(url: str, drivers: dict[str, str]) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in drivers:
        raise ValueError(f"unsupported database {backend!r}: use sqlite:// or postgresql://")
    return parsed.set(drivername=drivers[backend])


def async_url(url: str) -> URL:
    return _with_driver(url, _ASYNC_DRIVERS)


def sync_url(url: str) -> URL:
    return _with_driver(url, _SYNC_DRIVERS)


def ensure_sqlite_folder(url: URL) -> None:
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers work during a write; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


class _NoDataValues(logging.Filter):
    """Drops the records that carry row values: SQLAlchemy's result rows, the SQLite driver's statements."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "sqlalchemy.engine.Engine":
            return not str(record.msg).startswith("Row")
        return record.levelno > logging.DEBUG  # aiosqlite logs each statement with its parameters at DEBUG


def keep_data_out_of_logs() -> None:
    """IBANs, names and payment references live in rows: no log level shows them (idempotent)."""
    for name in ("sqlalchemy.engine.Engine", "aiosqlite"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoDataValues) for f in logger.filters):
            logger.addFilter(_NoDataValues())


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    target = async_url(url)
    ensure_sqlite_folder(target)
    keep_data_out_of_logs()
    # hide_parameters: SQL logs (echo, or INFO on sqlalchemy.engine) and database errors show no values.
    options: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if target.get_backend_name() == "postgresql":
        options |= {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}
    else:
        options |= {"connect_args": {"timeout": 15}}
    engine = create_async_engine(target, **options)
    if target.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
