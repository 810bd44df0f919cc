"""Ticket counts per status and department, maintained on every change instead of recounted."""
from __future__ import annotations

from sqlalchemy import delete, func, insert, literal_column, select, update

from crm.extensions import db
from plugins.support.models import StatusCount, Ticket


def _dialect_insert():
    name = db.session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:
        return None
    return dialect_insert


def bump(status_id: int, department_id: int | None, delta: int) -> None:
    """Add ``delta`` to the count of (status, department) in the current transaction (an upsert)."""
    key = department_id or 0
    dialect_insert = _dialect_insert()
    if dialect_insert is None:
        result = db.session.execute(update(StatusCount).where(
            StatusCount.status_id == status_id, StatusCount.department_key == key
        ).values(count=StatusCount.count + delta))
        if result.rowcount == 0:
            db.session.execute(insert(StatusCount).values(status_id=status_id, department_key=key, count=delta))
        return
    stmt = dialect_insert(StatusCount).values(status_id=status_id, department_key=key, count=delta)
    stmt = stmt.on_conflict_do_update(index_elements=["status_id", "department_key"],
                                      set_={"count": StatusCount.count + delta})
    db.session.execute(stmt)


def moved(old_status_id: int, old_department_id: int | None, new_status_id: int, new_department_id: int | None):
    """Record that one ticket moved from one (status, department) to another."""
    if (old_status_id, old_department_id or 0) == (new_status_id, new_department_id or 0):
        return
    bump(old_status_id, old_department_id, -1)
    bump(new_status_id, new_department_id, 1)


def per_status(department_ids: set[int] | None) -> dict[int, int]:
    """``{status id: tickets}`` over the given departments (None: all tickets). One query."""
    stmt = select(StatusCount.status_id, func.sum(StatusCount.count)).group_by(StatusCount.status_id)
    if department_ids is not None:
        stmt = stmt.where(StatusCount.department_key.in_(sorted(department_ids) or [-1]))
    return {status_id: int(total or 0) for status_id, total in db.session.execute(stmt)}


def recount() -> None:
    """Rebuild every count from the tickets (after bulk inserts, or to repair); the caller commits."""
    db.session.execute(delete(StatusCount))
    department_key = func.coalesce(Ticket.department_id, literal_column("0"))
    rows = db.session.execute(
        select(Ticket.status_id, department_key, func.count()).group_by(Ticket.status_id, department_key)
    ).all()
    if rows:
        db.session.execute(insert(StatusCount), [
            {"status_id": s, "department_key": d, "count": c} for s, d, c in rows
        ])
