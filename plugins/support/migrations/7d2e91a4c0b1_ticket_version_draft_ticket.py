"""Ticket version for stale-edit checks; a finished wizard draft remembers its ticket.

Revision ID: 7d2e91a4c0b1
Revises: 4c1613f50d4b
Create Date: 2026-12-01 20:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7d2e91a4c0b1'
down_revision = '4c1613f50d4b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('support_ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('support_ticket_draft', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_support_ticket_draft_ticket_id_support_ticket'),
                                    'support_ticket', ['ticket_id'], ['id'], ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('support_ticket_draft', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_support_ticket_draft_ticket_id_support_ticket'), type_='foreignkey')
        batch_op.drop_column('ticket_id')
    with op.batch_alter_table('support_ticket', schema=None) as batch_op:
        batch_op.drop_column('version')
