"""bank statements: imported files, their entries, and what each entry was matched to

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 12:00:00

The unique constraints make an import happen once: a statement per (case, account, message id), an
entry per (case, account, bank reference), a match per ledger journal.
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('bank_statements',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('case_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('format', sa.Enum('camt.053', 'mt940', name='statement_format', native_enum=False, length=32), nullable=False),
    sa.Column('message_id', sa.String(length=140), nullable=False),
    sa.Column('account_iban', sa.String(length=34), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('entry_count', sa.Integer(), nullable=False),
    sa.Column('duplicate_count', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_bank_statements_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statements')),
    sa.UniqueConstraint('case_id', 'account_iban', 'message_id', name=op.f('uq_bank_statements_case_id'))
    )
    with op.batch_alter_table('bank_statements', schema=None) as batch_op:
        batch_op.create_index('ix_bank_statements_case_created', ['case_id', 'created_at', 'id'], unique=False)

    op.create_table('bank_statement_entries',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('statement_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('case_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('account_iban', sa.String(length=34), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('bank_reference', sa.String(length=140), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('transactions', sa.JSON(), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_bank_statement_entries_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statement_id'], ['bank_statements.id'], name=op.f('fk_bank_statement_entries_statement_id_bank_statements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statement_entries')),
    sa.UniqueConstraint('case_id', 'account_iban', 'bank_reference', name=op.f('uq_bank_statement_entries_case_id'))
    )
    with op.batch_alter_table('bank_statement_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_statement_entries_statement_id'), ['statement_id'], unique=False)

    op.create_table('bank_statement_matches',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('entry_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('transaction', sa.Integer(), nullable=False),
    sa.Column('claim_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('journal_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('by_hand', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_bank_statement_matches_claim_id_claims')),
    sa.ForeignKeyConstraint(['entry_id'], ['bank_statement_entries.id'], name=op.f('fk_bank_statement_matches_entry_id_bank_statement_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['journal_id'], ['ledger_journals.id'], name=op.f('fk_bank_statement_matches_journal_id_ledger_journals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statement_matches')),
    sa.UniqueConstraint('journal_id', name=op.f('uq_bank_statement_matches_journal_id'))
    )
    with op.batch_alter_table('bank_statement_matches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_statement_matches_entry_id'), ['entry_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('bank_statement_matches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_statement_matches_entry_id'))

    op.drop_table('bank_statement_matches')
    with op.batch_alter_table('bank_statement_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_statement_entries_statement_id'))

    op.drop_table('bank_statement_entries')
    with op.batch_alter_table('bank_statements', schema=None) as batch_op:
        batch_op.drop_index('ix_bank_statements_case_created')

    op.drop_table('bank_statements')
