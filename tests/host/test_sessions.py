"""Server-side sessions: revocable everywhere, rotating remember cookies, the profile's session list."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from crm import PluginInfo, hookimpl
from crm.auth import sessions
from crm.auth.models import AuthSession
from crm.timeutil import utcnow
from tests.conftest import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def app_plugins():
    return []


def login(client, user, remember=False, password=PASSWORD, **kwargs):
    data = {"email": user.email, "password": password}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data, **kwargs)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response


def signed_in(client) -> bool:
    """Whether the client's cookies open the profile page (a staff-only page)."""
    return client.get("/profile").status_code == 200


def cookie(client, name):
    found = client.get_cookie(name)
    return found.value if found is not None else None


def set_cookie_header(response, name):
    return next((c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")), None)


def browser_with(app, **cookies):
    """A fresh client that sends only the given cookies, like an attacker replaying them."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def live_rows(db, user):
    db.session.expire_all()
    return db.session.scalars(select(AuthSession).where(AuthSession.account == user.get_id(),
                                                        AuthSession.revoked_at.is_(None))).all()


# cookies -------------------------------------------------------------------------------------


def test_each_sign_in_gets_a_new_remember_cookie_with_a_30_day_lifetime(app, client, factory):
    user = factory.user()
    first = set_cookie_header(login(client, user, remember=True), sessions.REMEMBER_COOKIE)
    client.post("/logout")
    second = set_cookie_header(login(client, user, remember=True), sessions.REMEMBER_COOKIE)
    assert first and second and first.split(";")[0] != second.split(";")[0]
    max_age = int(re.search(r"Max-Age=(\d+)", second).group(1))
    assert max_age == 30 * 24 * 60 * 60
    assert "HttpOnly" in second and "SameSite=Lax" in second


def test_remember_lifetime_is_configurable(make_app, app):
    short = make_app(plugins=[], REMEMBER_COOKIE_DURATION=3600)
    with short.app_context():
        from tests.conftest import Factory

        email = Factory(short).user().email
    response = short.test_client().post("/login", data={"email": email, "password": PASSWORD, "remember": "y"})
    assert "Max-Age=3600" in set_cookie_header(response, sessions.REMEMBER_COOKIE)


def test_remember_cookie_is_secure_when_session_cookies_are(make_app, app):
    secure_app = make_app(plugins=[], SESSION_COOKIE_SECURE=True)
    with secure_app.app_context():
        from tests.conftest import Factory

        email = Factory(secure_app).user().email
    response = secure_app.test_client().post("/login", data={"email": email, "password": PASSWORD, "remember": "y"},
                                             base_url="https://localhost")
    remember = set_cookie_header(response, sessions.REMEMBER_COOKIE)
    assert remember and "Secure" in remember


def test_remember_cookie_is_secure_with_the_environment_variable(make_app, app, monkeypatch):
    monkeypatch.setenv("CRM_SESSION_COOKIE_SECURE", "true")
    secure_app = make_app(plugins=[])
    with secure_app.app_context():
        from tests.conftest import Factory

        email = Factory(secure_app).user().email
    response = secure_app.test_client().post("/login", data={"email": email, "password": PASSWORD, "remember": "y"},
                                             base_url="https://localhost")
    assert "Secure" in set_cookie_header(response, sessions.REMEMBER_COOKIE)
    assert "Secure" in set_cookie_header(response, "session")

def test_sign_in_starts_a_new_session_and_csrf_secret(app, client, factory):
    user = factory.user()
    with client.session_transaction() as session:
        session[sessions.SESSION_KEY] = "planted-by-someone-else"
        session["csrf_token"] = "planted-csrf-secret"
    login(client, user)
    with client.session_transaction() as session:
        token = session[sessions.SESSION_KEY]
        assert token != "planted-by-someone-else"
        assert session.get("csrf_token") != "planted-csrf-secret"
    login_again = browser_with(app)
    login(login_again, user)
    with login_again.session_transaction() as session:
        assert session[sessions.SESSION_KEY] != token


# ending sessions ---------------------------------------------------------------------------


def test_a_session_cookie_replayed_after_logout_is_refused(app, client, factory):
    user = factory.user()
    login(client, user)
    stolen = cookie(client, "session")
    assert signed_in(browser_with(app, session=stolen))
    client.post("/logout")
    assert not signed_in(browser_with(app, session=stolen))


def test_a_remember_cookie_replayed_after_logout_is_refused(app, client, factory):
    user = factory.user()
    login(client, user, remember=True)
    stolen = cookie(client, sessions.REMEMBER_COOKIE)
    response = client.post("/logout")
    assert "Max-Age=0" in set_cookie_header(response, sessions.REMEMBER_COOKIE) or \
        "Expires=Thu, 01 Jan 1970" in set_cookie_header(response, sessions.REMEMBER_COOKIE)
    assert not signed_in(browser_with(app, **{sessions.REMEMBER_COOKIE: stolen}))


def test_remember_cookie_restores_a_session_once_and_is_rotated(app, client, factory, db):
    user = factory.user()
    login(client, user, remember=True)
    remembered = cookie(client, sessions.REMEMBER_COOKIE)
    browser = browser_with(app, **{sessions.REMEMBER_COOKIE: remembered})  # the browser was closed and reopened
    response = browser.get("/profile")
    assert response.status_code == 200
    rotated = set_cookie_header(response, sessions.REMEMBER_COOKIE)
    assert rotated and remembered not in rotated
    assert signed_in(browser)
    # the used cookie is dead: a thief replaying it gets nothing, and neither does the old browser session
    assert not signed_in(browser_with(app, **{sessions.REMEMBER_COOKIE: remembered}))
    assert not signed_in(client)
    assert len(live_rows(db, user)) == 1



def test_a_copied_remember_cookie_that_comes_back_ends_every_session(app, client, factory, db):
    user = factory.user()
    login(client, user, remember=True)
    copied = cookie(client, sessions.REMEMBER_COOKIE)
    thief = browser_with(app, **{sessions.REMEMBER_COOKIE: copied})
    assert signed_in(thief)  # the thief used the copy first: the cookie was exchanged
    elsewhere = browser_with(app)
    login(elsewhere, user)
    db.session.execute(update(AuthSession).where(AuthSession.revoked_at.is_not(None))
                       .values(revoked_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    owner_tomorrow = browser_with(app, **{sessions.REMEMBER_COOKIE: copied})  # the owner's browser comes back
    assert not signed_in(owner_tomorrow)
    assert not signed_in(thief) and not signed_in(elsewhere)
    assert live_rows(db, user) == []


def test_a_remember_cookie_ended_by_logout_ends_nothing_else_when_replayed(app, client, factory, db):
    user = factory.user()
    login(client, user, remember=True)
    old = cookie(client, sessions.REMEMBER_COOKIE)
    client.post("/logout")
    login(client, user)
    db.session.execute(update(AuthSession).where(AuthSession.revoked_at.is_not(None))
                       .values(revoked_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    assert not signed_in(browser_with(app, **{sessions.REMEMBER_COOKIE: old}))
    assert signed_in(client)

def test_password_change_ends_every_other_session_and_keeps_this_one(app, client, factory, db):
    user = factory.user()
    elsewhere = browser_with(app)
    login(elsewhere, user, remember=True)
    elsewhere_remember = cookie(elsewhere, sessions.REMEMBER_COOKIE)
    login(client, user)
    response = client.post("/profile/password", data={"password-current": PASSWORD, "password-password": NEW_PASSWORD,
                                                      "password-confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert signed_in(client)
    assert not signed_in(elsewhere)
    assert not signed_in(browser_with(app, **{sessions.REMEMBER_COOKIE: elsewhere_remember}))
    assert len(live_rows(db, user)) == 1


def test_a_password_set_anywhere_ends_the_sessions(app, client, factory, db):
    user = factory.user()
    login(client, user)
    user.set_password("set by a command line tool")
    db.session.commit()
    assert not signed_in(client)


def test_password_reset_ends_every_session(app, client, factory, db):
    from crm.auth.reset import make_reset_token

    user = factory.user()
    login(client, user, remember=True)
    token = make_reset_token(user)
    db.session.commit()
    stranger = browser_with(app)
    stranger.post(f"/reset-password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert not signed_in(client)
    assert live_rows(db, user) == []


def test_deactivation_ends_sessions_for_good(app, client, factory, db):
    admin = factory.admin()
    user = factory.user()
    login(client, user, remember=True)
    session_cookie, remember = cookie(client, "session"), cookie(client, sessions.REMEMBER_COOKIE)
    admin_browser = browser_with(app)
    login(admin_browser, admin)
    admin_browser.post(f"/admin/staff/{user.id}/deactivate")
    assert not signed_in(client)
    admin_browser.post(f"/admin/staff/{user.id}/reactivate")
    db.session.expire_all()
    assert user.active
    # reactivation does not bring the old session or cookie back
    assert not signed_in(browser_with(app, session=session_cookie))
    assert not signed_in(browser_with(app, **{sessions.REMEMBER_COOKIE: remember}))


def test_admin_signs_a_user_out_everywhere(app, client, factory, db):
    admin = factory.admin()
    user = factory.user()
    phone, laptop = browser_with(app), browser_with(app)
    login(phone, user, remember=True)
    login(laptop, user)
    login(client, admin)
    assert "sign-out-everywhere" in client.get(f"/admin/staff/{user.id}").get_data(as_text=True)
    response = client.post(f"/admin/staff/{user.id}/sign-out-everywhere", follow_redirects=True)
    assert "signed out of 2 sessions" in response.get_data(as_text=True)
    assert not signed_in(phone) and not signed_in(laptop)
    assert signed_in(client)
    assert client.post("/admin/staff/999999/sign-out-everywhere").status_code == 404


def test_only_admins_sign_others_out(app, client, factory, db):
    user, other = factory.user(), factory.user()
    other_browser = browser_with(app)
    login(other_browser, other)
    anonymous = browser_with(app).post(f"/admin/staff/{other.id}/sign-out-everywhere")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    login(client, user)
    assert client.post(f"/admin/staff/{other.id}/sign-out-everywhere").status_code == 403
    assert signed_in(other_browser)


def test_expired_session_is_refused(app, client, factory, db):
    user = factory.user()
    login(client, user)
    db.session.execute(update(AuthSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert not signed_in(client)


# the profile's list ------------------------------------------------------------------------


def test_profile_lists_sessions_and_ends_one(app, client, factory, db):
    user = factory.user()
    phone = browser_with(app)
    login(phone, user, headers={"User-Agent": "PhoneBrowser/1.0"}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    login(client, user, headers={"User-Agent": "DeskBrowser/2.0"})
    body = client.get("/profile", headers={"User-Agent": "DeskBrowser/2.0"}).get_data(as_text=True)
    assert "PhoneBrowser/1.0" in body and "10.1.2.3" in body
    assert re.search(r"DeskBrowser/2\.0\s*<strong>\(this session\)</strong>", body)
    phone_row = next(r for r in live_rows(db, user) if r.user_agent == "PhoneBrowser/1.0")
    desk = {"User-Agent": "DeskBrowser/2.0"}  # the same browser (a changed one loses its session)
    response = client.post(f"/profile/sessions/{phone_row.id}/end", headers=desk)
    assert response.status_code == 302 and response.headers["Location"] == "/profile"
    assert phone.get("/profile", headers={"User-Agent": "PhoneBrowser/1.0"}).status_code == 302
    assert client.get("/profile", headers=desk).status_code == 200


def test_nobody_ends_someone_elses_session(app, client, factory, db):
    user, other = factory.user(), factory.user()
    other_browser = browser_with(app)
    login(other_browser, other)
    other_row = live_rows(db, other)[0]
    assert browser_with(app).post(f"/profile/sessions/{other_row.id}/end").status_code == 302  # to the login page
    login(client, user)
    assert client.post(f"/profile/sessions/{other_row.id}/end").status_code == 404
    assert client.post(f"/profile/sessions/{'x' * 500}/end").status_code == 404
    assert signed_in(other_browser)


def test_ending_this_session_signs_out(app, client, factory, db):
    user = factory.user()
    login(client, user)
    row = live_rows(db, user)[0]
    response = client.post(f"/profile/sessions/{row.id}/end")
    assert response.headers["Location"] == "/login"
    assert not signed_in(client)


def test_sign_out_everywhere_from_the_profile(app, client, factory, db):
    user = factory.user()
    elsewhere = browser_with(app)
    login(elsewhere, user, remember=True)
    login(client, user)
    response = client.post("/profile/sessions/end-all")
    assert response.headers["Location"] == "/login"
    assert not signed_in(client) and not signed_in(elsewhere)
    assert live_rows(db, user) == []


# speed ------------------------------------------------------------------------------------


def test_a_request_loads_session_and_user_in_one_query(app, client, factory, db, count_queries):
    from flask import session

    from crm.auth.loading import load_user

    department = factory.department()
    user = factory.user(departments=[department])
    login(client, user)
    with client.session_transaction() as stored:
        token = stored[sessions.SESSION_KEY]
    account, department_id = user.get_id(), department.id
    db.session.expunge_all()
    with app.test_request_context():
        session[sessions.SESSION_KEY] = token
        with count_queries() as queries:
            loaded = load_user(account)
            assert loaded.department_ids == {department_id} and loaded.is_staff
        assert queries.count == 1, queries.statements


def test_last_seen_is_written_at_most_once_a_minute(app, client, factory, db, count_queries):
    user = factory.user()
    login(client, user)
    db.session.execute(update(AuthSession).values(last_seen_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    with count_queries() as first:
        assert signed_in(client)
    with count_queries() as second:
        assert signed_in(client)
    assert any(s.lstrip().upper().startswith("UPDATE CRM_AUTH_SESSION") for s in first.statements)
    assert not any("crm_auth_session" in s and s.lstrip().upper().startswith("UPDATE") for s in second.statements)
    row = live_rows(db, user)[0]
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)


def test_parallel_requests_with_one_remember_cookie_restore_one_session(app, client, factory, db):
    from concurrent.futures import ThreadPoolExecutor

    user = factory.user()
    login(client, user, remember=True)
    remembered = cookie(client, sessions.REMEMBER_COOKIE)

    def visit(_):
        return browser_with(app, **{sessions.REMEMBER_COOKIE: remembered}).get("/profile").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(visit, range(12)))
    assert statuses.count(200) == 1 and statuses.count(302) == 11
    assert len(live_rows(db, user)) == 1


# clean-up ---------------------------------------------------------------------------------


def test_expired_sign_in_rows_are_purged(app, client, factory, db):
    from crm.auth import tokens
    from crm.auth.maintenance import purge_expired
    from crm.auth.models import AttemptWindow, OneTimeToken

    user = factory.user()
    login(client, user)
    login(browser_with(app), user)
    long_ago = utcnow() - timedelta(days=30)
    with app.test_request_context():
        tokens.issue("password-reset", user.get_id(), 600)
        tokens.issue("portal.verify-email", user.get_id(), 600)
    db.session.add(AttemptWindow(key="a" * 64, hits=3, window_ends_at=long_ago))
    db.session.add(AttemptWindow(key="b" * 64, hits=3, window_ends_at=utcnow() + timedelta(minutes=5)))
    db.session.commit()
    old_session = live_rows(db, user)[0].id
    db.session.execute(update(AuthSession).where(AuthSession.id == old_session).values(expires_at=long_ago))
    db.session.execute(update(OneTimeToken).where(OneTimeToken.purpose == "password-reset")
                       .values(expires_at=long_ago))
    db.session.commit()
    assert purge_expired() == {"sessions": 1, "tokens": 1, "attempts": 1}
    db.session.expire_all()
    assert db.session.get(AuthSession, old_session) is None
    assert len(live_rows(db, user)) == 1
    assert [t.purpose for t in db.session.scalars(select(OneTimeToken))] == ["portal.verify-email"]
    assert [w.key for w in db.session.scalars(select(AttemptWindow))] == ["b" * 64]
    assert app.extensions["crm_auth_purge"].name == "crm.auth.purge"  # registered on the task queue


# other kinds of account -------------------------------------------------------------------


class Visitor:
    """A person a plugin signs in (as the portal will sign in customers)."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_staff_user = False

    def __init__(self, number):
        self.number = number

    def get_id(self):
        return f"visitor:{self.number}"


class VisitorDesk:
    """A throwaway plugin that signs visitors in and out through the host's session store."""

    def __init__(self):
        from flask import Blueprint
        from flask_login import current_user

        from crm.extensions import db

        self.blueprint = Blueprint("visitors", __name__)

        @self.blueprint.post("/visitors/<int:number>/sign-in")
        def sign_in(number):
            sessions.start(Visitor(number), remember=True)
            db.session.commit()
            return "signed in"

        @self.blueprint.get("/visitors/me")
        def me():
            return current_user.get_id() if current_user.is_authenticated else "anonymous"

        @self.blueprint.post("/visitors/sign-out")
        def sign_out():
            sessions.end_current()
            db.session.commit()
            return "signed out"

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo("visitors", "Visitors")

    @hookimpl
    def crm_register_blueprints(self):
        return [self.blueprint]

    @hookimpl
    def crm_load_user(self, user_id):
        if user_id.startswith("visitor:"):
            return Visitor(int(user_id[8:]))
        return None


def test_a_plugin_signs_its_own_accounts_in_and_out_with_the_same_store(make_app, app, db):
    desk_app = make_app(plugins=[VisitorDesk()])
    browser = desk_app.test_client()
    assert browser.get("/visitors/me").get_data(as_text=True) == "anonymous"
    browser.post("/visitors/7/sign-in")
    assert browser.get("/visitors/me").get_data(as_text=True) == "visitor:7"
    stolen = cookie(browser, "session")
    remembered = cookie(browser, sessions.REMEMBER_COOKIE)
    restored = browser_with(desk_app, **{sessions.REMEMBER_COOKIE: remembered})
    assert restored.get("/visitors/me").get_data(as_text=True) == "visitor:7"  # and the cookie rotated
    with desk_app.app_context():
        assert sessions.end_all("visitor:7") == 1
        db.session.commit()
    assert restored.get("/visitors/me").get_data(as_text=True) == "anonymous"
    assert browser_with(desk_app, session=stolen).get("/visitors/me").get_data(as_text=True) == "anonymous"


def test_a_hostile_user_agent_is_stored_printable(app, client, factory, db):
    user = factory.user()
    agent = "Evil\x00Agent\x1b[31m " + "x" * 1000
    login(client, user, headers={"User-Agent": agent})
    stored = live_rows(db, user)[0].user_agent
    assert stored.startswith("EvilAgent[31m x") and len(stored) == 300
    assert client.get("/profile", headers={"User-Agent": agent}).status_code == 200
