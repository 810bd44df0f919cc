"""Staff authentication: sign-in, secure cookies, rate limits, password reset by email, profile (H-10)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from crm.audit import AuditEntry
from crm.auth.reset import make_reset_token, user_for_reset_token
from crm.notify.outbox import OutboxMessage
from tests.conftest import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def app_plugins():
    return []


def outbox(db):
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def audit_actions(db, object_type="user"):
    return [e.action for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == object_type).order_by(AuditEntry.id))]


def reset_link(message) -> str:
    match = re.search(r"http://localhost(/reset-password/\S+)", message.payload["text"])
    assert match, message.payload["text"]
    return match.group(1)


# sign-in ---------------------------------------------------------------------------------------


def test_login_follows_only_local_next(client, factory):
    user = factory.user()
    response = client.post("/login?next=/profile", data={"email": user.email.upper(), "password": PASSWORD})
    assert response.headers["Location"] == "/profile"
    client.post("/logout")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(f"/login?next={target}", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        assert "evil" not in response.headers["Location"]
        client.post("/logout")


def test_deactivated_user_cannot_sign_in(client, factory, db):
    user = factory.user()
    user.active = False
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "wrong" in response.get_data(as_text=True)


def test_login_form_errors_are_shown_beside_fields(client):
    response = client.post("/login", data={"email": "not-an-email", "password": ""})
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite_lax(client, factory):
    response = client.post("/login", data={"email": factory.user().email, "password": PASSWORD, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session
    assert "Secure" not in session
    remember = next(c for c in cookies if c.startswith("crm_remember="))
    assert "HttpOnly" in remember and "SameSite=Lax" in remember


def test_session_cookie_is_secure_when_configured(make_app, app):
    secure_app = make_app(plugins=[], SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    with secure_app.app_context():
        from tests.conftest import Factory

        user = Factory(secure_app).user()
        email = user.email
    client = secure_app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD, "remember": "y"},
                           base_url="https://localhost")
    cookies = response.headers.getlist("Set-Cookie")
    assert all("Secure" in c for c in cookies if c.startswith(("session=", "crm_remember=")))
    assert any(c.startswith("session=") for c in cookies)


def test_login_is_rate_limited(make_app, app):
    limited = make_app(plugins=[], RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    for _ in range(3):
        assert client.post("/login", data={"email": "x@example.com", "password": "nope"}).status_code == 200
    assert client.post("/login", data={"email": "x@example.com", "password": "nope"}).status_code == 429
    assert client.get("/login").status_code == 200  # showing the form is not limited


def test_forgot_password_is_rate_limited(make_app, app):
    limited = make_app(plugins=[], RATELIMIT_ENABLED=True, PASSWORD_RESET_RATE_LIMIT="2 per minute")
    client = limited.test_client()
    for _ in range(2):
        assert client.post("/forgot-password", data={"email": "x@example.com"}).status_code == 302
    assert client.post("/forgot-password", data={"email": "x@example.com"}).status_code == 429


def test_csrf_is_required_on_login(make_app, app):
    strict = make_app(plugins=[], WTF_CSRF_ENABLED=True)
    with strict.app_context():
        from tests.conftest import Factory

        email = Factory(strict).user().email
    client = strict.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/profile").status_code == 302


# password reset ------------------------------------------------------------------------------


def test_forgot_password_answers_the_same_for_unknown_email(client, factory, db):
    user = factory.user()
    known = client.post("/forgot-password", data={"email": user.email}, follow_redirects=True)
    unknown = client.post("/forgot-password", data={"email": "nobody@example.com"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    messages = outbox(db)
    assert len(messages) == 1
    assert messages[0].payload["to"] == [user.email]


def test_forgot_password_sends_nothing_to_deactivated_user(client, factory, db):
    user = factory.user()
    user.active = False
    db.session.commit()
    client.post("/forgot-password", data={"email": user.email})
    assert outbox(db) == []


def test_forgot_password_rejects_a_malformed_address(client, db):
    response = client.post("/forgot-password", data={"email": "not an email"})
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    assert outbox(db) == []


def test_reset_email_is_written_in_the_users_language(client, factory, db, monkeypatch):
    import flask_babel

    import crm.auth.reset as reset

    seen = []
    original = reset.render_template

    def recording(*args, **kwargs):
        seen.append(str(flask_babel.get_locale()))
        return original(*args, **kwargs)

    monkeypatch.setattr(reset, "render_template", recording)
    turkish = factory.user(locale="tr")
    english = factory.user()
    client.post("/forgot-password", data={"email": turkish.email}, headers={"Accept-Language": "en"})
    client.post("/forgot-password", data={"email": english.email}, headers={"Accept-Language": "tr"})
    assert seen == ["tr", "en"]  # the user's choice, else the site default; never the requester's browser


def test_reset_link_sets_a_new_password_once(client, factory, db, auth):
    user = factory.user()
    client.post("/forgot-password", data={"email": user.email})
    link = reset_link(outbox(db)[0])
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    db.session.expire_all()
    assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)
    assert "user.password_reset" in audit_actions(db)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.password_reset")).one()
    assert NEW_PASSWORD not in str(entry.changes)
    # the same link does not work twice
    again = client.post(link, data={"password": "yet another passphrase", "confirm": "yet another passphrase"})
    assert again.status_code == 302 and again.headers["Location"] == "/forgot-password"
    db.session.expire_all()
    assert user.check_password(NEW_PASSWORD)
    auth.login(user, NEW_PASSWORD)


def test_reset_refuses_short_or_mismatched_passwords(client, factory, db):
    user = factory.user()
    token = make_reset_token(user)
    db.session.commit()
    short = client.post(f"/reset-password/{token}", data={"password": "short", "confirm": "short"})
    assert short.status_code == 200 and "at least 10 characters" in short.get_data(as_text=True)
    mismatch = client.post(f"/reset-password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert "do not match" in mismatch.get_data(as_text=True)
    db.session.expire_all()
    assert user.check_password(PASSWORD)


def test_reset_follows_the_minimum_length_setting(client, factory, db):
    from crm import settings

    settings.set_many("crm", {"password_min_length": 30})
    db.session.commit()
    user = factory.user()
    token = make_reset_token(user)
    db.session.commit()
    response = client.post(f"/reset-password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert "at least 30 characters" in response.get_data(as_text=True)
    db.session.expire_all()
    assert user.check_password(PASSWORD)


def test_reset_token_expires(app, factory, db):
    from crm.auth.models import OneTimeToken
    from crm.timeutil import utcnow

    user = factory.user()
    token = make_reset_token(user)
    db.session.commit()
    with app.test_request_context():
        assert user_for_reset_token(token) == user
    row = db.session.scalars(select(OneTimeToken)).one()
    assert (row.expires_at - utcnow()).total_seconds() == pytest.approx(app.config["PASSWORD_RESET_MAX_AGE"], abs=5)
    row.expires_at = utcnow()
    db.session.commit()
    with app.test_request_context():
        assert user_for_reset_token(token) is None


def test_forged_or_garbled_tokens_are_refused(client, factory, db):
    user = factory.user()
    token = make_reset_token(user)
    db.session.commit()
    for bad in (token[:-2] + "xx", "garbage", "a" * 500):
        response = client.get(f"/reset-password/{bad}")
        assert response.status_code == 302 and response.headers["Location"] == "/forgot-password"


def test_reset_token_dies_with_a_password_change(app, factory, db):
    user = factory.user()
    token = make_reset_token(user)
    db.session.commit()
    user.set_password("something else entirely")
    db.session.commit()
    with app.test_request_context():
        assert user_for_reset_token(token) is None


# profile -------------------------------------------------------------------------------------


def test_profile_needs_a_signed_in_staff_user(client):
    response = client.get("/profile")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.post("/profile/password", data={}).status_code == 302


def test_profile_saves_name_language_and_timezone(client, factory, auth, db):
    user = factory.user()
    auth.login(user)
    assert client.get("/profile").status_code == 200
    response = client.post("/profile", data={"profile-name": "New Name", "profile-locale": "tr",
                                             "profile-timezone": "Europe/Istanbul"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (user.name, user.locale, user.timezone) == ("New Name", "tr", "Europe/Istanbul")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.profile_changed")).one()
    assert entry.changes["locale"] == [None, "tr"]


@pytest.mark.parametrize("data, field", [
    ({"profile-name": "", "profile-locale": "", "profile-timezone": ""}, "name"),
    ({"profile-name": "X", "profile-locale": "de", "profile-timezone": ""}, "locale"),
    ({"profile-name": "X", "profile-locale": "", "profile-timezone": "Mars/Olympus"}, "timezone"),
    ({"profile-name": "X", "profile-locale": "", "profile-timezone": "../../etc/passwd"}, "timezone"),
])
def test_profile_refuses_bad_input(client, factory, auth, db, data, field):
    user = factory.user()
    auth.login(user)
    response = client.post("/profile", data=data)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert re.search(rf'has-error[^"]*"[^>]*>\s*<label for="profile-{field}"', body), body
    db.session.expire_all()
    assert user.name.startswith("Staff") and user.locale is None and user.timezone is None
    assert "user.profile_changed" not in audit_actions(db)


def test_change_password_requires_the_current_one(client, factory, auth, db):
    user = factory.user()
    auth.login(user)
    wrong = client.post("/profile/password", data={"password-current": "wrong password",
                                                   "password-password": NEW_PASSWORD,
                                                   "password-confirm": NEW_PASSWORD})
    assert wrong.status_code == 200 and "current password is wrong" in wrong.get_data(as_text=True)
    short = client.post("/profile/password", data={"password-current": PASSWORD, "password-password": "short",
                                                   "password-confirm": "short"})
    assert "at least 10 characters" in short.get_data(as_text=True)
    db.session.expire_all()
    assert user.check_password(PASSWORD)
    ok = client.post("/profile/password", data={"password-current": PASSWORD, "password-password": NEW_PASSWORD,
                                                "password-confirm": NEW_PASSWORD})
    assert ok.status_code == 302
    db.session.expire_all()
    assert user.check_password(NEW_PASSWORD)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.password_changed")).one()
    assert NEW_PASSWORD not in str(entry.changes) and PASSWORD not in str(entry.changes)
    assert entry.actor_id == user.id
