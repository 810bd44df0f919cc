"""The support plugin's hooks: hookspecs, permissions, navigation, notification kinds, search DDL, demo data."""
import inspect

from sqlalchemy import func, inspect as sa_inspect, select, text

from crm.actors import SYSTEM
from crm.extensions import db
from crm.notify.inapp import Notification, render
from plugins.support import counts, demo, hookspecs, services
from plugins.support.models import Post, StatusCount, Ticket


def test_hookspecs_are_registered_and_documented(app):
    pm = app.extensions["crm"].pm
    for name, spec in inspect.getmembers(hookspecs, inspect.isfunction):
        if name.startswith("support_"):
            assert getattr(pm.hook, name).spec is not None, name
            assert "Example::" in (spec.__doc__ or ""), name
    assert pm.hook.support_customer_ticket_url.spec.opts["firstresult"]


def test_permissions_are_declared(app):
    declared = app.extensions["crm"].permissions
    for name in ("support.tickets.view", "support.tickets.reply", "support.tickets.edit", "support.tickets.delete",
                 "support.tickets.assign", "support.tickets.create", "support.admin"):
        assert name in declared


def test_staff_navigation_shows_tickets_only_to_desk_users(app, client, auth, factory, set_support):
    from flask import url_for

    with app.test_request_context():
        profile = url_for("auth.profile")
    auth.login(factory.user())
    assert 'href="/support/tickets"' in client.get(profile).get_data(as_text=True)
    auth.logout()
    auth.login(factory.user(role="member"))
    page = client.get(profile)
    assert page.status_code == 200 and 'href="/support/tickets"' not in page.get_data(as_text=True)
    set_support(members_access=True)
    assert 'href="/support/tickets"' in client.get(profile).get_data(as_text=True)


def test_notification_kinds_render(app, factory, desk):
    dep = factory.department()
    staff = factory.user(departments=[dep])
    ticket = desk.ticket("Lamp flickers", department=dep)
    services.assign(ticket, actor=factory.admin(), user=staff)
    rows = list(db.session.scalars(select(Notification).where(Notification.user_id == staff.id)
                                   .order_by(Notification.id)))
    assert [r.kind for r in rows] == ["support.ticket_opened", "support.ticket_assigned"]
    with app.test_request_context():
        texts = [render(r) for r in rows]
    assert all(ticket.number in t and "Lamp flickers" in t for t in texts)
    assert rows[0].url == f"/support/tickets/{ticket.number}"


def test_search_structures_exist(app):
    if db.engine.dialect.name == "sqlite":
        names = set(db.session.scalars(text("SELECT name FROM sqlite_master")))
        assert {"support_ticket_fts", "support_post_fts", "support_post_fts_ai", "support_ticket_fts_au"} <= names
    else:
        indexes = {i["name"] for i in sa_inspect(db.engine).get_indexes("support_post")}
        assert "ix_support_post_search_fts" in indexes
        assert "ix_support_ticket_search_fts" in {i["name"] for i in sa_inspect(db.engine).get_indexes("support_ticket")}


def test_demo_data_is_consistent_and_browsable(app, client, auth):
    from crm import demo as host_demo

    host_demo.host_people()
    db.session.commit()
    demo.add_lookups()
    db.session.commit()
    demo.add_tickets()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == demo.TICKETS
    assert db.session.scalar(select(func.count()).select_from(Post)) >= 2 * demo.TICKETS
    # bulk inserts fill the folded search text too
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.search_text == "")) == 0
    assert db.session.scalar(select(func.count()).select_from(Post).where(Post.search_text == "")) == 0
    maintained = {(r.status_id, r.department_key): r.count for r in db.session.scalars(select(StatusCount))}
    counts.recount()
    assert maintained == {(r.status_id, r.department_key): r.count for r in db.session.scalars(select(StatusCount))}
    auth.login(host_demo.DEMO_ADMIN, host_demo.DEMO_PASSWORD)
    html = client.get("/support/tickets?q=invoice").get_data(as_text=True)
    assert "Page 1 of" in html or "name=\"ids\"" in html
    # a new ticket continues after the demo's numbers
    ticket = services.open_ticket("After demo", channel="api", author=SYSTEM)
    assert int(ticket.number.split("-")[1]) == demo.TICKETS + 1
