"""Configuration: defaults here, then the instance's ``crm.cfg``, then ``CRM_*`` environment variables."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

ENVIRONMENTS = ("development", "production")
# Without CRM_BASE_URL outside production, links point here (`make run` sets CRM_BASE_URL to its address).
DEVELOPMENT_BASE_URL = "http://localhost"
MIN_SECRET_KEY_LENGTH = 32


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
    PASSWORD_HASH_METHOD = None  # werkzeug's default (scrypt); see crm.auth.passwords
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
    ENV = "development"  # CRM_ENV=production: a secret key and BASE_URL must be configured
    BASE_URL = None  # the desk's public address, e.g. "https://desk.example.com"; every link in mail uses it
    ALLOWED_HOSTS = []  # more host names the desk answers on (".example.com" allows its subdomains)
    CONTENT_SECURITY_POLICY = None  # default: crm.security.headers.CONTENT_SECURITY_POLICY


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
    production = _is_production(app.config["ENV"])
    if not app.config.get("SECRET_KEY"):
        if production:
            raise RuntimeError(
                "CRM_SECRET_KEY is not set: in production (CRM_ENV=production) every machine and worker "
                "must sign sessions and links with the same configured key")
        app.config["SECRET_KEY"] = _instance_secret(instance)
    elif production and len(str(app.config["SECRET_KEY"])) < MIN_SECRET_KEY_LENGTH:
        raise RuntimeError(f"CRM_SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters long")
    app.config["BASE_URL"] = _base_url(app.config.get("BASE_URL"), production)
    app.config["ALLOWED_HOSTS"] = _host_list(app.config.get("ALLOWED_HOSTS"))
    for key, folder in (("MAIL_DIR", "mail"), ("STORAGE_DIR", "files")):
        if not app.config.get(key):
            app.config[key] = str(instance / folder)
    if not app.config.get("QUEUE_FILE"):
        app.config["QUEUE_FILE"] = str(instance / "huey.db")


def _is_production(env) -> bool:
    if env not in ENVIRONMENTS:
        raise RuntimeError(f"CRM_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    return env == "production"


def _base_url(value, production: bool) -> str:
    """The desk's public address without a trailing slash; required in production."""
    if not value:
        if production:
            raise RuntimeError("CRM_BASE_URL is not set: in production (CRM_ENV=production) links in emails "
                               "and the hosts the desk answers on come from it, e.g. https://desk.example.com")
        return DEVELOPMENT_BASE_URL
    parts = urlsplit(str(value).strip())
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise RuntimeError(f"CRM_BASE_URL must be an http or https address such as https://desk.example.com, "
                           f"not {value!r}")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _host_list(value) -> list[str]:
    """``ALLOWED_HOSTS`` as a list: a list, or one string of names separated by commas or spaces."""
    if not value:
        return []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return [str(name).strip() for name in value if str(name).strip()]


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
