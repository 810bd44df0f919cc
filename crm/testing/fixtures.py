"""The test kit's pytest fixtures (registered through the ``pytest11`` entry point of ``crm-desk``).

A project's own ``conftest.py`` may override any of them, ``app_plugins``
above all: it chooses the plugins of the ``app`` fixture.
"""
from __future__ import annotations

import pytest

from crm.extensions import db as _db
from crm.testing.client import Auth, IsolatedClient
from crm.testing.clock import FrozenClock
from crm.testing.database import create_test_database, wipe
from crm.testing.factory import Factory
from crm.testing.mail import Outbox
from crm.testing.queries import counting_queries
from crm.testing.templates import SHARED_TEMPLATE_CODE

_created_tables: set[str] = set()
# passwords hashed with scrypt at a 256 times smaller cost: the same code path as production, far cheaper
TEST_PASSWORD_HASH_METHOD = "scrypt:128:8:1"


@pytest.fixture(scope="session")
def default_plugins():
    """The plugins an app loads when a test names none: every installed plugin.

    The desk's own suite overrides it with :func:`~crm.testing.builtin_plugins`
    so that third-party plugins installed beside it change nothing.
    """
    from crm.hooks.manager import discover

    return discover()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, default_plugins):
    """The URL of this test session's database (SQLite, or PostgreSQL with ``CRM_TEST_DATABASE_URL``).

    Every table of the installed plugins is created once; the tables of
    plugins that are loaded later without being installed are created by
    ``make_app`` when first seen. Each test leaves the database empty.
    """
    with create_test_database(tmp_path_factory.mktemp("db"), plugins=default_plugins) as url:
        _created_tables.update(_db.metadata.tables)
        yield url


@pytest.fixture
def make_app(database_url, tmp_path, default_plugins):
    """Build apps on the test database: ``make_app(plugins=[...], **config)``.

    ``plugins`` are plugin objects (modules or instances; None loads
    ``default_plugins``); the same object listed twice is loaded once, two
    different objects with one name still stop start-up. Config keys override the test defaults (CSRF and rate
    limits off, the task queue inline, an instance folder per app, cheap password hashes). Each app
    uses :class:`~crm.testing.IsolatedClient` and has its built-in roles;
    every row is removed after the test.
    """
    from crm import create_app

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
            "PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH_METHOD,
        }
        settings.update(config)
        app = create_app(settings, plugins=list(default_plugins) if plugins is None else _once_each(plugins))
        app.test_client_class = IsolatedClient
        if app.jinja_env.bytecode_cache is None:  # templates compiled once per session (crm.testing.templates)
            app.jinja_env.bytecode_cache = SHARED_TEMPLATE_CODE
        with app.app_context():
            if not set(_db.metadata.tables) <= _created_tables:
                _db.create_all()
                _created_tables.update(_db.metadata.tables)
            from crm.people.services import ensure_builtin_roles

            ensure_builtin_roles()
            _db.session.commit()
        apps.append(app)
        return app

    yield factory
    if apps:
        wipe(apps[0])


def _once_each(plugins) -> list:
    """The plugin objects in order, each once: ``[*discover(), hello]`` loads an installed ``hello`` once."""
    seen: set[int] = set()
    return [p for p in plugins if not (id(p) in seen or seen.add(id(p)))]


@pytest.fixture
def app_plugins(default_plugins):
    """The plugins the ``app`` fixture loads: by default ``default_plugins`` (every installed plugin).

    Override it in a test module or conftest, e.g. to test your plugin with
    the desk's support plugin only::

        @pytest.fixture
        def app_plugins():
            return plugin_list(builtin_plugins(), my_plugin)
    """
    return list(default_plugins)


@pytest.fixture
def app(make_app, app_plugins):
    """An app with the plugins of ``app_plugins``, inside an app context for the test body."""
    application = make_app(plugins=app_plugins)
    with application.app_context():
        yield application


@pytest.fixture
def client(app):
    """A test client of ``app`` (an :class:`~crm.testing.IsolatedClient`).

    It is not used as ``with client:``, so a request leaves no context
    behind: the test body stays in its own app context, with its own session
    and ``g``, after every request.
    """
    return app.test_client()


@pytest.fixture
def db(app):
    """The Flask-SQLAlchemy object, bound to ``app``'s database."""
    return _db


@pytest.fixture
def factory(app):
    """A :class:`~crm.testing.Factory`: staff, admins, roles with grants, departments, companies,
    contacts and (with support loaded) tickets."""
    return Factory(app)


@pytest.fixture
def auth(client):
    """An :class:`~crm.testing.Auth` for ``client``: ``auth.login(user)``, ``auth.client_for(user)``."""
    return Auth(client)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as q: ...`` then ``q.count`` is the number of SQL statements run."""
    return counting_queries


@pytest.fixture
def outbox(app):
    """The emails the app queued and delivered: an :class:`~crm.testing.Outbox`."""
    return Outbox(app)


@pytest.fixture
def frozen_clock():
    """A :class:`~crm.testing.FrozenClock` that ``crm.timeutil.utcnow()`` reads during the test."""
    clock = FrozenClock()
    with clock.install():
        yield clock
