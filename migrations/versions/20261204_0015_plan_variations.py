"""plan variations: what a version varies, and the tolerance within which a creditor accepts a variation

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('varies', sa.JSON(), nullable=True))
    with op.batch_alter_table('acceptance_policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variation_tolerance_bp', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('acceptance_policies', schema=None) as batch_op:
        batch_op.drop_column('variation_tolerance_bp')
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.drop_column('varies')
