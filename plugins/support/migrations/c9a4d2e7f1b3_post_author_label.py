"""Posts: the name a plugin writes under (``author_label``), shown instead of a person's name.

Revision ID: c9a4d2e7f1b3
Revises: b5e3c8a1f2d7
Create Date: 2026-12-01 21:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c9a4d2e7f1b3'
down_revision = 'b5e3c8a1f2d7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('support_post', schema=None) as batch_op:
        batch_op.add_column(sa.Column('author_label', sa.String(length=120), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('support_post', schema=None) as batch_op:
        batch_op.drop_column('author_label')
