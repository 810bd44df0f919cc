"""The ticket list's sort indexes cover the id that breaks ties on the date.

Revision ID: f4a2c7e9b1d3
Revises: e3b7a5c1d9f2
Create Date: 2026-12-01 22:15:00

"""
from alembic import op


revision = 'f4a2c7e9b1d3'
down_revision = 'e3b7a5c1d9f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('support_ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_support_ticket_updated')
        batch_op.drop_index('ix_support_ticket_created')
        batch_op.create_index('ix_support_ticket_updated_id', ['updated_at', 'id'], unique=False)
        batch_op.create_index('ix_support_ticket_created_id', ['created_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('support_ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_support_ticket_created_id')
        batch_op.drop_index('ix_support_ticket_updated_id')
        batch_op.create_index('ix_support_ticket_created', ['created_at'], unique=False)
        batch_op.create_index('ix_support_ticket_updated', ['updated_at'], unique=False)
