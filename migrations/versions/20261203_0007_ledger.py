"""ledger: append-only double-entry journals and entries per case and claim

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 11:00:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# PostgreSQL enforces what it can: each journal balances when the transaction commits (a deferred
# constraint trigger), and neither journals nor entries are ever updated or deleted.
POSTGRES_UP = """
CREATE FUNCTION ledger_journal_balances() RETURNS trigger AS $$
BEGIN
  IF (SELECT COALESCE(SUM(amount_cents), 0) FROM ledger_entries WHERE journal_id = NEW.journal_id) <> 0 THEN
    RAISE EXCEPTION 'ledger journal % does not balance', NEW.journal_id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER ledger_entries_balance AFTER INSERT ON ledger_entries
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_journal_balances();

CREATE FUNCTION ledger_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_journals_append_only BEFORE UPDATE OR DELETE ON ledger_journals
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS ledger_journals_append_only ON ledger_journals;
DROP TRIGGER IF EXISTS ledger_entries_append_only ON ledger_entries;
DROP TRIGGER IF EXISTS ledger_entries_balance ON ledger_entries;
DROP FUNCTION IF EXISTS ledger_append_only();
DROP FUNCTION IF EXISTS ledger_journal_balances();
"""


def upgrade() -> None:
    op.create_table('ledger_journals',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('case_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('kind', sa.Enum('opening', 'receipt', 'reversal', name='journal_kind', native_enum=False, length=32), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=140), nullable=False),
    sa.Column('reverses_id', advanced_alchemy.types.guid.GUID(length=16), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_ledger_journals_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reverses_id'], ['ledger_journals.id'], name=op.f('fk_ledger_journals_reverses_id_ledger_journals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_journals')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_ledger_journals_reverses_id'))
    )
    with op.batch_alter_table('ledger_journals', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_journals_case_booked', ['case_id', 'booked_on'], unique=False)

    op.create_table('ledger_entries',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('journal_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('case_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('claim_id', advanced_alchemy.types.guid.GUID(length=16), nullable=True),
    sa.Column('account', sa.Enum('opening', 'outstanding', 'received', name='ledger_account', native_enum=False, length=32), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_ledger_entries_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_ledger_entries_claim_id_claims')),
    sa.ForeignKeyConstraint(['journal_id'], ['ledger_journals.id'], name=op.f('fk_ledger_entries_journal_id_ledger_journals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_entries_case_claim', ['case_id', 'claim_id', 'account'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_journal_id'), ['journal_id'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRES_UP)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRES_DOWN)
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entries_journal_id'))
        batch_op.drop_index('ix_ledger_entries_case_claim')
    op.drop_table('ledger_entries')
    with op.batch_alter_table('ledger_journals', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_journals_case_booked')
    op.drop_table('ledger_journals')
