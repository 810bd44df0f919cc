"""hello tables

Revision ID: 9f1c2b7d4e60
Revises:
Create Date: 2026-12-01 21:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '9f1c2b7d4e60'
down_revision = None
branch_labels = ('hello',)
depends_on = 'crm'


def upgrade():
    op.create_table('hello_greeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['crm_contact.id'], name=op.f('fk_hello_greeting_contact_id_crm_contact'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hello_greeting'))
    )
    with op.batch_alter_table('hello_greeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hello_greeting_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hello_greeting_sent_at'), ['sent_at'], unique=False)


def downgrade():
    with op.batch_alter_table('hello_greeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hello_greeting_sent_at'))
        batch_op.drop_index(batch_op.f('ix_hello_greeting_contact_id'))
    op.drop_table('hello_greeting')
