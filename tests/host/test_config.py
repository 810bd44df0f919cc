"""Configuration (H-1): defaults, then the instance's crm.cfg, then CRM_* variables, then create_app's argument."""
from __future__ import annotations

import os
import stat
import threading

import pytest
from sqlalchemy import inspect

from crm import create_app
from crm.config import Defaults, _instance_secret
from crm.extensions import db


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No CRM_* variable of the machine running the tests leaks into these apps."""
    for name in list(os.environ):
        if name.startswith("CRM_"):
            monkeypatch.delenv(name)


@pytest.fixture
def instance(tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir()
    return folder


def _app(instance, **config):
    return create_app({"INSTANCE_PATH": str(instance), **config}, plugins=[])


def _write_cfg(instance, text):
    (instance / "crm.cfg").write_text(text)


def test_defaults_apply_without_any_configuration(instance):
    app = _app(instance)
    assert app.config["SESSION_COOKIE_SECURE"] is Defaults.SESSION_COOKIE_SECURE is False
    assert app.config["LOGIN_RATE_LIMIT"] == Defaults.LOGIN_RATE_LIMIT
    assert app.config["LANGUAGES"] == ["en", "tr"]
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'crm.db'}"
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert app.config["MAIL_DIR"] == str(instance / "mail")
    assert app.config["STORAGE_DIR"] == str(instance / "files")


def test_instance_file_overrides_the_defaults(instance):
    _write_cfg(instance, 'LOGIN_RATE_LIMIT = "3 per minute"\nSESSION_COOKIE_SECURE = True\n')
    app = _app(instance)
    assert app.config["LOGIN_RATE_LIMIT"] == "3 per minute"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PASSWORD_RESET_MAX_AGE"] == Defaults.PASSWORD_RESET_MAX_AGE


def test_environment_overrides_the_instance_file(instance, monkeypatch):
    _write_cfg(instance, 'LOGIN_RATE_LIMIT = "3 per minute"\nSESSION_COOKIE_SECURE = False\n')
    monkeypatch.setenv("CRM_LOGIN_RATE_LIMIT", "7 per minute")
    monkeypatch.setenv("CRM_SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("CRM_OUTBOX_MAX_ATTEMPTS", "3")
    app = _app(instance)
    assert app.config["LOGIN_RATE_LIMIT"] == "7 per minute"
    assert app.config["SESSION_COOKIE_SECURE"] is True  # JSON values become booleans and numbers
    assert app.config["OUTBOX_MAX_ATTEMPTS"] == 3


def test_argument_overrides_the_environment(instance, monkeypatch):
    _write_cfg(instance, 'LOGIN_RATE_LIMIT = "3 per minute"\n')
    monkeypatch.setenv("CRM_LOGIN_RATE_LIMIT", "7 per minute")
    app = _app(instance, LOGIN_RATE_LIMIT="1 per minute")
    assert app.config["LOGIN_RATE_LIMIT"] == "1 per minute"


def test_redis_url_from_the_environment_also_stores_rate_limits(instance, monkeypatch):
    monkeypatch.setenv("CRM_REDIS_URL", "redis://127.0.0.1:6379/3")
    app = _app(instance)
    assert app.config["REDIS_URL"] == "redis://127.0.0.1:6379/3"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"


def test_database_url_variable_selects_the_database(instance, tmp_path, monkeypatch):
    chosen = tmp_path / "chosen.db"
    _write_cfg(instance, f'SQLALCHEMY_DATABASE_URI = "sqlite:///{tmp_path / "from_file.db"}"\n')
    monkeypatch.setenv("CRM_DATABASE_URL", f"sqlite:///{chosen}")
    app = _app(instance)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{chosen}"
    with app.app_context():
        assert db.engine.url.database == str(chosen)
        db.create_all()
        assert "crm_user" in inspect(db.engine).get_table_names()
        db.engine.dispose()
    assert chosen.exists()
    assert not (tmp_path / "from_file.db").exists()
    assert not (instance / "crm.db").exists()


def test_database_url_in_the_argument_wins_over_the_variable(instance, tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    app = _app(instance, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'arg.db'}")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'arg.db'}"


def test_instance_folder_comes_from_the_environment(tmp_path, monkeypatch):
    folder = tmp_path / "elsewhere"
    monkeypatch.setenv("CRM_INSTANCE_PATH", str(folder))
    app = create_app({}, plugins=[])
    assert app.instance_path == str(folder)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{folder / 'crm.db'}"


def test_secret_key_is_generated_once_and_reused(instance):
    first = _app(instance).config["SECRET_KEY"]
    key_file = instance / "secret_key"
    assert key_file.read_text().strip() == first
    assert len(first) >= 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _app(instance).config["SECRET_KEY"] == first


def test_each_instance_gets_its_own_secret_key(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    assert _app(one).config["SECRET_KEY"] != _app(two).config["SECRET_KEY"]


def test_configured_secret_key_is_used_and_nothing_is_written(instance, monkeypatch):
    monkeypatch.setenv("CRM_SECRET_KEY", "from-the-environment")
    assert _app(instance).config["SECRET_KEY"] == "from-the-environment"
    assert not (instance / "secret_key").exists()


def test_workers_starting_together_share_one_secret_key(instance):
    """Several gunicorn workers may create the app at the same moment on a new instance folder."""
    barrier, keys = threading.Barrier(8), []

    def start():
        barrier.wait()
        keys.append(_instance_secret(instance))

    for _ in range(5):
        (instance / "secret_key").unlink(missing_ok=True)
        keys.clear()
        threads = [threading.Thread(target=start) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(keys)) == 1
        assert keys[0] == (instance / "secret_key").read_text().strip()
    assert sorted(p.name for p in instance.iterdir()) == ["secret_key"]


def test_sessions_survive_a_restart(instance, tmp_path):
    """The point of keeping the key: a session cookie made by one process is valid in the next."""
    url = f"sqlite:///{tmp_path / 'db.db'}"
    first = _app(instance, SQLALCHEMY_DATABASE_URI=url)
    with first.test_request_context():
        from flask import session

        session["probe"] = "kept"
        cookie = first.session_interface.get_signing_serializer(first).dumps(dict(session))
    second = _app(instance, SQLALCHEMY_DATABASE_URI=url)
    assert second.session_interface.get_signing_serializer(second).loads(cookie) == {"probe": "kept"}
