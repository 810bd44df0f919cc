"""Database connections and units of work: the transaction rules every service relies on.

SQLite connections get ``PRAGMA foreign_keys=ON`` (so ``ON DELETE`` rules and
references are enforced as on PostgreSQL), a generous busy timeout and the
WAL journal (readers never wait for a writer) with ``synchronous=NORMAL``:
a commit is appended to the journal without waiting for the disk, which the
journal is synced to at each checkpoint. The database cannot be corrupted
this way; a power cut (not a crash of the process) may lose the last
commits before the checkpoint. Waiting for the disk at every commit costs
about 4 ms, more than everything else in opening a ticket.

The journal is checkpointed (its pages copied into the database file, both
synced) every 10,000 pages, about 40 MB (``wal_autocheckpoint``; SQLite's
default is 1,000), by the commit that passes the mark. Fewer, larger
checkpoints copy a page that many commits change (the newest rows' leaves,
indexes, counters) once instead of once every 1,000 pages, and sync less
often: the commit of a ticket took about a third less time on average
(0.86 against 1.27 ms, ``bench/create.py``). The price: the journal file
grows to about 40 MB (and is reused at that size), a process opening the
database after a crash replays up to that much, readers look pages up in
a larger journal index, and the commits a power cut may lose (those since
the last checkpoint's sync, see above) can be more.

:func:`unit_of_work` runs a service's change as one transaction of its own:

- it refuses to start while the caller has uncommitted changes in the
  session, so a service never commits (or discards) someone else's work;
- it starts a *write* transaction: ``BEGIN IMMEDIATE`` on SQLite, so every
  read inside sees the latest committed data and writers queue instead of
  failing; on PostgreSQL the service locks the rows it changes
  (:func:`lock`), in a fixed order;
- when the session's open transaction has only read, the write transaction
  begins in its place and the objects the caller loaded stay loaded (the
  signed-in user is not read a second time): on SQLite such reads ran
  outside any database transaction, and on PostgreSQL at ``READ COMMITTED``
  every statement sees the latest committed data anyway. Otherwise (the
  caller flushed or wrote through ``session.execute``, an open savepoint,
  another isolation level, an aborted transaction) the open transaction is
  rolled back first, which expires every loaded object. Either way a
  service re-reads the rows it changes with :func:`lock`, never trusting
  what the caller loaded;
- it commits at the end, rolls back (and runs the undo callbacks, e.g. to
  delete stored files) on any error, and only after a successful commit runs
  the callbacks registered with :meth:`UnitOfWork.after_commit` (events for
  plugins), each contained: a failing callback is logged, never undoes the
  committed work and never turns a request into an error.

A unit of work opened inside another one joins it: only the outermost
commits. :func:`retrying` re-runs a whole unit of work when the database
reports a deadlock or a serialization failure.
"""
from __future__ import annotations

import functools
import logging
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import scoped_session

from crm.extensions import db

log = logging.getLogger(__name__)

_DEPTH = "crm_uow_depth"
_CURRENT = "crm_uow"
_WROTE = "crm_uow_wrote"
_EXECUTED = "crm_uow_executed"  # a statement other than a SELECT ran through session.execute
SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_WAL_AUTOCHECKPOINT_PAGES = 10_000  # checkpoint the journal every ~40 MB; see the module docstring


class PendingChangesError(RuntimeError):
    """A unit of work was started while the session held the caller's uncommitted changes."""


def init_app(app: Flask) -> None:
    """Configure the app's engine: SQLite pragmas and write tracking."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _sqlite_connect):
        event.listen(engine, "connect", _sqlite_connect)
    if not event.contains(db.session, "after_flush", _session_wrote):
        track_writes(db.session)


def _sqlite_connect(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT_PAGES}")
    finally:
        cursor.close()


def _session_wrote(session, flush_context) -> None:
    session.info[_WROTE] = True


def _session_executed(state) -> None:
    if not state.is_select:  # an INSERT, UPDATE, DELETE or text statement
        state.session.info[_EXECUTED] = True


def _session_ended(session, *args) -> None:
    session.info.pop(_WROTE, None)
    session.info.pop(_EXECUTED, None)


def track_writes(session_factory) -> None:
    """Remember, per session, whether the open transaction has flushed anything (see :func:`has_pending_changes`)
    and whether it ran any statement but a SELECT (then :func:`unit_of_work` rolls it back before it begins)."""
    event.listen(session_factory, "after_flush", _session_wrote)
    event.listen(session_factory, "do_orm_execute", _session_executed)
    event.listen(session_factory, "after_commit", _session_ended)
    event.listen(session_factory, "after_rollback", _session_ended)
    event.listen(session_factory, "after_soft_rollback", _session_ended)


def has_pending_changes(session=None) -> bool:
    """Whether the session holds uncommitted changes: unflushed objects or flushed, uncommitted writes."""
    session = session or db.session
    if session.new or session.deleted or session.info.get(_WROTE):
        return True
    return any(session.is_modified(obj) for obj in session.dirty)


class UnitOfWork:
    """One service call's transaction; see :func:`unit_of_work`."""

    def __init__(self) -> None:
        self._after_commit: list[Callable[[], Any]] = []
        self._on_rollback: list[Callable[[], Any]] = []

    def after_commit(self, callback: Callable[[], Any]) -> None:
        """Run ``callback`` once the outermost unit of work has committed (contained: errors are logged)."""
        self._after_commit.append(callback)

    def on_rollback(self, callback: Callable[[], Any]) -> None:
        """Run ``callback`` if the unit of work is rolled back (e.g. delete files stored for it)."""
        self._on_rollback.append(callback)

    def _undo(self) -> None:
        for callback in self._on_rollback:
            try:
                callback()
            except Exception:  # noqa: BLE001 - undo is best effort; the original error matters
                log.exception("undo after rollback failed")

    def _committed(self) -> None:
        for callback in self._after_commit:
            try:
                callback()
            except Exception:  # noqa: BLE001 - committed work stands whatever a callback does
                log.exception("callback after commit failed")
                if db.session.is_active:
                    db.session.rollback()


