"""outbox: when the last delivery attempt was made

Revision ID: f343abd3ec2e
Revises: b7e3c52a9d14
Create Date: 2026-12-01 20:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f343abd3ec2e'
down_revision = 'b7e3c52a9d14'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('crm_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_attempt_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('crm_outbox', schema=None) as batch_op:
        batch_op.drop_column('last_attempt_at')
