"""Locale and timezone selection, and fast date formatting in the viewer's timezone."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_datetime as babel_format_datetime
from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import get_locale, get_timezone, get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def translation_directories(app, host) -> str:
    """The value of ``BABEL_TRANSLATION_DIRECTORIES`` for ``app``: the desk's catalogs, then each plugin's.

    Set before Flask-Babel reads it at ``init_app``. A directory configured
    in ``BABEL_TRANSLATION_DIRECTORIES`` is kept first; each plugin that
    names a ``translations`` folder in its ``PluginInfo`` adds it (a missing
    folder stops start-up). Flask-Babel merges the catalogs of every folder.
    """
    folders = [d for d in str(app.config.get("BABEL_TRANSLATION_DIRECTORIES") or TRANSLATIONS).split(";") if d]
    for name, info in host.infos.items():
        if info.translations is None:
            continue
        folder = Path(info.translations)
        if not folder.is_dir():
            raise RuntimeError(f"plugin {name!r} names a missing translations folder {folder}")
        if str(folder) not in folders:
            folders.append(str(folder))
    return ";".join(folders)


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


def _viewer_locale_and_zone() -> tuple[str, str]:
    """(locale code, timezone name) of the current context; ``force_locale`` is honoured."""
    if not has_app_context():
        return "en", "UTC"
    locale = get_locale()
    picked = g.get("crm_locale_zone")
    if picked is None or picked[0] is not locale:  # force_locale and refresh put another locale object in place
        picked = g.crm_locale_zone = (locale, str(locale), str(get_timezone()))
    return picked[1], picked[2]


def fast_gettext(string: str) -> str:
    """Flask-Babel's ``gettext`` for templates, with the translations picked once per request and locale.

    Flask-Babel's public ``get_locale()`` is cheap once the request has a
    locale; ``get_translations()`` costs several lookups more, so its bound
    ``ugettext`` is kept in ``g`` beside the locale object it was picked for.
    ``force_locale`` and ``refresh`` put another locale object in place, so
    the next string picks the translations again.
    """
    locale = get_locale()
    if locale is None:  # outside an app context
        return get_translations().ugettext(string)
    picked = g.get("crm_gettext")
    if picked is None or picked[0] is not locale:
        picked = g.crm_gettext = (locale, get_translations().ugettext)
    return picked[1](string)


def install_fast_gettext(app) -> None:
    """Make templates' ``_()``/``gettext()`` use :func:`fast_gettext` (after Flask-Babel set up Jinja)."""
    app.jinja_env.install_gettext_callables(
        gettext=fast_gettext,
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
    )
    # templates call gettext far more than the other three: it gets a leaner newstyle wrapper of its own
    app.jinja_env.globals["gettext"] = template_gettext


@pass_context
def template_gettext(__context, __string: str, **variables) -> str:
    """Templates' ``_()``/``gettext()`` with Jinja's newstyle rules: the translation is safe markup where the
    template autoescapes, and is always a ``%`` format (``%%`` is a percent sign) with escaped ``variables``.

    Jinja's own wrapper goes through the context's call machinery twice and formats even a string without
    ``%``; this one calls :func:`fast_gettext` directly and formats only when there is something to format.
    """
    rv = fast_gettext(__string)
    if __context.eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables if variables or "%" in rv else rv


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
    code, tz = _viewer_locale_and_zone()
    return _format(value.replace(second=0, microsecond=0) if fmt == "short" else value, fmt, code, tz)


def datetime_formatter(fmt: str = "short"):
    """A function formatting many datetimes like :func:`format_datetime`, with the viewer's
    locale and timezone looked up once (for lists: one lookup per page instead of per row)."""
    code, tz = _viewer_locale_and_zone()

    def formatter(value: datetime | None) -> str:
        if value is None:
            return ""
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return _format(value.replace(second=0, microsecond=0) if fmt == "short" else value, fmt, code, tz)

    return formatter


# babel's units for format_timedelta, largest first (seconds per unit)
_AGE_UNITS = (("year", 3600 * 24 * 365), ("month", 3600 * 24 * 30), ("week", 3600 * 24 * 7),
              ("day", 3600 * 24), ("hour", 3600), ("minute", 60), ("second", 1))
_ages: dict[tuple, str] = {}


def format_age(seconds: float, locale=None) -> str:
    """A short, localized duration such as "3 h" or "2 days" (babel's ``format_timedelta``, threshold 1).

    Memoised on what the output depends on: the locale, the largest unit
    that fits and the rounded number of that unit.
    """
    from babel.dates import format_timedelta

    code = str(locale or get_locale())
    magnitude = abs(seconds)
    key: tuple = (code, "second", 1 if magnitude > 0 else 0)  # under a second: babel's granularity rule
    for unit, size in _AGE_UNITS:
        if magnitude / size >= 1:
            key = (code, unit, int(round(magnitude / size)))
            break
    found = _ages.get(key)
    if found is None:
        if len(_ages) > 10_000:
            _ages.clear()
        found = _ages[key] = format_timedelta(seconds, threshold=1, format="short", locale=code)
    return found