def current() -> UnitOfWork | None:
    """The unit of work in progress, if any."""
    return db.session.info.get(_CURRENT)


def _only_read(session) -> bool:
    """Whether the session's open transaction has done nothing but read, so the write transaction may begin
    in its place, keeping the loaded objects, and still see the latest committed data.

    SQLite (pysqlite) runs reads outside any database transaction: the driver opens one only before a
    write, which ``in_transaction`` tells. On PostgreSQL, at ``READ COMMITTED`` (each statement sees what
    was committed before it began), a transaction that is not aborted and ran no statement but SELECTs
    through the session (a write sent past it, ``session.connection().execute``, is not seen there;
    the app writes through the session).
    """
    if isinstance(session, scoped_session):
        session = session()  # the request's own session
    if not session.in_transaction():
        return True
    if session.info.get(_WROTE) or session.info.get(_EXECUTED) or session.in_nested_transaction():
        return False
    connection = session.connection()
    dbapi_connection = connection.connection.dbapi_connection
    name = connection.dialect.name
    if name == "sqlite":
        return not dbapi_connection.in_transaction
    if name == "postgresql":
        level = connection.get_execution_options().get("isolation_level") or connection.default_isolation_level
        status = getattr(getattr(dbapi_connection, "info", None), "transaction_status", None)
        return level == "READ COMMITTED" and getattr(status, "name", None) in ("IDLE", "INTRANS")
    return False


def _begin_write(session) -> None:
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def unit_of_work() -> Iterator[UnitOfWork]:
    """Run the block as one write transaction, committed at its end (see the module docstring).

    :raises PendingChangesError: when the caller left uncommitted changes in the session.
    """
    session = db.session
    depth = session.info.get(_DEPTH, 0)
    if depth:
        session.info[_DEPTH] = depth + 1
        try:
            yield session.info[_CURRENT]
        finally:
            session.info[_DEPTH] -= 1
        return
    if has_pending_changes(session):
        raise PendingChangesError("commit or roll back your own changes before calling a service")
    if not _only_read(session):
        session.rollback()  # end the transaction: the write transaction must see the latest data
    work = UnitOfWork()
    session.info[_DEPTH] = 1
    session.info[_CURRENT] = work
    try:
        _begin_write(session)
        yield work
        session.commit()
    except BaseException:
        session.rollback()
        work._undo()
        raise
    finally:
        session.info.pop(_DEPTH, None)
        session.info.pop(_CURRENT, None)
    work._committed()


def lock(query_or_model, *ids):
    """Lock rows for the rest of the unit of work (``SELECT ... FOR UPDATE``; a no-op on SQLite,
    whose ``BEGIN IMMEDIATE`` already serialises writers). Returns the fresh rows, ordered by id.

    ``lock(Ticket, 3, 1)`` locks tickets 1 and 3 in id order, so two units of
    work locking overlapping sets can never deadlock.
    """
    from sqlalchemy import select

    model = query_or_model
    pk = model.__mapper__.primary_key[0]
    stmt = (select(model).where(pk.in_(sorted(set(ids)))).order_by(pk)
            .with_for_update(of=model).execution_options(populate_existing=True))  # not the eager-joined tables
    return list(db.session.scalars(stmt))


def upsert_insert(table):
    """``INSERT`` for ``table`` (a model or table) with ``on_conflict_do_*`` on the session's database:
    PostgreSQL's or SQLite's; None for a database without that form."""
    name = db.session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        return None
    return insert(table)


_RETRYABLE_PG = {"40001", "40P01"}  # serialization_failure, deadlock_detected


def is_retryable(exc: BaseException) -> bool:
    """Whether ``exc`` is a transient conflict that re-running the transaction resolves."""
    if not isinstance(exc, DBAPIError):
        return False
    code = getattr(getattr(exc, "orig", None), "sqlstate", None) or getattr(
        getattr(exc, "orig", None), "pgcode", None)
    if code in _RETRYABLE_PG:
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


def retrying(func: Callable | None = None, *, attempts: int = 4):
    """Decorate a function that runs a whole :func:`unit_of_work`: re-run it on deadlocks and
    serialization failures (with a short growing pause), at most ``attempts`` times.

    Inside an outer unit of work it runs once: the outermost caller retries.
    """
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if db.session.info.get(_DEPTH):
                return fn(*args, **kwargs)
            for attempt in range(1, attempts + 1):
                try:
                    return fn(*args, **kwargs)
                except DBAPIError as exc:
                    if attempt == attempts or not is_retryable(exc):
                        raise
                    log.info("retrying %s after a transient conflict (%s)", fn.__name__, exc.orig)
                    time.sleep(0.01 * attempt)
            raise AssertionError("unreachable")
        return wrapper

    return decorate(func) if func is not None else decorate
