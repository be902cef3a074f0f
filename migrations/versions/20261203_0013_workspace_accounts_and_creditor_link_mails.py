"""workspace accounts (credential stamp, disabled, last sign-in) and the outbox of creditor-link e-mails

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 17:00:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('workspace_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), nullable=False, server_default=sa.text('0')))
        batch_op.add_column(sa.Column('disabled_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('last_sign_in_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
                                      nullable=True))

    op.create_table('creditor_link_mails',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('plan_version_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('organisation_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('status', sa.Enum('planned', 'sending', 'sent', 'failed', 'cancelled', 'skipped', 'uncertain',
                                name='creditor_mail_status', native_enum=False, length=32), nullable=False),
    sa.Column('status_reason', sa.String(length=300), nullable=False),
    sa.Column('address', sa.String(length=320), nullable=True),
    sa.Column('due_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('taken_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('sent_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('link_id', advanced_alchemy.types.guid.GUID(length=16), nullable=True),
    sa.Column('provider_message_id', sa.String(length=200), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plan_version_id'], ['plan_versions.id'],
                            name=op.f('fk_creditor_link_mails_plan_version_id_plan_versions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                            name=op.f('fk_creditor_link_mails_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['link_id'], ['creditor_links.id'],
                            name=op.f('fk_creditor_link_mails_link_id_creditor_links'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_creditor_link_mails')),
    sa.UniqueConstraint('plan_version_id', 'organisation_id', name=op.f('uq_creditor_link_mails_plan_version_id'))
    )
    with op.batch_alter_table('creditor_link_mails', schema=None) as batch_op:
        batch_op.create_index('ix_creditor_link_mails_due', ['status', 'due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('creditor_link_mails', schema=None) as batch_op:
        batch_op.drop_index('ix_creditor_link_mails_due')

    op.drop_table('creditor_link_mails')
    with op.batch_alter_table('workspace_users', schema=None) as batch_op:
        batch_op.drop_column('last_sign_in_at')
        batch_op.drop_column('disabled_at')
        batch_op.drop_column('session_epoch')
