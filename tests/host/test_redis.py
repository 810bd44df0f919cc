"""With REDIS_URL configured, state shared by app workers lives in Redis: login rate limits and the task queue."""
import os
import subprocess
import sys
import uuid

import pytest
import redis

URL = "redis://127.0.0.1:6379/5"


@pytest.fixture
def redis_url():
    client = redis.Redis.from_url(URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CRM_REQUIRE_SERVICES"):
            pytest.fail("Redis is not answering on 127.0.0.1:6379 and CRM_REQUIRE_SERVICES is set")
        pytest.skip("Redis is not answering on 127.0.0.1:6379; start redis-server to run this test")
    prefix = f"crm-test-{uuid.uuid4().hex[:8]}"
    yield URL, prefix
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    client.close()


SECOND_WORKER = """
import sys
from crm import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "TESTING": True, "REDIS_URL": sys.argv[2],
                  "RATELIMIT_ENABLED": True, "RATELIMIT_KEY_PREFIX": sys.argv[3], "LOGIN_RATE_LIMIT": "3 per minute",
                  "WTF_CSRF_ENABLED": False, "INSTANCE_PATH": sys.argv[4], "QUEUE_IMMEDIATE": True})
response = app.test_client().post("/login", data={"email": "nobody@example.com", "password": "wrong password"})
print(response.status_code)
"""


def test_login_rate_limit_is_shared_by_two_workers(make_app, redis_url, database_url, tmp_path):
    url, prefix = redis_url
    app = make_app(REDIS_URL=url, RATELIMIT_ENABLED=True, RATELIMIT_KEY_PREFIX=prefix, LOGIN_RATE_LIMIT="3 per minute")
    assert app.config["RATELIMIT_STORAGE_URI"] == url
    bad = {"email": "nobody@example.com", "password": "wrong password"}
    assert [app.test_client().post("/login", data=bad).status_code for _ in range(3)] == [200, 200, 200]
    assert any(redis.Redis.from_url(url).scan_iter(f"*{prefix}*")), "the attempts were not counted in Redis"
    # Another worker process, with its own app, counts the attempts made through the first.
    other = subprocess.run([sys.executable, "-c", SECOND_WORKER, database_url, url, prefix, str(tmp_path / "w2")],
                           capture_output=True, text=True, timeout=120)
    assert other.stdout.strip().splitlines()[-1] == "429", other.stderr[-2000:]


def test_task_queue_uses_redis_when_configured(make_app, redis_url):
    from huey import RedisHuey

    url, _prefix = redis_url
    app = make_app(REDIS_URL=url)
    assert isinstance(app.extensions["crm_queue"], RedisHuey)
