"""arrears flags, the daily chores' claims on a day, and discharge in the ledger

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 14:00:00

arrears_flags: each overdue installment (case, claim, date) the daily chore told of, once (unique).
chore_days: a daily chore's claim on a day (unique per chore and day), so one worker runs it.

The ledger gets an account `discharged` and a journal kind `discharge`. Enums are stored as
VARCHAR(32) without a CHECK (kernel/orm.py `enum_column`: SQLAlchemy creates no constraint for a
non-native enum unless asked), so the new values need no DDL on either backend:
ledger_entries.account is one of opening, outstanding, received, discharged;
ledger_journals.kind one of opening, receipt, reversal, discharge.
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('arrears_flags',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('case_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('claim_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('plan_version_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('missing_cents', sa.BigInteger(), nullable=False),
    sa.Column('flagged_on', sa.Date(), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_arrears_flags_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_arrears_flags_claim_id_claims'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_version_id'], ['plan_versions.id'], name=op.f('fk_arrears_flags_plan_version_id_plan_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_arrears_flags')),
    sa.UniqueConstraint('case_id', 'claim_id', 'due_on', name=op.f('uq_arrears_flags_case_id'))
    )
    op.create_table('chore_days',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('chore', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('claimed_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('finished_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chore_days')),
    sa.UniqueConstraint('chore', 'day', name=op.f('uq_chore_days_chore'))
    )


def downgrade() -> None:
    # Discharges cannot be written back in the old vocabulary: refuse rather than leave rows it cannot read.
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM ledger_journals WHERE kind = 'discharge'")).scalar():
        raise RuntimeError("the ledger holds discharges: downgrading below 0009 would leave journals 0008 cannot read")
    op.drop_table('chore_days')
    op.drop_table('arrears_flags')
