"""One-time links (crm.auth.tokens): one winner under concurrency, newer links revoke older ones, expiry."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from crm.audit import AuditEntry
from crm.auth import tokens
from crm.auth.models import OneTimeToken
from crm.auth.reset import make_reset_token, user_for_reset_token
from crm.timeutil import utcnow
from tests.conftest import PASSWORD


@pytest.fixture
def app_plugins():
    return []


def test_twenty_parallel_posts_of_one_reset_link_change_the_password_once(app, factory, db):
    user = factory.user()
    token = make_reset_token(user)
    db.session.commit()

    def post(i):
        password = f"parallel passphrase {i:02d}"
        response = app.test_client().post(f"/reset-password/{token}", data={"password": password, "confirm": password})
        return response.status_code, response.headers.get("Location")

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(post, range(20)))
    assert answers.count((302, "/login")) == 1
    assert answers.count((302, "/forgot-password")) == 19
    db.session.expire_all()
    changes = db.session.scalar(select(func.count()).select_from(AuditEntry)
                                .where(AuditEntry.action == "user.password_reset"))
    assert changes == 1
    assert not user.check_password(PASSWORD)


def test_a_newer_reset_link_revokes_the_older_one(app, client, factory, db):
    user = factory.user()
    older = make_reset_token(user)
    db.session.commit()
    newer = make_reset_token(user)
    db.session.commit()
    refused = client.post(f"/reset-password/{older}", data={"password": "x" * 12, "confirm": "x" * 12})
    assert refused.headers["Location"] == "/forgot-password"
    assert client.post(f"/reset-password/{newer}", data={"password": "y" * 12, "confirm": "y" * 12}
                       ).headers["Location"] == "/login"
    db.session.expire_all()
    assert user.check_password("y" * 12)


def test_a_newer_link_for_another_account_or_purpose_leaves_a_link_alone(app, factory, db):
    with app.test_request_context():
        first = tokens.issue("portal.verify-email", "customer:1", 600)
        tokens.issue("portal.verify-email", "customer:2", 600)
        tokens.issue("portal.auto-login", "customer:1", 600)
        tokens.issue("portal.verify-email", "customer:1", 600, subject="other address")
        db.session.commit()
        assert tokens.peek("portal.verify-email", first).account == "customer:1"


def test_an_expired_link_is_refused(app, client, factory, db):
    user = factory.user()
    token = make_reset_token(user)
    db.session.commit()
    db.session.execute(update(OneTimeToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = client.post(f"/reset-password/{token}", data={"password": "z" * 12, "confirm": "z" * 12})
    assert response.headers["Location"] == "/forgot-password"
    db.session.expire_all()
    assert user.check_password(PASSWORD)


def test_links_are_kept_as_digests_only(app, factory, db):
    user = factory.user()
    token = make_reset_token(user)
    db.session.commit()
    row = db.session.scalars(select(OneTimeToken)).one()
    assert token not in (row.token_hash, row.account, row.subject)
    assert (row.purpose, row.account) == ("password-reset", user.get_id())


def test_a_link_is_bound_to_its_purpose_and_subject(app, db):
    with app.test_request_context():
        token = tokens.issue("portal.auto-login", "customer:9", timedelta(days=7), subject="ticket:7")
        db.session.commit()
        assert tokens.consume("password-reset", token) is None
        assert tokens.consume("portal.auto-login", token, subject="ticket:8") is None
        row = tokens.consume("portal.auto-login", token, subject="ticket:7")
        assert row is not None and row.account == "customer:9" and row.used_at is not None
        db.session.commit()
        assert tokens.consume("portal.auto-login", token, subject="ticket:7") is None


def test_a_rolled_back_use_leaves_the_link_usable(app, db):
    with app.test_request_context():
        token = tokens.issue("portal.auto-login", "customer:3", 600)
        db.session.commit()
        assert tokens.consume("portal.auto-login", token) is not None
        db.session.rollback()
        assert tokens.consume("portal.auto-login", token) is not None


@pytest.mark.parametrize("bad", ["", "x" * 5000, None, 7])
def test_garbage_tokens_are_refused_without_error(app, db, bad):
    with app.test_request_context():
        assert tokens.peek("password-reset", bad) is None
        assert tokens.consume("password-reset", bad) is None


def test_deactivation_revokes_links(app, factory, db):
    user = factory.user()
    token = make_reset_token(user)
    db.session.commit()
    user.active = False
    db.session.commit()
    user.active = True
    db.session.commit()
    with app.test_request_context():
        assert user_for_reset_token(token) is None
