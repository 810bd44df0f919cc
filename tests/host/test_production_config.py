"""Production (CRM_ENV=production) refuses to start without what every machine must share: the secret key and
the public address; development keeps generating a key and answering on localhost."""
from __future__ import annotations

import os

import pytest

from crm import create_app

KEY = "k" * 64
URL = "https://desk.example.com"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No CRM_* variable of the machine running the tests leaks into these apps."""
    for name in list(os.environ):
        if name.startswith("CRM_"):
            monkeypatch.delenv(name)


def _app(tmp_path, **config):
    return create_app({"INSTANCE_PATH": str(tmp_path / "instance"), **config}, plugins=[])


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(RuntimeError, match="CRM_SECRET_KEY"):
        _app(tmp_path, ENV="production", BASE_URL=URL)
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_production_is_recognised_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_ENV", "production")
    monkeypatch.setenv("CRM_BASE_URL", URL)
    with pytest.raises(RuntimeError, match="CRM_SECRET_KEY"):
        _app(tmp_path)
    monkeypatch.setenv("CRM_SECRET_KEY", KEY)
    app = _app(tmp_path)
    assert app.config["SECRET_KEY"] == KEY and app.config["BASE_URL"] == URL


def test_two_production_machines_share_sessions(tmp_path):
    """Each machine has its own instance folder; the configured key makes their cookies interchangeable."""
    one = _app(tmp_path / "one", ENV="production", SECRET_KEY=KEY, BASE_URL=URL)
    two = _app(tmp_path / "two", ENV="production", SECRET_KEY=KEY, BASE_URL=URL)
    cookie = one.session_interface.get_signing_serializer(one).dumps({"probe": "kept"})
    assert two.session_interface.get_signing_serializer(two).loads(cookie) == {"probe": "kept"}
    assert not (tmp_path / "one" / "instance" / "secret_key").exists()


def test_production_refuses_a_short_secret_key(tmp_path):
    with pytest.raises(RuntimeError, match="at least 32"):
        _app(tmp_path, ENV="production", SECRET_KEY="short", BASE_URL=URL)


def test_production_refuses_to_start_without_a_base_url(tmp_path):
    with pytest.raises(RuntimeError, match="CRM_BASE_URL"):
        _app(tmp_path, ENV="production", SECRET_KEY=KEY)


@pytest.mark.parametrize("value", ["desk.example.com", "ftp://desk.example.com", "https://", "https://x.test/?a=1",
                                   "https://x.test:99999"])
def test_a_malformed_base_url_is_refused_at_start(tmp_path, value):
    with pytest.raises(RuntimeError, match="CRM_BASE_URL"):
        _app(tmp_path, BASE_URL=value)


def test_an_unknown_environment_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match="CRM_ENV"):
        _app(tmp_path, ENV="prod")


def test_development_generates_a_key_and_links_to_localhost(tmp_path):
    app = _app(tmp_path)
    assert app.config["ENV"] == "development"
    assert len(app.config["SECRET_KEY"]) >= 64
    assert app.config["BASE_URL"] == "http://localhost"


def test_base_url_loses_its_trailing_slash(tmp_path):
    assert _app(tmp_path, BASE_URL="http://127.0.0.1:5000/").config["BASE_URL"] == "http://127.0.0.1:5000"
