"""A database for a test session: a SQLite file, or a fresh PostgreSQL database from ``CRM_TEST_DATABASE_URL``."""
from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

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
    """Remove every row of every table ``app`` knows, so the next test starts from an empty database."""
    with app.app_context():
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())
        db.session.remove()
        db.engine.dispose()
