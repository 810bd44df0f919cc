"""server-side sessions, one-time link tokens and shared attempt counters

Revision ID: b7e3c52a9d14
Revises: 44561fbebb48
Create Date: 2026-12-01 20:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e3c52a9d14'
down_revision = '44561fbebb48'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('crm_auth_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('account', sa.String(length=80), nullable=False),
    sa.Column('remember_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_auth_session')),
    sa.UniqueConstraint('remember_hash', name=op.f('uq_crm_auth_session_remember_hash'))
    )
    with op.batch_alter_table('crm_auth_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_auth_session_account'), ['account'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_auth_session_expires_at'), ['expires_at'], unique=False)

    op.create_table('crm_auth_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('account', sa.String(length=80), nullable=False),
    sa.Column('subject', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_auth_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_crm_auth_token_token_hash'))
    )
    with op.batch_alter_table('crm_auth_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_auth_token_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index('ix_crm_auth_token_purpose_account', ['purpose', 'account'], unique=False)

    op.create_table('crm_auth_attempt',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('window_ends_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_crm_auth_attempt'))
    )
    with op.batch_alter_table('crm_auth_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_auth_attempt_window_ends_at'), ['window_ends_at'], unique=False)


def downgrade():
    with op.batch_alter_table('crm_auth_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_auth_attempt_window_ends_at'))
    op.drop_table('crm_auth_attempt')
    with op.batch_alter_table('crm_auth_token', schema=None) as batch_op:
        batch_op.drop_index('ix_crm_auth_token_purpose_account')
        batch_op.drop_index(batch_op.f('ix_crm_auth_token_expires_at'))
    op.drop_table('crm_auth_token')
    with op.batch_alter_table('crm_auth_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_auth_session_expires_at'))
        batch_op.drop_index(batch_op.f('ix_crm_auth_session_account'))
    op.drop_table('crm_auth_session')
