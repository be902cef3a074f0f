"""One Alembic history for SQLite and PostgreSQL: it round-trips and matches the models."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import String, create_engine, inspect

from debt_coord import migrate
from debt_coord.kernel.database import sync_url
from debt_coord.migrate import compare_type
from debt_coord.tables import UUIDv7AuditBase
from tests.conftest import create_postgres_database, drop_postgres_database

TABLES = {"organisations", "api_keys", "cases", "case_participants", "claims", "income_streams", "audit_events",
          "idempotency_records", "plan_versions", "decisions", "acceptance_policies", "reconsideration_requests",
          "jobs", "webhook_endpoints", "webhook_deliveries", "debtor_links", "ledger_journals",
          "ledger_entries", "arrears_flags", "chore_days", "bank_statements", "bank_statement_entries",
          "bank_statement_matches", "debtor_contacts", "message_preferences", "debtor_messages",
          "creditor_links", "workspace_users", "creditor_link_mails", "payout_runs", "payout_transfers",
          "account_statements", "account_statement_entries", "deposit_arrears_flags"}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database of its own, so the round trip never touches the shared test database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('migrations') / 'm.db'}"
        return
    request.getfixturevalue("postgres_url")  # skips or fails when PostgreSQL is absent
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


def table_names(url: str) -> set[str]:
    engine = create_engine(sync_url(url))
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def drift(url: str) -> list[object]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": compare_type})
            return list(compare_metadata(context, UUIDv7AuditBase.metadata))
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_round_trips(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    assert table_names(empty_url) == TABLES
    migrate.downgrade(empty_url, "base")
    assert table_names(empty_url) == set()
    migrate.upgrade(empty_url)
    assert table_names(empty_url) == TABLES


def test_models_and_migration_head_do_not_drift(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    assert drift(empty_url) == []


def test_drift_check_sees_a_changed_column(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    claims = UUIDv7AuditBase.metadata.tables["claims"]
    original = claims.c.payment_reference.type
    claims.c.payment_reference.type = String(20)
    try:
        assert any("payment_reference" in repr(item) for item in drift(empty_url))
    finally:
        claims.c.payment_reference.type = original
