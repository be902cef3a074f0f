"""deposit arrears flags: via the counsellor the debtor's arrears are its deposits, flagged once each

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 10:00:00

deposit_arrears_flags: each overdue deposit (case, date) of a plan paid via the counsellor that the daily chore
told the counsellor of, once (unique). A deposit has no claim, which arrears_flags is keyed by.
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('deposit_arrears_flags',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('case_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('plan_version_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('missing_cents', sa.BigInteger(), nullable=False),
    sa.Column('flagged_on', sa.Date(), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_deposit_arrears_flags_case_id_cases'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_version_id'], ['plan_versions.id'],
                            name=op.f('fk_deposit_arrears_flags_plan_version_id_plan_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deposit_arrears_flags')),
    sa.UniqueConstraint('case_id', 'due_on', name=op.f('uq_deposit_arrears_flags_case_id'))
    )


def downgrade() -> None:
    op.drop_table('deposit_arrears_flags')
