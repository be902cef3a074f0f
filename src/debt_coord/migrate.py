"""Run Alembic from code: the CLI, the API's first start and the tests use the same path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import command
from alembic.config import Config

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


def compare_type(context: Any, inspected: Any, metadata: Any, inspected_type: Any, metadata_type: Any) -> bool | None:
    """Alembic type comparison that ignores what SQLite cannot reflect faithfully.

    SQLite reports our BINARY(16) UUID columns as NUMERIC and loses the UTC decorator on
    timestamps; for those two types we trust the migration. Everything else is compared.
    """
    if isinstance(metadata_type, GUID | DateTimeUTC) and context.dialect.name == "sqlite":
        return False
    return None
