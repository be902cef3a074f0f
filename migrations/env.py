"""Alembic environment: one history for SQLite and PostgreSQL, run on a sync connection."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from debt_coord.kernel.database import ensure_sqlite_folder, sync_url
from debt_coord.kernel.settings import get_settings
from debt_coord.migrate import compare_type
from debt_coord.tables import UUIDv7AuditBase

config = context.config
url = sync_url(config.get_main_option("sqlalchemy.url") or get_settings().effective_database_url)
ensure_sqlite_folder(url)


def run_migrations() -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=UUIDv7AuditBase.metadata,
            render_as_batch=url.get_backend_name() == "sqlite",
            compare_type=compare_type,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
