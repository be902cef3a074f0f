"""plan_versions.deadline_reminded_at: the reminder flag as a column, not an audit row looked up

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 10:00:00
"""

import uuid
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REMINDED = "plan.deadline_reminder"


def upgrade() -> None:
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deadline_reminded_at',
                                      advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True))
    # Reminders sent before this column existed are known from their audit events.
    audit = sa.table('audit_events', sa.column('action', sa.String), sa.column('target_id', sa.String),
                     sa.column('at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)))
    versions = sa.table('plan_versions', sa.column('id', advanced_alchemy.types.guid.GUID(length=16)),
                        sa.column('deadline_reminded_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)))
    connection = op.get_bind()
    for target_id, at in connection.execute(sa.select(audit.c.target_id, audit.c.at).where(audit.c.action == REMINDED)):
        connection.execute(versions.update().where(versions.c.id == uuid.UUID(target_id))
                           .values(deadline_reminded_at=at))


def downgrade() -> None:
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.drop_column('deadline_reminded_at')
