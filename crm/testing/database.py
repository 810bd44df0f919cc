"""A database for a test session: a SQLite file, or a fresh PostgreSQL database from ``CRM_TEST_DATABASE_URL``."""
from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from crm.extensions import db

TEST_DATABASE_VARIABLE = "CRM_TEST_DATABASE_URL"


def is_postgres(url: str) -> bool:
    """Whether a database URL points at PostgreSQL."""
    return url.startswith("postgresql")


@contextlib.contextmanager
def create_test_database(folder: Path, plugins=None) -> Iterator[str]:
    """Create the test session's database with every table of ``plugins`` and yield its URL.

    With ``CRM_TEST_DATABASE_URL`` set (a URL of any database on a PostgreSQL
    server) a uniquely named database is created on that server and dropped
    afterwards; otherwise a SQLite file in ``folder`` is used. ``plugins``
    are the plugin objects whose tables are created (None: the installed ones).
    """
    from crm import create_app

    server_url = os.environ.get(TEST_DATABASE_VARIABLE)
    admin = name = None
    if server_url:
        server = make_url(server_url)
        name = f"crm_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            # A throwaway database: a commit need not wait for its WAL record to reach the disk
            # (PostgreSQL's own crash safety stays; only the last commits could be lost in a crash).
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        url = server.set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{Path(folder) / 'test.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True,
                      "INSTANCE_PATH": str(Path(folder) / "schema")}, plugins=plugins)
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    try:
        yield url
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def wipe(app) -> None:
    """Remove every row of every table ``app`` knows, so the next test starts from an empty database.

    Ids start again from 1 as in a new database: PostgreSQL's sequences that
    were used are restarted (SQLite reuses the ids of an empty table by
    itself). One query finds the tables that hold rows; only those are
    emptied, with DELETE, children before parents. (A TRUNCATE of every
    table costs PostgreSQL new files for each table and index, hundreds of
    milliseconds per test; it remains the fallback should a DELETE be refused.)
    """
    with app.app_context():
        tables = list(reversed(db.metadata.sorted_tables))
        try:
            with db.engine.begin() as conn:
                filled = set(_filled_tables(conn, tables))
                for table in tables:
                    if table.name in filled:
                        conn.execute(table.delete())
                if conn.dialect.name == "postgresql":
                    conn.execute(text(_RESTART_USED_SEQUENCES))
        except DBAPIError:
            if db.engine.dialect.name != "postgresql":
                raise
            with db.engine.begin() as conn:
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        db.session.remove()
        db.engine.dispose()


# Every sequence of the schema that has handed out a value starts again (as TRUNCATE ... RESTART IDENTITY would).
_RESTART_USED_SEQUENCES = (
    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false) "
    "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
)


def _filled_tables(conn, tables) -> list[str]:
    """The names of the ``tables`` that hold at least one row, asked in one statement."""
    quote = conn.dialect.identifier_preparer.quote
    found: list[str] = []
    for start in range(0, len(tables), 200):  # SQLite allows at most 500 terms in a compound SELECT
        query = " UNION ALL ".join(
            f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM {quote(t.name)})" for t in tables[start:start + 200])
        found.extend(conn.scalars(text(query)))
    return found
