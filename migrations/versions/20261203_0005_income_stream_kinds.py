"""Income streams get a kind and a label for the debtor's page; plan versions keep them as they were solved

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 11:00:00

income_streams.label held the stream's id (what the plan's calendar names it, e.g. "salaris"): it
is now stream_id, and label is the counsellor's free text. kind (salary, benefit, holiday_pay,
allowance, other) words the stream on the debtor's page; streams that exist are 'other'.
plan_versions.income_kinds is, per stream id, the kind and label the version was solved with
(versions are immutable; null for versions made before this revision).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ('salary', 'benefit', 'holiday_pay', 'allowance', 'other')


def upgrade() -> None:
    with op.batch_alter_table('income_streams', schema=None) as batch_op:
        batch_op.alter_column('label', new_column_name='stream_id', existing_type=sa.String(length=64),
                              existing_nullable=False)
    with op.batch_alter_table('income_streams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum(*KINDS, name='income_kind', native_enum=False, length=32),
                                      nullable=False, server_default='other'))
        batch_op.add_column(sa.Column('label', sa.String(length=64), nullable=False, server_default=''))
    with op.batch_alter_table('income_streams', schema=None) as batch_op:
        batch_op.alter_column('kind', server_default=None)
        batch_op.alter_column('label', server_default=None)
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('income_kinds', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.drop_column('income_kinds')
    with op.batch_alter_table('income_streams', schema=None) as batch_op:
        batch_op.drop_column('label')
        batch_op.drop_column('kind')
    with op.batch_alter_table('income_streams', schema=None) as batch_op:
        batch_op.alter_column('stream_id', new_column_name='label', existing_type=sa.String(length=64),
                              existing_nullable=False)
