"""Shared fixtures: a database per test session (SQLite, or PostgreSQL with CRM_TEST_DATABASE_URL),
an app per test, clients, login helper, factories and a query counter.

With ``CRM_TEST_DATABASE_URL`` pointing at a PostgreSQL server (any database
on it, e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``) the
suite creates a uniquely named database, runs in it and drops it at the end.
"""
from __future__ import annotations

import contextlib
import os
import uuid

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from crm import create_app
from crm.extensions import db as _db
from crm.hooks.manager import discover

PASSWORD = "correct horse battery"


def _postgres_database():
    server = make_url(os.environ["CRM_TEST_DATABASE_URL"])
    name = f"crm_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return admin, name, server.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """The URL of this test session's database, with every table created once."""
    if os.environ.get("CRM_TEST_DATABASE_URL"):
        admin, name, url = _postgres_database()
    else:
        admin, name, url = None, None, f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True,
                      "INSTANCE_PATH": str(tmp_path_factory.mktemp("schema"))}, plugins=None)
    with app.app_context():
        _db.create_all()
        _db.engine.dispose()
    yield url
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def _wipe(app):
    """Remove every row so the next test starts from an empty database."""
    with app.app_context():
        tables = list(reversed(_db.metadata.sorted_tables))
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())
        _db.session.remove()
        _db.engine.dispose()


class IsolatedClient(FlaskClient):
    """A test client whose requests start with an empty ``flask.g``, as in production.

    The ``app`` fixture keeps an app context open for the test body, and a
    request made inside it reuses that context; without this, requests would
    share ``g`` (the logged-in user, the locale, per-request caches) with the
    test and with each other. The database session stays shared, so the test
    reads what the request committed.
    """

    def open(self, *args, **kwargs):
        _clear_g()
        try:
            return super().open(*args, **kwargs)
        finally:
            _clear_g()


def _clear_g():
    if has_app_context():
        for name in list(g):
            g.pop(name, None)


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build extra apps on the test database: ``make_app(plugins=[...], **config)``."""
    apps = []

    def factory(plugins=None, **config):
        settings = {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "QUEUE_IMMEDIATE": True,
            "INSTANCE_PATH": str(tmp_path / f"instance{len(apps)}"),
            "SERVER_NAME": None,
        }
        settings.update(config)
        app = create_app(settings, plugins=plugins)
        app.test_client_class = IsolatedClient
        with app.app_context():
            from crm.people.services import ensure_builtin_roles

            ensure_builtin_roles()
            _db.session.commit()
        apps.append(app)
        return app

    yield factory
    if apps:
        _wipe(apps[0])


@pytest.fixture
def app_plugins():
    """The plugins the ``app`` fixture loads; override in a test module to load fewer."""
    return discover()


@pytest.fixture
def app(make_app, app_plugins):
    """An app with the plugins of ``app_plugins``, inside an app context."""
    application = make_app(plugins=app_plugins)
    with application.app_context():
        yield application


@pytest.fixture
def db(app):
    return _db


class Factory:
    """Makes people for tests."""

    def __init__(self, app):
        self.app = app
        self._n = 0

    def _next(self):
        self._n += 1
        return self._n

    def user(self, role="staff", email=None, name=None, password=PASSWORD, departments=(), managed=(), **fields):
        from crm.people.models import DepartmentMember
        from crm.people.services import create_user

        n = self._next()
        user = create_user(email or f"{role}{n}@example.com", name or f"{role.title()} {n}", password, role=role)
        for key, value in fields.items():
            setattr(user, key, value)
        for dep in departments:
            _db.session.add(DepartmentMember(department_id=dep.id, user_id=user.id, is_manager=dep in managed))
        _db.session.commit()
        return user

    def admin(self, **kw):
        return self.user(role="admin", **kw)

    def department(self, name=None):
        from crm.people.models import Department

        dep = Department(name=name or f"Department {self._next()}")
        _db.session.add(dep)
        _db.session.commit()
        return dep

    def company(self, name=None):
        from crm.people.models import Company

        company = Company(name=name or f"Company {self._next()}")
        _db.session.add(company)
        _db.session.commit()
        return company

    def contact(self, email=None, name=None, company=None, **fields):
        from crm.people.models import Contact

        n = self._next()
        contact = Contact(email=email or f"customer{n}@example.org", name=name or f"Customer {n}",
                          company_id=company.id if company else None, **fields)
        _db.session.add(contact)
        _db.session.commit()
        return contact


@pytest.fixture
def factory(app):
    return Factory(app)


class Auth:
    """Logs a test client in and out through the real login form."""

    def __init__(self, client):
        self.client = client

    def login(self, user_or_email, password=PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        response = self.client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self):
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as q: ...`` then ``q.count`` is the number of SQL statements run."""

    @contextlib.contextmanager
    def counting():
        counter = QueryCounter()
        engine = _db.engine

        def before(conn, cursor, statement, parameters, context, executemany):
            counter.statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting
