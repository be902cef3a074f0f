"""debtor links: the debtor's tokened access to the combined schedule

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:03:49.199069
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('debtor_links',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('case_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('expires_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('revoked_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_debtor_links_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_debtor_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_debtor_links_token_hash'))
    )
    with op.batch_alter_table('debtor_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_debtor_links_case_id'), ['case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('debtor_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_debtor_links_case_id'))

    op.drop_table('debtor_links')
