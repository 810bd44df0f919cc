"""Configuration: defaults here, then the instance's ``crm.cfg``, then ``CRM_*`` environment variables."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask


class Defaults:
    """Built-in defaults; every key can be overridden by ``crm.cfg`` or ``CRM_<KEY>``."""

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set CRM_SESSION_COOKIE_SECURE=true behind HTTPS
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 120 * 1024 * 1024
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = None  # default: every catalog under translations/ (adding a language is adding a catalog)
    LOGIN_RATE_LIMIT = "10 per minute"
    PASSWORD_RESET_MAX_AGE = 60 * 60
    PASSWORD_RESET_RATE_LIMIT = "5 per 15 minutes"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    REDIS_URL = None
    QUEUE_IMMEDIATE = False
    QUEUE_FILE = None  # default: huey.db in the instance folder
    MAIL_DIR = None  # default: mail/ in the instance folder
    STORAGE_DIR = None  # default: files/ in the instance folder
    OUTBOX_MAX_ATTEMPTS = 8
    OUTBOX_RELAY_SECONDS = 5
    OUTBOX_BACKOFF_SECONDS = 30  # first retry delay; doubles per attempt
    OUTBOX_BACKOFF_MAX_SECONDS = 60 * 60
    OUTBOX_LEASE_SECONDS = 5 * 60  # a 'sending' claim older than this was lost with its worker
    SMTP_TIMEOUT = 30
    MAIL_SSL_CAFILE = None  # a CA bundle for SMTP servers with a private certificate authority
    STORAGE_BACKEND = "local"  # or "package.module:Class" (see crm.storage)
    QUEUE_WORKERS = 2


def load(app: Flask, overrides: dict | None) -> None:
    """Fill ``app.config`` from defaults, the instance file, the environment and ``overrides``."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("crm.cfg", silent=True)
    app.config.from_prefixed_env("CRM")
    if os.environ.get("CRM_DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["CRM_DATABASE_URL"]
    if overrides:
        app.config.update(overrides)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", f"sqlite:///{instance / 'crm.db'}")
    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    if not app.config.get("LANGUAGES"):
        from crm.i18n import catalog_languages

        app.config["LANGUAGES"] = catalog_languages()
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance)
    for key, folder in (("MAIL_DIR", "mail"), ("STORAGE_DIR", "files")):
        if not app.config.get(key):
            app.config[key] = str(instance / folder)
    if not app.config.get("QUEUE_FILE"):
        app.config["QUEUE_FILE"] = str(instance / "huey.db")


def _instance_secret(instance: Path) -> str:
    """A secret key kept in the instance folder, made once, so sessions survive restarts."""
    path = instance / "secret_key"
    if not path.exists():
        # Several workers may start at once: each writes a private candidate and links it into
        # place; os.link refuses to replace an existing file, so exactly one key wins for all.
        candidate = instance / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return path.read_text().strip()
