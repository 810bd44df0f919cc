"""The test kit shipped as ``crm.testing``: its fixtures, factories and helpers do what they promise."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from crm import PluginInfo, hookimpl
from crm.testing import builtin_plugins, plugin_list
from crm.timeutil import utcnow


class Extra:
    """A plugin that is not one of the desk's own."""

    def __init__(self, name="extra"):
        self.name = name

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo(self.name, "Extra")


def test_the_kit_is_registered_as_a_pytest_plugin(pytestconfig):
    import configparser
    from pathlib import Path

    from crm.testing import fixtures

    setup = configparser.ConfigParser()
    setup.read(Path(__file__).resolve().parents[2] / "setup.cfg")
    assert setup["options.entry_points"]["pytest11"].split() == ["crm", "=", "crm.testing.fixtures"]
    assert pytestconfig.pluginmanager.is_registered(fixtures)


def test_builtin_plugins_are_the_desks_own():
    names = [p.crm_plugin_info().name for p in builtin_plugins()]
    assert names == ["forms", "portal", "support"]


def test_plugin_list_keeps_one_plugin_per_name():
    support = builtin_plugins()[2]
    first, replacement = Extra(), Extra()
    joined = plugin_list(builtin_plugins(), support, first, [replacement])
    assert [p.crm_plugin_info().name for p in joined] == ["forms", "portal", "support", "extra"]
    assert joined[3] is replacement


def test_the_suite_loads_only_builtin_plugins(app):
    assert sorted(app.extensions["crm"].infos) == ["forms", "portal", "support"]


def test_frozen_clock_is_what_utcnow_reads(frozen_clock, factory):
    frozen_clock.set(datetime(2031, 5, 4, 12, 30))
    assert utcnow() == datetime(2031, 5, 4, 12, 30)
    frozen_clock.advance(minutes=90)
    contact = factory.contact()
    assert utcnow() == datetime(2031, 5, 4, 14, 0)
    assert contact.created_at == datetime(2031, 5, 4, 14, 0)


def test_the_system_clock_is_back_after_a_frozen_one():
    assert abs(utcnow() - datetime.now(timezone.utc).replace(tzinfo=None)) < timedelta(minutes=1)


def test_factory_roles_grant_their_permissions(app, factory, auth):
    from crm.auth.permissions import has_permission

    role = factory.role("Ticket readers", ["support.tickets.view"])
    reader, plain = factory.user(role=role), factory.user(role=factory.role("Nothing granted", []))
    assert has_permission(reader, "support.tickets.view")
    assert not has_permission(plain, "support.tickets.view")


def test_auth_signs_in_one_client_per_user(app, client, factory, auth):
    admin, staff = factory.admin(), factory.user()
    auth.login(staff)
    admin_client = auth.client_for(admin)
    assert admin_client.get("/admin/").status_code == 200
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/").status_code == 403


def test_factory_tickets_go_through_supports_api(app, factory):
    from plugins.support.models import Ticket

    from crm.extensions import db

    ticket = factory.ticket("Screen is blank", body="Nothing shows.")
    db.session.expire_all()
    assert db.session.scalar(select(Ticket.subject).where(Ticket.id == ticket.id)) == "Screen is blank"
    assert [p.body_text for p in ticket.posts] == ["Nothing shows."]


def test_factory_tickets_need_support(make_app):
    from crm.testing import Factory

    app = make_app(plugins=[])
    with app.app_context(), pytest.raises(RuntimeError, match="support"):
        Factory(app).ticket()


def test_outbox_captures_queued_and_delivered_mail(app, outbox):
    from crm.extensions import db
    from crm.notify.outbox import queue_email

    queue_email("ana@example.org", "Hello", "Body text")
    db.session.commit()
    assert outbox.subjects() == ["Hello"]
    assert [m["text"] for m in outbox.to("ana@example.org")] == ["Body text"]
    assert outbox.to("bob@example.org") == []
    assert [m["Subject"] for m in outbox.delivered()] == ["Hello"]


def test_count_queries_counts_statements(app, count_queries):
    from crm.extensions import db
    from sqlalchemy import text

    with count_queries() as counter:
        db.session.execute(text("SELECT 1"))
        db.session.execute(text("SELECT 2"))
    assert counter.count == 2


def test_the_same_plugin_listed_twice_is_loaded_once(make_app):
    plugins = builtin_plugins()
    app = make_app(plugins=[*plugins, plugins[2]])
    assert sorted(app.extensions["crm"].infos) == ["forms", "portal", "support"]
    with pytest.raises(RuntimeError, match="two plugins are named 'extra'"):
        make_app(plugins=[Extra(), Extra()])
