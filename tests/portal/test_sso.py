"""Single sign-on (P-9): JWTs signed by the company's site sign customers in; every other token is refused."""
import time
import uuid

import jwt
import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.people.models import Company, Contact
from plugins.portal import sso
from plugins.portal.models import PortalAccount
from plugins.portal.sso import SsoNonce
from tests.portal.portal_kit import *  # noqa: F401,F403


@pytest.fixture
def site(portal):
    return portal.site("Acme")


@pytest.fixture
def secret(app, site):
    with app.test_request_context():
        value = sso.new_secret(site)
    db.session.commit()
    return value


def claims(**overrides):
    now = int(time.time())
    base = {"email": "Ada@Example.org", "name": "Ada Lovelace", "external_id": "u-42", "company": "Analytical Ltd",
            "iat": now, "exp": now + 120, "jti": uuid.uuid4().hex}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def token(secret, algorithm="HS256", **overrides):
    return jwt.encode(claims(**overrides), secret, algorithm=algorithm)


def sso_get(client, portal, site, value):
    return client.get(portal.url(site, "sso"), query_string={"jwt": value})


def counts():
    return (db.session.scalar(select(func.count()).select_from(Contact)),
            db.session.scalar(select(func.count()).select_from(PortalAccount)),
            db.session.scalar(select(func.count()).select_from(SsoNonce)),
            db.session.scalar(select(func.count()).select_from(Company)))


def test_a_valid_token_creates_the_contact_and_signs_in(app, client, portal, site, secret):
    response = sso_get(client, portal, site, token(secret))
    assert response.status_code == 302 and response.headers["Location"].endswith(portal.url(site, "tickets"))
    contact = db.session.scalar(select(Contact).where(Contact.email == "ada@example.org"))
    assert contact.name == "Ada Lovelace" and contact.external_id == "u-42"
    assert contact.company.name == "Analytical Ltd"
    assert db.session.get(PortalAccount, contact.id).email_verified_at is not None
    assert client.get(portal.url(site, "tickets")).status_code == 200


def test_a_known_contact_is_updated_by_external_id(app, client, portal, site, secret, factory):
    known = portal.customer(email="old@example.org", name="Old Name", external_id="u-42")
    acme = factory.company("Analytical Ltd")
    response = sso_get(client, portal, site, token(secret, email="new@example.org", name="New Name"))
    assert response.status_code == 302
    db.session.expire_all()
    contact = db.session.get(Contact, known.id)
    assert (contact.email, contact.name, contact.company_id) == ("new@example.org", "New Name", acme.id)
    assert db.session.scalar(select(func.count()).select_from(Company)) == 1


def test_return_to_opens_a_path_of_the_portal_only(app, client, portal, site, secret):
    response = sso_get(client, portal, site, token(secret, return_to="/tickets?state=closed"))
    assert response.headers["Location"].endswith(portal.url(site, "tickets?state=closed"))
    other = app.test_client()
    response = sso_get(other, portal, site, token(secret, return_to="//evil.example/x"))
    assert response.headers["Location"].endswith(portal.url(site, "tickets"))


@pytest.mark.parametrize("case", ["tampered", "wrong_secret", "expired", "future_iat", "old_iat", "no_exp",
                                  "no_iat", "no_jti", "no_email", "bad_email", "alg_none", "hs512",
                                  "garbage", "empty", "huge", "name_not_text"])
def test_refused_tokens_store_nothing(app, client, portal, site, secret, case):
    now = int(time.time())
    if case == "tampered":
        head, body, sig = token(secret).split(".")
        forged = jwt.encode(claims(email="mallory@example.org"), "x" * 32, algorithm="HS256").split(".")[1]
        value = ".".join([head, forged, sig])
    elif case == "wrong_secret":
        value = token("another-secret-of-sufficient-length")
    elif case == "expired":
        value = token(secret, iat=now - 200, exp=now - 60)
    elif case == "future_iat":
        value = token(secret, iat=now + 600, exp=now + 900)
    elif case == "old_iat":
        value = token(secret, iat=now - 3600, exp=now + 3600)
    elif case == "no_exp":
        value = token(secret, exp=None)
    elif case == "no_iat":
        value = token(secret, iat=None)
    elif case == "no_jti":
        value = token(secret, jti=None)
    elif case == "no_email":
        value = token(secret, email=None)
    elif case == "bad_email":
        value = token(secret, email="not an email")
    elif case == "alg_none":
        value = jwt.encode(claims(), None, algorithm="none")
    elif case == "hs512":
        value = token(secret, algorithm="HS512")
    elif case == "garbage":
        value = "not.a.token"
    elif case == "empty":
        value = ""
    elif case == "huge":
        value = token(secret, name="x" * 9000)
    else:
        value = token(secret, name={"first": "Ada"})
    before = counts()
    response = sso_get(client, portal, site, value)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Sign-in failed" in html
    assert counts() == before
    assert client.get(portal.url(site, "tickets")).status_code == 302  # not signed in


