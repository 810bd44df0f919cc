"""SQLite connections: foreign keys enforced, and commits that do not wait for the disk (WAL, synchronous=NORMAL)."""
from __future__ import annotations

import pytest


def test_sqlite_connections_enforce_foreign_keys_and_commit_without_waiting_for_the_disk(app, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite connection settings")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL: 0 OFF, 2 FULL


def test_sqlite_checkpoints_the_journal_every_ten_thousand_pages(app, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite connection settings")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 10_000
