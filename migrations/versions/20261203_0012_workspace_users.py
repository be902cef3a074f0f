"""workspace users: counsellors who sign in to the browser workspace (argon2 password, set-password token)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 14:30:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('workspace_users',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('organisation_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('set_password_token_hash', sa.String(length=64), nullable=True),
    sa.Column('set_password_expires_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('failed_sign_ins', sa.Integer(), nullable=False),
    sa.Column('locked_until', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                            name=op.f('fk_workspace_users_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workspace_users')),
    sa.UniqueConstraint('email', name=op.f('uq_workspace_users_email')),
    sa.UniqueConstraint('set_password_token_hash', name=op.f('uq_workspace_users_set_password_token_hash'))
    )
    with op.batch_alter_table('workspace_users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workspace_users_organisation_id'), ['organisation_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('workspace_users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workspace_users_organisation_id'))

    op.drop_table('workspace_users')
