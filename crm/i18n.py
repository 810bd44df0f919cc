"""Locale and timezone selection, and fast date formatting in the viewer's timezone."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_datetime as babel_format_datetime
from flask import current_app, has_app_context, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def catalog_languages() -> list[str]:
    """The languages that have a catalog under ``translations/``, English (the source language) first."""
    found = {p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")}
    return ["en", *sorted(found - {"en"})]


def language_name(code: str) -> str:
    """A language's name in that language, e.g. "Türkçe" for ``tr``."""
    try:
        return _locale(code).get_display_name(code).capitalize()
    except (ValueError, TypeError):
        return code


def languages() -> list[str]:
    """The locale codes the app offers."""
    return current_app.config["LANGUAGES"]


def select_locale() -> str:
    """User preference, then a plugin's answer (the portal's language), then Accept-Language, then the default."""
    from crm import settings

    offered = languages()
    if has_request_context():
        user = current_user
        preferred = getattr(user, "locale", None) if getattr(user, "is_authenticated", False) else None
        if preferred in offered:
            return preferred
        from_plugin = current_app.extensions["crm"].hook.crm_locale_for_request()
        if from_plugin in offered:
            return from_plugin
        best = request.accept_languages.best_match(offered)
        if best:
            return best
    default = settings.get("crm.default_locale")
    return default if default in offered else current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """The logged-in person's timezone, else the configured default."""
    from crm import settings

    if has_request_context():
        user = current_user
        tz = getattr(user, "timezone", None) if getattr(user, "is_authenticated", False) else None
        if tz and valid_timezone(tz):
            return tz
    return settings.get("crm.default_timezone")


def valid_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA timezone this machine knows."""
    try:
        ZoneInfo(name)
        return True
    except (ZoneInfoNotFoundError, ValueError):
        return False


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=32)
def _locale(code: str) -> Locale:
    return Locale.parse(code)


@lru_cache(maxsize=4096)
def _format(value: datetime, fmt: str, code: str, tz: str) -> str:
    aware = value.replace(tzinfo=timezone.utc).astimezone(_zone(tz))
    return babel_format_datetime(aware, fmt, tzinfo=aware.tzinfo, locale=_locale(code))


def format_datetime(value: datetime | None, fmt: str = "short") -> str:
    """Format a stored (naive UTC) datetime for the viewer: their locale and timezone.

    The locale and timezone are Flask-Babel's for the current context, so
    ``force_locale`` (an email in the recipient's language) is honoured.
    Results are memoised per (value, format, locale, timezone); the "short"
    format shows no seconds, so its values are memoised per minute: a list
    of 50 tickets formats each distinct minute once per process instead of
    once per row and request, which is where per-row formatting spends its time.
    """
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    if has_app_context():
        from flask_babel import get_timezone

        code, tz = str(get_locale()), str(get_timezone())
    else:
        code, tz = "en", "UTC"
    return _format(value.replace(second=0, microsecond=0) if fmt == "short" else value, fmt, code, tz)


def format_age(seconds: float) -> str:
    """A short, localized duration such as "3 h" or "2 days" (rounded down)."""
    from babel.dates import format_timedelta

    return format_timedelta(seconds, threshold=1, format="short", locale=get_locale())
