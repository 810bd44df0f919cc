"""Login limits per address and per account, shared by threads, processes and (with Redis) machines;
answers that cost one password hash check whoever asks."""
from __future__ import annotations

import os
import multiprocessing
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import update

from crm.auth.models import AttemptWindow
from crm.timeutil import utcnow
from tests.conftest import PASSWORD, Factory

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def app_plugins():
    return []


def limited_app(make_app, **config):
    settings = {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "1000 per minute",
                "LOGIN_ACCOUNT_RATE_LIMIT": "1000 per minute"}
    settings.update(config)
    return make_app(plugins=[], **settings)


def try_login(app, email, address, password="wrong password"):
    client = app.test_client()
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address}).status_code


def parallel_tries(app, count, email_for, address_for, workers=8):
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda i: try_login(app, email_for(i), address_for(i)), range(count)))


def evaluated(statuses):
    """Attempts whose password was checked: a 200 with the form again (429 means refused before checking)."""
    assert set(statuses) <= {200, 429}, statuses
    return statuses.count(200)


def redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:  # noqa: BLE001 - any failure means no server to test against
        return False


def test_per_account_limit_holds_across_addresses(make_app, app):
    limited = limited_app(make_app, LOGIN_ACCOUNT_RATE_LIMIT="10 per minute")
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    statuses = [try_login(limited, email, f"10.0.0.{i % 3 + 1}") for i in range(30)]
    assert evaluated(statuses) == 10
    assert statuses[:10] == [200] * 10


def test_account_limit_counts_the_email_however_it_is_written(make_app, app):
    limited = limited_app(make_app, LOGIN_ACCOUNT_RATE_LIMIT="2 per minute")
    statuses = [try_login(limited, email, "10.0.0.1") for email in ("Ann@Example.com", "ann@example.com",
                                                                    "ANN@EXAMPLE.COM")]
    assert statuses == [200, 200, 429]


def test_a_locked_account_is_not_evaluated_even_with_the_right_password(make_app, app):
    limited = limited_app(make_app, LOGIN_ACCOUNT_RATE_LIMIT="2 per minute")
    with limited.app_context():
        email = Factory(limited).user().email
    assert [try_login(limited, email, "10.0.0.1") for _ in range(2)] == [200, 200]
    assert try_login(limited, email, "10.0.0.2", password=PASSWORD) == 429


def test_the_window_ends(make_app, app):
    limited = limited_app(make_app, LOGIN_ACCOUNT_RATE_LIMIT="1 per minute")
    assert try_login(limited, "win@example.com", "10.0.0.1") == 200
    assert try_login(limited, "win@example.com", "10.0.0.1") == 429
    with limited.app_context():
        from crm.extensions import db

        db.session.execute(update(AttemptWindow).values(window_ends_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert try_login(limited, "win@example.com", "10.0.0.1") == 200


def test_per_address_limit_holds_for_parallel_tries(make_app, app):
    limited = limited_app(make_app, LOGIN_RATE_LIMIT="10 per minute")
    statuses = parallel_tries(limited, 40, lambda i: f"user{i}@example.com", lambda i: "10.9.9.9")
    assert evaluated(statuses) == 10


def test_per_account_limit_holds_for_parallel_tries(make_app, app):
    limited = limited_app(make_app, LOGIN_ACCOUNT_RATE_LIMIT="10 per minute")
    statuses = parallel_tries(limited, 40, lambda i: "target@example.com", lambda i: f"10.1.{i}.1")
    assert evaluated(statuses) == 10


def _worker_tries(database_url, instance, path, config, count, results):
    from crm import create_app

    settings = {"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "1000 per minute",
                "LOGIN_ACCOUNT_RATE_LIMIT": "1000 per minute", "INSTANCE_PATH": instance, "QUEUE_IMMEDIATE": True}
    settings.update(config)
    worker = create_app(settings, plugins=[])
    data = {"email": "shared@example.com", "password": "wrong password", "confirm": "wrong password"}
    client = worker.test_client()
    results.put([client.post(path, data=data, environ_base={"REMOTE_ADDR": "10.2.0.1"}).status_code
                 for _ in range(count)])


@pytest.mark.parametrize("path, config", [
    ("/login", {"LOGIN_ACCOUNT_RATE_LIMIT": "10 per minute"}),
    ("/login", {"LOGIN_RATE_LIMIT": "10 per minute"}),
    ("/forgot-password", {"PASSWORD_RESET_RATE_LIMIT": "10 per minute"}),
    ("/reset-password/no-such-link", {"PASSWORD_RESET_RATE_LIMIT": "10 per minute"}),
])
def test_limits_hold_across_worker_processes_without_redis(make_app, app, database_url, tmp_path, path, config):
    limited_app(make_app)  # the tables are there and wiped afterwards
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_worker_tries,
                               args=(database_url, str(tmp_path / f"worker{n}"), path, config, 10, results))
               for n in range(2)]
    for worker in workers:
        worker.start()
    statuses = results.get(timeout=120) + results.get(timeout=120)
    for worker in workers:
        worker.join(timeout=30)
    assert statuses.count(429) == 10, statuses


@pytest.mark.skipif(not redis_available() and not os.environ.get("CRM_REQUIRE_SERVICES"),
                    reason="no Redis server on 127.0.0.1:6379 (CI sets CRM_REQUIRE_SERVICES and must run this)")
def test_limits_live_in_redis_when_configured(make_app, app):
    limited = limited_app(make_app, REDIS_URL=REDIS_URL, LOGIN_ACCOUNT_RATE_LIMIT="10 per minute")
    email = f"redis-{uuid.uuid4().hex}@example.com"
    statuses = parallel_tries(limited, 30, lambda i: email, lambda i: f"10.3.{i}.1")
    assert evaluated(statuses) == 10
    with limited.app_context():
        from sqlalchemy import select

        from crm.extensions import db

        assert db.session.scalars(select(AttemptWindow)).all() == []  # nothing counted in the database


# one password hash check whoever asks -----------------------------------------------------


@pytest.fixture
def hash_checks(monkeypatch):
    """Counts the password hash checks the login form makes (the real check still runs)."""
    import crm.auth.passwords as passwords

    calls = []
    real = passwords.check_password_hash

    def counting(stored, password):
        calls.append(stored)
        return real(stored, password)

    monkeypatch.setattr(passwords, "check_password_hash", counting)
    return calls


@pytest.mark.parametrize("case", ["unknown", "deactivated", "wrong password", "no password yet", "right password"])
def test_every_login_answer_costs_one_hash_check(client, factory, db, hash_checks, case):
    user = factory.user(active=case != "deactivated")
    if case == "no password yet":
        user.password_hash = ""
        db.session.commit()
    email = "nobody@example.com" if case == "unknown" else user.email
    password = PASSWORD if case in ("right password", "deactivated", "no password yet") else "wrong password"
    response = client.post("/login", data={"email": email, "password": password})
    assert len(hash_checks) == 1
    assert response.status_code == (302 if case == "right password" else 200)
    if case != "right password":
        assert "The email or password is wrong." in response.get_data(as_text=True)

