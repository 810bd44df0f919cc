"""PostgreSQL's full-text (GIN) indexes of tickets and posts take new rows at once, without a pending list.

With the default ``fastupdate = on`` new rows wait in an unsorted pending
list that every search reads in full until autovacuum merges it, so searches
on a busy desk get slower between vacuums; the list is merged here. Nothing
changes on SQLite.

Revision ID: b3e7d1f9a2c4
Revises: d8b2f6a4c1e9
Create Date: 2026-12-02 05:00:00

"""
from alembic import op

from plugins.support import search


revision = 'b3e7d1f9a2c4'
down_revision = 'd8b2f6a4c1e9'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in search.POSTGRES_GIN_SETTINGS + search.POSTGRES_GIN_FLUSH:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_support_ticket_search_fts RESET (fastupdate)")
        op.execute("ALTER INDEX ix_support_post_search_fts RESET (fastupdate)")
