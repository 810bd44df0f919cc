"""In-app notifications: stored as kind and parameters, worded when shown, each person sees and marks only their own."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask_babel import gettext as _
from sqlalchemy import func, select

from crm import PluginInfo, create_app, hookimpl
from crm.extensions import db as _db
from crm.notify import inapp
from crm.notify.inapp import Notification, notify, unread_count
from crm.timeutil import utcnow


class Greeter:
    """A plugin that sends two kinds of notification; one renderer is broken on purpose."""

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo("greeter", "Greeter")

    @hookimpl
    def crm_notification_kinds(self):
        return {
            "greeter.greeted": lambda params: _("%(name)s greeted you", name=params["name"]),
            "greeter.broken": lambda params: params["missing"],
        }


@pytest.fixture
def app_plugins():
    return [Greeter()]


def notes(user, count=1, **params):
    rows = []
    for n in range(count):
        rows += notify([getattr(user, "id", user)], "greeter.greeted", {"name": params.get("name", f"Friend {n}")}, url=f"/tickets/{n}")
    _db.session.commit()
    return rows


def unread_in_db(user) -> int:
    return _db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)))


# the API -----------------------------------------------------------------------------

def test_notify_stores_kind_and_params_not_text(app, factory):
    user = factory.user()
    (row,) = notify([user.id, user.id], "greeter.greeted", {"name": "Ayşe"}, url="/tickets/7")
    _db.session.commit()
    stored = _db.session.get(Notification, row.id)
    assert (stored.kind, stored.params, stored.url, stored.read_at) == ("greeter.greeted", {"name": "Ayşe"}, "/tickets/7", None)
    assert _db.session.scalar(select(func.count(Notification.id))) == 1  # a duplicate id is notified once
    assert stored.text == "Ayşe greeted you"


def test_notify_joins_the_callers_transaction(app, factory):
    user = factory.user()
    notify([user.id], "greeter.greeted", {"name": "Ali"})
    _db.session.rollback()
    assert unread_in_db(user) == 0


def test_unknown_kind_is_refused(app, factory):
    user = factory.user()
    with pytest.raises(KeyError):
        notify([user.id], "greeter.nope", {})


def test_rows_of_several_kinds_are_added_in_one_insert(app, factory, count_queries):
    first, second = factory.user(), factory.user()
    rows = inapp.notification_rows([first.id, second.id, first.id], "greeter.greeted", {"name": "Ali"}, url="/t/1")
    rows += inapp.notification_rows([second.id], "greeter.broken", {})
    with count_queries() as q:
        inapp.insert_notifications(rows)
    assert q.count == 1
    _db.session.commit()
    stored = _db.session.execute(select(Notification.user_id, Notification.kind, Notification.params, Notification.url)
                                 .order_by(Notification.id)).all()
    assert [tuple(r) for r in stored] == [(first.id, "greeter.greeted", {"name": "Ali"}, "/t/1"),
                                          (second.id, "greeter.greeted", {"name": "Ali"}, "/t/1"),
                                          (second.id, "greeter.broken", {}, "")]
    with pytest.raises(KeyError):
        inapp.notification_rows([first.id], "greeter.nope")


def test_a_kind_declared_twice_fails_at_start_up(database_url, tmp_path):
    class Copycat(Greeter):
        @hookimpl
        def crm_plugin_info(self):
            return PluginInfo("copycat", "Copycat")

    with pytest.raises(RuntimeError, match="greeter.greeted"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(tmp_path)},
                   plugins=[Greeter(), Copycat()])


def test_unread_count_is_one_query_cached_for_the_request(app, factory, count_queries):
    user, other = factory.user(), factory.user()
    first = notes(user, 3)[0]
    notes(other, 2)
    first.read_at = utcnow()
    _db.session.commit()
    _db.session.refresh(user)  # loaded before counting: only the count itself is measured
    with app.test_request_context("/"):
        with count_queries() as q:
            assert unread_count(user) == 2
            assert unread_count(user) == 2
        assert q.count == 1
        assert unread_count(other) == 2


def test_a_broken_renderer_or_disabled_plugin_gets_a_generic_text(app, factory):
    user = factory.user()
    (broken,) = notify([user.id], "greeter.broken", {})
    (greeting,) = notify([user.id], "greeter.greeted", {"name": "Ali"})
    _db.session.commit()
    with app.test_request_context("/"):
        assert broken.text == "You have a notification."
        assert greeting.text == "Ali greeted you"
    app.extensions["crm"].set_enabled("greeter", False)
    _db.session.commit()
    with app.test_request_context("/"):
        assert greeting.text == "You have a notification."


# the pages -----------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_login(app, client, factory):
    user = factory.user()
    (row,) = notes(user)
    for method, path in (("get", "/notifications/"), ("post", f"/notifications/{row.id}/read"),
                         ("post", "/notifications/read-all")):
        response = getattr(client, method)(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    assert unread_in_db(user) == 1


def test_list_shows_only_my_notifications_newest_first(app, client, factory, auth):
    me, other = factory.user(), factory.user()
    now = utcnow()
    for n, name in enumerate(["Oldest", "Middle", "Newest"]):
        notify([me.id], "greeter.greeted", {"name": name})[0].created_at = now + timedelta(minutes=n)
    notify([other.id], "greeter.greeted", {"name": "Secret"})
    _db.session.commit()
    auth.login(me)
    page = client.get("/notifications/").get_data(as_text=True)
    assert page.index("Newest greeted you") < page.index("Middle greeted you") < page.index("Oldest greeted you")
    assert "Secret" not in page


def test_list_is_paginated_with_a_constant_number_of_queries(make_app, count_queries):
    # Requests run outside any test app context, each in its own as in production.
    from tests.conftest import Auth, Factory

    application = make_app(plugins=[Greeter()])
    with application.app_context():
        me = Factory(application).user()
        me_id, email = me.id, me.email
        notes(me_id, 3)
    client = application.test_client()
    Auth(client).login(email)
    client.get("/notifications/")  # fills the per-process caches (settings, plugin states)
    with count_queries() as few:
        assert client.get("/notifications/").status_code == 200
    with application.app_context():
        notes(me_id, 30)
    with count_queries() as many:
        first = client.get("/notifications/").get_data(as_text=True)
    assert many.count == few.count <= 5  # session user, generation, page, total, unread count
    second = client.get("/notifications/?page=2").get_data(as_text=True)
    assert first.count('class="notification ') == 25
    assert second.count('class="notification ') == 8
    assert '33 unread notifications">33</span>' in second
    assert client.get("/notifications/?page=x").status_code == 200
    assert client.get("/notifications/?page=99").status_code == 200


def test_topbar_shows_the_unread_count(app, client, factory, auth):
    me = factory.user()
    notes(me, 4)
    auth.login(me)
    page = client.get("/notifications/").get_data(as_text=True)
    assert '4 unread notifications">4</span>' in page
    client.post("/notifications/read-all")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "unread notification" not in page


def test_mark_one_read(app, client, factory, auth):
    me = factory.user()
    first, second = notes(me, 2)
    auth.login(me)
    response = client.post(f"/notifications/{first.id}/read")
    assert response.status_code == 302 and response.headers["Location"].startswith("/notifications/")
    _db.session.expire_all()
    assert _db.session.get(Notification, first.id).read_at is not None
    assert _db.session.get(Notification, second.id).read_at is None


def test_open_marks_read_and_follows_a_local_link_only(app, client, factory, auth):
    me = factory.user()
    (local,) = notify([me.id], "greeter.greeted", {"name": "A"}, url="/tickets/9")
    (remote,) = notify([me.id], "greeter.greeted", {"name": "B"}, url="https://evil.example/")
    (sneaky,) = notify([me.id], "greeter.greeted", {"name": "C"}, url="//evil.example/")
    _db.session.commit()
    auth.login(me)
    assert client.post(f"/notifications/{local.id}/read", data={"open": "1"}).headers["Location"] == "/tickets/9"
    for row in (remote, sneaky):
        location = client.post(f"/notifications/{row.id}/read", data={"open": "1"}).headers["Location"]
        assert location.startswith("/notifications/")
    assert unread_in_db(me) == 0


def test_another_persons_notification_cannot_be_marked(app, client, factory, auth):
    me, other = factory.user(), factory.user()
    (theirs,) = notes(other)
    auth.login(me)
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert client.post("/notifications/999999/read").status_code == 404
    assert unread_in_db(other) == 1


def test_mark_all_read_touches_only_mine(app, client, factory, auth):
    me, other = factory.user(), factory.user()
    notes(me, 3)
    notes(other, 2)
    auth.login(me)
    assert client.post("/notifications/read-all").status_code == 302
    assert (unread_in_db(me), unread_in_db(other)) == (0, 2)


def test_marking_needs_the_csrf_token(make_app, factory):
    application = make_app(plugins=[Greeter()], WTF_CSRF_ENABLED=True)
    with application.app_context():
        from tests.conftest import Factory

        me = Factory(application).user()
        (row,) = notes(me)
        client = application.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        assert client.post("/login", data={"email": me.email, "password": "correct horse battery",
                                           "csrf_token": token}).status_code == 302
        assert client.post(f"/notifications/{row.id}/read").status_code == 400
        assert client.post("/notifications/read-all").status_code == 400
        assert unread_in_db(me) == 1
        page = client.get("/notifications/").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        assert client.post("/notifications/read-all", data={"csrf_token": token}).status_code == 302
        assert unread_in_db(me) == 0


def test_module_helpers_are_documented():
    for name in ("notify", "unread_count", "render", "mark_read", "mark_all_read", "notifications_for", "kinds"):
        assert getattr(inapp, name).__doc__, name


def test_open_link_is_not_translated_as_the_status_open(app, client, factory, auth):
    """In Turkish the link that opens a notification is not the status "Açık" (it has its own context)."""
    me = factory.user(locale="tr")
    notes(me, 1)
    auth.login(me)
    page = client.get("/notifications/").get_data(as_text=True)
    [label] = re.findall(r'<button class="link" name="open" value="1">(.*?)</button>', page)
    assert label and label != "Açık"
    assert '<html lang="tr"' in page
