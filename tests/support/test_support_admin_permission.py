"""The support admin pages need ``support.admin``: admins hold it, and an admin may grant it to a role."""
from __future__ import annotations


def test_support_admin_pages_follow_the_permission(app, client, auth, factory):
    manager_role = factory.role("Support managers", permissions=["support.tickets.view", "support.admin"])
    manager = factory.user(role=manager_role)
    agent = factory.user()
    auth.login(agent)
    assert client.get("/admin/support/statuses").status_code == 403
    auth.logout()
    auth.login(manager)
    assert client.get("/admin/support/statuses").status_code == 200
    assert client.get("/admin/support/brands").status_code == 200
    auth.logout()
    assert client.get("/admin/support/statuses").status_code == 302
