"""debtor messages, contacts and preferences

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 13:22:08

debtor_contacts: a way to reach the debtor per channel (e-mail, SMS, WhatsApp), with the consent recorded
(when, how) and an opt-out.
message_preferences: per case, the language and tone of its messages, when reminders go out, and a breathing
space (moratorium) until a date.
debtor_messages: every message planned, sent, delivered, read, skipped or cancelled, unique per case, channel
and what it is about (dedupe_key), with the text as sent.
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('debtor_contacts',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('case_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('channel', sa.Enum('email', 'sms', 'whatsapp', name='message_channel', native_enum=False, length=32), nullable=False),
    sa.Column('address', sa.String(length=320), nullable=False),
    sa.Column('consent_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('consent_source', sa.String(length=200), nullable=False),
    sa.Column('opted_out_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_debtor_contacts_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_debtor_contacts')),
    sa.UniqueConstraint('case_id', 'channel', name=op.f('uq_debtor_contacts_case_id'))
    )
    op.create_table('debtor_messages',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('case_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('kind', sa.Enum('plan_proposed', 'plan_active', 'payment_reminder', 'missed_payment', 'plan_varied', 'plan_completed', 'free', name='message_kind', native_enum=False, length=32), nullable=False),
    sa.Column('channel', sa.Enum('email', 'sms', 'whatsapp', name='message_channel', native_enum=False, length=32), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('language', sa.Enum('nl', 'en', 'tr', name='message_language', native_enum=False, length=32), nullable=False),
    sa.Column('tone', sa.Enum('warm', 'neutral', 'firm', name='message_tone', native_enum=False, length=32), nullable=False),
    sa.Column('due_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('payment_date', sa.Date(), nullable=True),
    sa.Column('amount_cents', sa.BigInteger(), nullable=True),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('planned', 'sending', 'sent', 'delivered', 'read', 'failed', 'uncertain', 'skipped', 'cancelled', name='message_status', native_enum=False, length=32), nullable=False),
    sa.Column('status_reason', sa.String(length=300), nullable=False),
    sa.Column('address', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('provider_message_id', sa.String(length=200), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('taken_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('sent_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('delivered_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('read_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_debtor_messages_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_debtor_messages')),
    sa.UniqueConstraint('case_id', 'channel', 'dedupe_key', name=op.f('uq_debtor_messages_case_id'))
    )
    with op.batch_alter_table('debtor_messages', schema=None) as batch_op:
        batch_op.create_index('ix_debtor_messages_case_created', ['case_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_debtor_messages_due', ['status', 'due_at'], unique=False)
        batch_op.create_index('ix_debtor_messages_provider', ['channel', 'provider_message_id'], unique=False)

    op.create_table('message_preferences',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('case_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('language', sa.Enum('nl', 'en', 'tr', name='message_language', native_enum=False, length=32), nullable=False),
    sa.Column('tone', sa.Enum('warm', 'neutral', 'firm', name='message_tone', native_enum=False, length=32), nullable=False),
    sa.Column('reminder_anchor', sa.Enum('payment_date', 'income_date', name='reminder_anchor', native_enum=False, length=32), nullable=False),
    sa.Column('reminder_time', sa.Time(), nullable=False),
    sa.Column('moratorium_until', sa.Date(), nullable=True),
    sa.Column('moratorium_reason', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_message_preferences_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_preferences')),
    sa.UniqueConstraint('case_id', name=op.f('uq_message_preferences_case_id'))
    )


def downgrade() -> None:
    op.drop_table('message_preferences')
    with op.batch_alter_table('debtor_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_debtor_messages_provider')
        batch_op.drop_index('ix_debtor_messages_due')
        batch_op.drop_index('ix_debtor_messages_case_created')

    op.drop_table('debtor_messages')
    op.drop_table('debtor_contacts')
