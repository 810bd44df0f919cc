"""Search with the access filter: the list's newest-first index carries the staff access columns, and
PostgreSQL's full-text (GIN) indexes of tickets and posts take new rows at once, without a pending list.

``ix_support_ticket_updated_access`` (updated_at, id, department, assigned
department, assignee, status) lets a newest-first walk skip the tickets a
member of some departments may not see without reading their rows
(:data:`plugins.support.search.UPDATED_ACCESS_INDEX`).

With the default ``fastupdate = on`` new rows wait in an unsorted pending
list that every search reads in full until autovacuum merges it, so searches
on a busy desk get slower between vacuums; the list is merged here.

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
    op.create_index('ix_support_ticket_updated_access', 'support_ticket',
                    ['updated_at', 'id', 'department_id', 'assignee_department_id', 'assignee_user_id', 'status_id'],
                    unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for statement in search.POSTGRES_GIN_SETTINGS + search.POSTGRES_GIN_FLUSH:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_support_ticket_search_fts RESET (fastupdate)")
        op.execute("ALTER INDEX ix_support_post_search_fts RESET (fastupdate)")
    op.drop_index('ix_support_ticket_updated_access', table_name='support_ticket')
