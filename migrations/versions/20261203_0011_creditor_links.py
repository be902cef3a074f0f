"""creditor links: a creditor's tokened access to its allocation and decision on one plan version

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 13:50:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('creditor_links',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('plan_version_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('organisation_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('expires_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('revoked_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plan_version_id'], ['plan_versions.id'],
                            name=op.f('fk_creditor_links_plan_version_id_plan_versions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                            name=op.f('fk_creditor_links_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_creditor_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_creditor_links_token_hash'))
    )
    with op.batch_alter_table('creditor_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_creditor_links_plan_version_id'), ['plan_version_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('creditor_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_creditor_links_plan_version_id'))

    op.drop_table('creditor_links')
