"""Topics: built-in key, customer-specific topics, assignee kind, chosen staff and per-company settings.

Revision ID: b5e3c8a1f2d7
Revises: 7d2e91a4c0b1
Create Date: 2026-12-01 21:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b5e3c8a1f2d7'
down_revision = '7d2e91a4c0b1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('support_topic', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('company_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('assignee_kind', sa.String(length=30), server_default='none', nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_support_topic_key'), ['key'])
        batch_op.create_index(batch_op.f('ix_support_topic_company_id'), ['company_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_support_topic_company_id_crm_company'), 'crm_company',
                                    ['company_id'], ['id'], ondelete='CASCADE')
    op.create_table('support_topic_assignee',
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['topic_id'], ['support_topic.id'], name=op.f('fk_support_topic_assignee_topic_id_support_topic'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['crm_user.id'], name=op.f('fk_support_topic_assignee_user_id_crm_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('topic_id', 'user_id', name=op.f('pk_support_topic_assignee'))
    )
    with op.batch_alter_table('support_topic_assignee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_topic_assignee_user_id'), ['user_id'], unique=False)
    op.create_table('support_company_topic',
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['crm_company.id'], name=op.f('fk_support_company_topic_company_id_crm_company'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['support_topic.id'], name=op.f('fk_support_company_topic_topic_id_support_topic'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('company_id', 'topic_id', name=op.f('pk_support_company_topic'))
    )
    with op.batch_alter_table('support_company_topic', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_company_topic_topic_id'), ['topic_id'], unique=False)


def downgrade():
    with op.batch_alter_table('support_company_topic', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_company_topic_topic_id'))
    op.drop_table('support_company_topic')
    with op.batch_alter_table('support_topic_assignee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_topic_assignee_user_id'))
    op.drop_table('support_topic_assignee')
    with op.batch_alter_table('support_topic', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_support_topic_company_id_crm_company'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_support_topic_company_id'))
        batch_op.drop_constraint(batch_op.f('uq_support_topic_key'), type_='unique')
        batch_op.drop_column('assignee_kind')
        batch_op.drop_column('company_id')
        batch_op.drop_column('key')
