"""The desk's own suite runs on the test kit, :mod:`crm.testing` (loaded as a pytest plugin).

Its fixtures (``make_app``, ``app``, ``app_plugins``, ``db``, ``client``,
``auth``, ``factory``, ``count_queries``, ``outbox``, ``frozen_clock`` and
the session's ``database_url``, on SQLite or on PostgreSQL with
``CRM_TEST_DATABASE_URL``) are documented in ``docs/testing.md``. The only
choice made here: apps load the desk's built-in plugins, never others
installed beside the suite; a test that wants another plugin names it.

The helpers are re-exported under the names tests import from here.
"""
from __future__ import annotations

import pytest

from crm.testing import PASSWORD, Auth, Factory, IsolatedClient, QueryCounter, builtin_plugins, is_postgres  # noqa: F401
from crm.testing.database import wipe as _wipe  # noqa: F401
from crm.testing.plugins import BUILTIN_PLUGINS  # noqa: F401


@pytest.fixture(scope="session")
def default_plugins():
    """The built-in plugins only: a third-party plugin installed beside the suite changes nothing in it."""
    return builtin_plugins()
