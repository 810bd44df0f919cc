"""A plugin whose event handler raises cannot break the desk: the work stands, admins see the failure."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm import PluginInfo, hookimpl
from crm.audit import AuditEntry
from crm.extensions import db
from plugins.support import plugin as support_plugin
from plugins.support import statuses
from plugins.support.models import Post, Ticket


class Broken:
    """A throwaway plugin whose handlers always fail."""

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo("broken", "Broken")

    @hookimpl
    def support_ticket_created(self, ticket):
        raise RuntimeError("handler bug on create")

    @hookimpl
    def support_post_added(self, ticket, post):
        raise RuntimeError("handler bug on post")


@pytest.fixture
def app_plugins(recorder):
    return [support_plugin, Broken(), recorder]


def test_a_raising_handler_neither_undoes_nor_fails_the_request(app, desk, factory, client, auth, recorder):
    staff = factory.user()
    ticket = desk.ticket()
    assert ("created", ticket.number) in recorder.events, "the other plugins still hear the event"
    auth.login(staff)
    response = client.post(f"/support/tickets/{ticket.number}/reply", data={"body": "On it.", "status": statuses.status_by_key("answered").id})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Post).where(Post.ticket_id == ticket.id)) == 2
    assert ("post", ticket.number, "public_reply") in recorder.events
    failures = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "plugin.event_failed")))
    assert {f.object_id for f in failures} == {"broken"}
    assert {f.changes["hook"][1] for f in failures} == {"support_ticket_created", "support_post_added"}
    assert any("handler bug on post" in f.changes["error"][1] for f in failures)
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_the_failure_is_listed_on_the_audit_page(app, desk, factory, client, auth):
    desk.ticket()
    auth.login(factory.admin())
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "plugin.event_failed" in page and "broken" in page
