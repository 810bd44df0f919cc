"""Rows that point at a row that no longer exists, counted for every foreign key of every table."""
from __future__ import annotations

from sqlalchemy import and_, exists, func, select

from crm.extensions import db


def orphan_counts() -> dict[str, int]:
    """``{"child.column -> parent": rows}`` for every foreign key whose value names a missing parent row.

    Checked after deletes on both databases: with referential integrity
    enforced every count is 0; a database that ignores foreign keys (SQLite
    without ``PRAGMA foreign_keys``) leaves children of deleted rows behind.
    """
    found = {}
    for table in db.metadata.sorted_tables:
        for constraint in table.foreign_key_constraints:
            elements = constraint.elements
            parent = elements[0].column.table
            columns = [element.parent for element in elements]
            matches = and_(*(element.parent == element.column for element in elements))
            stmt = (select(func.count()).select_from(table)
                    .where(*(column.isnot(None) for column in columns))
                    .where(~exists().where(matches)))
            name = f"{table.name}.{','.join(c.name for c in columns)} -> {parent.name}"
            found[name] = db.session.scalar(stmt)
    return found


def orphans() -> dict[str, int]:
    """Only the foreign keys that have orphan rows (empty when the database is whole)."""
    return {name: count for name, count in orphan_counts().items() if count}
