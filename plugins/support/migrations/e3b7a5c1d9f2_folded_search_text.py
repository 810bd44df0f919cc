"""Search over folded text: tickets and posts get ``search_text`` (filled here for existing rows), and the
full-text index moves from the raw subject and body to it, the same on SQLite and PostgreSQL.

Revision ID: e3b7a5c1d9f2
Revises: c9a4d2e7f1b3
Create Date: 2026-12-01 21:30:00

"""
from alembic import op
import sqlalchemy as sa

from plugins.support import search, search_text


revision = 'e3b7a5c1d9f2'
down_revision = 'c9a4d2e7f1b3'
branch_labels = None
depends_on = None


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in search.SQLITE_DROP_TRIGGERS + search.SQLITE_DROP:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in search.POSTGRES_DROP:
            op.execute(statement)
    with op.batch_alter_table('support_ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('support_post', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    # filled before the index exists, so each row is indexed once
    search_text.refresh_tickets(op.get_bind(), fields=False)  # support_ticket.field_text comes later
    search_text.refresh_posts(op.get_bind())
    if dialect == "sqlite":
        for statement in search.FOLDED_SQLITE_DDL + search.FOLDED_SQLITE_POST_DDL:
            op.execute(statement)
        op.execute("INSERT INTO support_ticket_fts(support_ticket_fts) VALUES ('rebuild')")
        op.execute("INSERT INTO support_post_fts(support_post_fts) VALUES ('rebuild')")
    elif dialect == "postgresql":
        for statement in search.FOLDED_POSTGRES_DDL + search.FOLDED_POSTGRES_POST_DDL:
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in search.SQLITE_DROP_TRIGGERS + search.SQLITE_DROP:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_support_ticket_search_fts")
        op.execute("DROP INDEX IF EXISTS ix_support_post_search_fts")
    with op.batch_alter_table('support_post', schema=None) as batch_op:
        batch_op.drop_column('search_text')
    with op.batch_alter_table('support_ticket', schema=None) as batch_op:
        batch_op.drop_column('search_text')
    if dialect == "sqlite":
        for statement in search.SQLITE_DDL + search.SQLITE_POST_DDL:
            op.execute(statement)
        op.execute("INSERT INTO support_ticket_fts(support_ticket_fts) VALUES ('rebuild')")
        op.execute("INSERT INTO support_post_fts(support_post_fts) VALUES ('rebuild')")
    elif dialect == "postgresql":
        for statement in search.POSTGRES_DDL + search.POSTGRES_POST_DDL:
            op.execute(statement)
