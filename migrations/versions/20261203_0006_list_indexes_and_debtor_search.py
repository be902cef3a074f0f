"""Lists that scale: keyset indexes for every long list, and cases.debtor_search for the name search

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 12:00:00

Each long list is read in (created_at, id) order within its owner (kernel/paging.py): the
indexes below serve those orders and replace the single-column indexes they start with.
cases.debtor_search is the debtor's name as searches compare it (kernel/search.py: accents and
case ignored), filled here for the cases that exist and by the model from now on.
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

from debt_coord.kernel.search import search_key

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, single-column index replaced, new index, its columns)
INDEXES = [
    ('cases', ('ix_cases_organisation_id', ['organisation_id']),
     [('ix_cases_org_created', ['organisation_id', 'created_at', 'id']),
      ('ix_cases_org_state_created', ['organisation_id', 'state', 'created_at', 'id'])]),
    ('case_participants', ('ix_case_participants_organisation_id', ['organisation_id']),
     [('ix_case_participants_org_created', ['organisation_id', 'created_at', 'id'])]),
    ('claims', ('ix_claims_case_org', ['case_id', 'organisation_id']),
     [('ix_claims_case_created', ['case_id', 'created_at', 'id']),
      ('ix_claims_case_org_created', ['case_id', 'organisation_id', 'created_at', 'id'])]),
    ('audit_events', ('ix_audit_events_case_id', ['case_id']),
     [('ix_audit_events_case_at', ['case_id', 'at', 'id'])]),
    ('webhook_deliveries', ('ix_webhook_deliveries_endpoint_id', ['endpoint_id']),
     [('ix_webhook_deliveries_endpoint_created', ['endpoint_id', 'created_at', 'id'])]),
]


def _fill_debtor_search() -> None:
    cases = sa.table('cases', sa.column('id', advanced_alchemy.types.guid.GUID(length=16)),
                     sa.column('debtor_name', sa.String), sa.column('debtor_search', sa.String))
    connection = op.get_bind()
    for case_id, name in connection.execute(sa.select(cases.c.id, cases.c.debtor_name)).all():
        connection.execute(cases.update().where(cases.c.id == case_id).values(debtor_search=search_key(name)))


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('debtor_search', sa.String(length=400), nullable=False, server_default=''))
    _fill_debtor_search()
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.alter_column('debtor_search', server_default=None)
    for table, (old, _), new in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(old)
            for name, columns in new:
                batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    for table, (old, old_columns), new in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _ in reversed(new):
                batch_op.drop_index(name)
            batch_op.create_index(old, old_columns, unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('debtor_search')
