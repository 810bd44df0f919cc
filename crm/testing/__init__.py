"""The test kit for the desk and its plugins, shipped with the package.

Installing ``crm-desk`` registers :mod:`crm.testing.fixtures` as a pytest
plugin (entry point group ``pytest11``), so any project that depends on the
desk gets its fixtures without a conftest of its own: ``make_app``, ``app``,
``app_plugins``, ``db``, ``client``, ``auth``, ``factory``,
``count_queries``, ``outbox``, ``frozen_clock`` and the session-wide
``database_url``. See ``docs/testing.md``.

The helpers below are importable for tests that build things by hand.
"""
from crm.testing.client import PASSWORD, Auth, IsolatedClient  # noqa: F401
from crm.testing.clock import FrozenClock  # noqa: F401
from crm.testing.database import create_test_database, is_postgres, wipe  # noqa: F401
from crm.testing.factory import Factory  # noqa: F401
from crm.testing.mail import Outbox  # noqa: F401
from crm.testing.plugins import builtin_plugins, plugin_list  # noqa: F401
from crm.testing.queries import QueryCounter, counting_queries  # noqa: F401