def test_a_replayed_token_is_refused(app, client, portal, site, secret):
    value = token(secret)
    assert sso_get(client, portal, site, value).status_code == 302
    again = app.test_client()
    response = sso_get(again, portal, site, value)
    assert response.status_code == 400 and "already used" in response.get_data(as_text=True)
    assert again.get(portal.url(site, "tickets")).status_code == 302


def test_a_token_of_one_portal_does_not_work_on_another(app, client, portal, site, secret):
    other = portal.site("Globex")
    with app.test_request_context():
        sso.new_secret(other)
    db.session.commit()
    assert sso_get(client, portal, other, token(secret)).status_code == 400


def test_clock_skew_of_a_few_seconds_is_allowed(app, client, portal, site, secret):
    now = int(time.time())
    assert sso_get(client, portal, site, token(secret, iat=now + 5, exp=now - 3 + 120)).status_code == 302
    other = app.test_client()
    assert sso_get(other, portal, site, token(secret, iat=now - 100, exp=now - 5)).status_code == 302


def test_an_email_of_another_contact_conflicts(app, client, portal, site, secret):
    portal.customer(email="ada@example.org", external_id="someone-else")
    portal.customer(email="other@example.org", external_id="u-42")
    before = counts()
    response = sso_get(client, portal, site, token(secret))
    assert response.status_code == 400 and counts() == before


def test_sso_is_404_until_a_secret_is_made(app, client, portal, site):
    assert sso_get(client, portal, site, token("whatever-secret-of-some-length")).status_code == 404


def test_a_switched_off_contact_is_refused(app, client, portal, site, secret):
    portal.customer(email="ada@example.org", external_id="u-42", active=False)
    assert sso_get(client, portal, site, token(secret)).status_code == 400


def test_remote_only_sends_login_and_registration_to_the_company(app, client, portal, site, secret):
    with app.test_request_context():
        sso.save_remote_login(site, "https://login.acme.example/sso", True)
    db.session.commit()
    for page in ("login", "register", "forgot-password"):
        response = client.get(portal.url(site, page))
        assert response.status_code == 302 and response.headers["Location"] == "https://login.acme.example/sso"
    assert sso_get(client, portal, site, token(secret)).status_code == 302


@pytest.mark.parametrize("url, only", [("javascript:alert(1)", False), ("ftp://x.example", False),
                                       ("https://", False), ("", True), ("https://a b.example", False)])
def test_bad_remote_login_settings_are_refused(app, site, url, only):
    with app.test_request_context(), pytest.raises(sso.SsoError):
        sso.save_remote_login(site, url, only)


def test_the_locale_claim_is_kept_only_when_offered(app, client, portal, site, secret):
    assert sso_get(client, portal, site, token(secret, locale="tr")).status_code == 302
    assert db.session.scalar(select(Contact.locale).where(Contact.email == "ada@example.org")) == "tr"
    other = app.test_client()
    assert sso_get(other, portal, site, token(secret, email="bob@example.org", external_id="b",
                                              locale="x" * 50)).status_code == 302
    assert db.session.scalar(select(Contact.locale).where(Contact.email == "bob@example.org")) is None


def test_one_token_raced_by_two_requests_signs_in_once(app, portal, site, secret):
    import threading

    value = token(secret)
    codes, barrier = [], threading.Barrier(2)

    url = portal.url(site, "sso")

    def follow():
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            codes.append(client.get(url, query_string={"jwt": value}).status_code)

    threads = [threading.Thread(target=follow) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(codes) == [302, 400]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 1
