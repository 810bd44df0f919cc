"""Searchable data fields: tickets keep the folded words of their searchable field values in ``field_text``.

Existing tickets start with no field words: their values are indexed the next
time a field of theirs is saved.

Revision ID: d8b2f6a4c1e9
Revises: a1c4e7b9d2f5
Create Date: 2026-12-02 02:10:00

"""
from alembic import op
import sqlalchemy as sa

from plugins.support import search_text


revision = 'd8b2f6a4c1e9'
down_revision = 'a1c4e7b9d2f5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('support_ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('field_text', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('support_ticket', schema=None) as batch_op:
        batch_op.drop_column('field_text')
    search_text.refresh_tickets(op.get_bind(), fields=False)  # without the field words
