"""Ticket counts per status and department, maintained on every change instead of recounted.

Services report moves with :func:`bump` / :func:`moved` while they hold the
ticket's row lock. The deltas are collected per transaction and written just
before it commits, as SQL-side increments (``count = count + delta``) in a
fixed key order, so concurrent transactions never lose an update nor deadlock
on the counter rows.

:func:`per_status` answers "how many tickets of each status does this actor
see" for every access policy: the maintained rows give the department part of
a scope, and a grouped count over the (few, indexed) tickets reached only
through another condition — assignment, or a customer's own tickets — gives the
rest.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import and_, bindparam, delete, event, func, insert, literal_column, not_, or_, select, update

from crm.extensions import db
from plugins.support.access import Scope
from plugins.support.models import StatusCount, Ticket

_PENDING = "support_count_deltas"


def bump(status_id: int, department_id: int | None, delta: int) -> None:
    """Add ``delta`` to the count of (status, department) when the current transaction commits."""
    pending = db.session.info.setdefault(_PENDING, defaultdict(int))
    pending[(status_id, department_id or 0)] += delta


def moved(old_status_id: int, old_department_id: int | None, new_status_id: int, new_department_id: int | None):
    """Record that one ticket moved from one (status, department) to another."""
    if (old_status_id, old_department_id or 0) == (new_status_id, new_department_id or 0):
        return
    bump(old_status_id, old_department_id, -1)
    bump(new_status_id, new_department_id, 1)


def _write(session, key: tuple[int, int], delta: int) -> None:
    status_id, department_key = key
    params = {"status_id": status_id, "department_key": department_key, "count": delta}
    stmt = _upsert(session.get_bind().dialect.name)
    if stmt is None:
        result = session.execute(_ADD, {"status": status_id, "department": department_key, "delta": delta})
        if result.rowcount == 0:
            session.execute(insert(_TABLE), params)
        return
    session.execute(stmt, params)


_TABLE = StatusCount.__table__
_ADD = update(_TABLE).where(_TABLE.c.status_id == bindparam("status"),
                            _TABLE.c.department_key == bindparam("department")) \
    .values(count=_TABLE.c.count + bindparam("delta"))
_UPSERTS: dict[str, object] = {}


def _upsert(dialect: str):
    """``INSERT ... ON CONFLICT DO UPDATE count = count + delta`` for ``dialect``, built once (None without it)."""
    if dialect not in _UPSERTS:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        elif dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:
            dialect_insert = None
        stmt = None
        if dialect_insert is not None:
            stmt = dialect_insert(_TABLE)
            stmt = stmt.on_conflict_do_update(index_elements=["status_id", "department_key"],
                                              set_={"count": _TABLE.c.count + stmt.excluded.count})
        _UPSERTS[dialect] = stmt
    return _UPSERTS[dialect]


@event.listens_for(db.session, "before_commit")
def _apply_pending(session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    for key in sorted(pending):  # one order for everyone: no deadlock between two commits
        if pending[key]:
            _write(session, key, pending[key])


@event.listens_for(db.session, "after_rollback")
def _drop_pending(session) -> None:
    session.info.pop(_PENDING, None)


def _table_counts(department_ids: frozenset | None) -> dict[int, int]:
    stmt = select(StatusCount.status_id, func.sum(StatusCount.count)).group_by(StatusCount.status_id)
    if department_ids is not None:
        if not department_ids:
            return {}
        stmt = stmt.where(StatusCount.department_key.in_(sorted(department_ids)))
    return {status_id: int(total) for status_id, total in db.session.execute(stmt) if total}


def per_status(scope: Scope) -> dict[int, int]:
    """``{status id: tickets}`` of the tickets in ``scope`` (see :mod:`plugins.support.access`).

    One query for "every ticket" or a department-only scope; one more for the
    tickets a scope reaches through other conditions.
    """
    if scope.everything:
        return _table_counts(None)
    departments = scope.values("department_id")
    totals = _table_counts(departments) if departments else {}
    others = [getattr(Ticket, name).in_(sorted(values)) for name, values in scope.columns
              if name != "department_id" and values]
    if others:
        where = or_(*others)
        if departments:
            where = and_(where, or_(Ticket.department_id.is_(None),
                                    not_(Ticket.department_id.in_(sorted(departments)))))
        rows = db.session.execute(select(Ticket.status_id, func.count()).where(where).group_by(Ticket.status_id))
        for status_id, count in rows:
            totals[status_id] = totals.get(status_id, 0) + count
    return {k: v for k, v in totals.items() if v}


def recount_query(scope: Scope) -> dict[int, int]:
    """The same numbers as :func:`per_status`, counted from the tickets (tests and repair checks)."""
    rows = db.session.execute(select(Ticket.status_id, func.count()).where(scope.where()).group_by(Ticket.status_id))
    return {status_id: count for status_id, count in rows if count}


def recount() -> None:
    """Rebuild every count from the tickets (after bulk inserts or moves, or to repair); the caller commits."""
    db.session.info.pop(_PENDING, None)
    db.session.execute(delete(StatusCount))
    department_key = func.coalesce(Ticket.department_id, literal_column("0"))
    rows = db.session.execute(
        select(Ticket.status_id, department_key, func.count()).group_by(Ticket.status_id, department_key)
    ).all()
    if rows:
        db.session.execute(insert(StatusCount), [
            {"status_id": s, "department_key": d, "count": c} for s, d, c in rows
        ])
