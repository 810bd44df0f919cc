"""Canned replies: saved replies (desk-wide, per department or personal) with a text per language.

Revision ID: a1c4e7b9d2f5
Revises: f4a2c7e9b1d3
Create Date: 2026-12-02 00:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a1c4e7b9d2f5'
down_revision = 'f4a2c7e9b1d3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('support_canned_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('owner_user_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['crm_department.id'], name=op.f('fk_support_canned_reply_department_id_crm_department'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_user_id'], ['crm_user.id'], name=op.f('fk_support_canned_reply_owner_user_id_crm_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_canned_reply'))
    )
    with op.batch_alter_table('support_canned_reply', schema=None) as batch_op:
        batch_op.create_index('ix_support_canned_reply_scope_position', ['scope', 'position'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_canned_reply_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_canned_reply_owner_user_id'), ['owner_user_id'], unique=False)
    op.create_table('support_canned_reply_text',
    sa.Column('reply_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['reply_id'], ['support_canned_reply.id'], name=op.f('fk_support_canned_reply_text_reply_id_support_canned_reply'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('reply_id', 'language', name=op.f('pk_support_canned_reply_text'))
    )


def downgrade():
    op.drop_table('support_canned_reply_text')
    with op.batch_alter_table('support_canned_reply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_canned_reply_owner_user_id'))
        batch_op.drop_index(batch_op.f('ix_support_canned_reply_department_id'))
        batch_op.drop_index('ix_support_canned_reply_scope_position')
    op.drop_table('support_canned_reply')
