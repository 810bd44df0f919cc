"""A database that cannot be reached after start-up answers 503 with Retry-After and a localized page, not 500.

Each test builds its own app on a database of its own (a SQLite file in a
folder, or a PostgreSQL database made for the test), signs in, and then takes
the database away: the SQLite folder is removed, or the PostgreSQL database
is dropped ``WITH (FORCE)``, which also ends the app's open connections.
"""
from __future__ import annotations

import os
import shutil
import uuid

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from crm import create_app
from crm.database_outage import RETRY_AFTER_SECONDS, is_outage
from crm.extensions import db
from tests.conftest import PASSWORD

MESSAGE = "The service is temporarily unavailable. Please try again in a moment."


def _app(url: str, instance, **config):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "QUEUE_IMMEDIATE": True, "INSTANCE_PATH": str(instance),
                      **config}, plugins=[])

    @app.get("/test-integrity-error")
    def integrity_error():  # a database error that is a bug, not an outage
        raise IntegrityError("INSERT ...", {}, Exception("duplicate key"))

    with app.app_context():
        from crm.people.services import create_user, ensure_builtin_roles

        db.create_all()
        ensure_builtin_roles()
        create_user("outage-admin@example.com", "Outage Admin", PASSWORD, role="admin")
        db.session.commit()
    return app


def _signed_in(app):
    client = app.test_client()
    response = client.post("/login", data={"email": "outage-admin@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200
    return client


def _expected(app, locale: str) -> str:
    with app.test_request_context(), force_locale(locale):
        return gettext(MESSAGE)


def _assert_unavailable(app, response, locale="en"):
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    page = response.get_data(as_text=True)
    assert f'<html lang="{locale}">' in page
    assert _expected(app, locale) in page


def _assert_outage_pages(app, anonymous, admin):
    """Anonymous and signed-in pages, a form post, another language and an API client all get 503."""
    _assert_unavailable(app, anonymous.get("/login"))
    _assert_unavailable(app, admin.get("/profile"))
    _assert_unavailable(app, admin.post("/profile", data={"profile-name": "New name"}))
    _assert_unavailable(app, anonymous.get("/login", headers={"Accept-Language": "tr"}), "tr")
    response = anonymous.get("/login", headers={"Accept": "application/json"})
    assert response.status_code == 503 and response.json["error"] == "Service Unavailable"
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)


def test_sqlite_file_that_cannot_be_opened_answers_503(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    app = _app(f"sqlite:///{folder / 'crm.db'}", tmp_path / "instance")
    anonymous, admin = app.test_client(), _signed_in(app)
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(folder)  # the file and its folder are gone: SQLite can neither open nor create it
    _assert_outage_pages(app, anonymous, admin)


@pytest.fixture
def postgres_database():
    """A PostgreSQL database of this test's own (URL, drop function); skipped without a PostgreSQL server."""
    server = os.environ.get("CRM_TEST_DATABASE_URL", "")
    if not server.startswith("postgresql") and os.environ.get("CRM_REQUIRE_SERVICES"):
        server = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"  # CI's SQLite pass runs it too
    if not server.startswith("postgresql"):
        pytest.skip("needs CRM_TEST_DATABASE_URL pointing at PostgreSQL (e.g. "
                    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres); .ci/run sets CRM_REQUIRE_SERVICES")
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    name = f"crm_outage_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    yield make_url(server).set(database=name).render_as_string(hide_password=False), drop
    drop()
    admin.dispose()


@pytest.mark.parametrize("pre_ping", [True, False], ids=["pool-pre-ping", "no-pre-ping"])
def test_postgresql_database_dropped_mid_run_answers_503(postgres_database, tmp_path, pre_ping):
    url, drop = postgres_database
    app = _app(url, tmp_path / "instance", SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": pre_ping})
    anonymous, admin = app.test_client(), _signed_in(app)
    drop()  # ends the app's pooled connections; new ones fail: the database does not exist
    _assert_outage_pages(app, anonymous, admin)
    with app.app_context():
        db.engine.dispose()


def test_database_errors_that_are_bugs_still_answer_500(tmp_path):
    app = _app(f"sqlite:///{tmp_path / 'crm.db'}", tmp_path / "instance")
    response = app.test_client().get("/test-integrity-error")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
    with app.app_context():
        db.engine.dispose()


def test_outage_classification():
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    assert is_outage(OperationalError("SELECT 1", {}, Exception("unable to open database file")))
    assert is_outage(InterfaceError("SELECT 1", {}, Exception("connection already closed")))
    assert is_outage(DBAPIError("SELECT 1", {}, Exception("server closed the connection"),
                                connection_invalidated=True))
    assert not is_outage(IntegrityError("INSERT", {}, Exception("duplicate key")))
    assert not is_outage(DBAPIError("SELECT 1", {}, Exception("syntax error")))
