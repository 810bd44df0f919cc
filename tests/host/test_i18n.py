"""Localization (H-11): complete Turkish and English catalogs, locale and timezone selection, dates in the viewer's zone.

The catalog tests extract the messages from the source exactly as
``make i18n-update`` does; when one fails, run ``make i18n-update`` and
translate what the failure lists in ``translations/tr/LC_MESSAGES/messages.po``.
"""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.util import pathmatch
from flask_login import login_user

from crm import PluginInfo, hookimpl, i18n, settings
from crm.extensions import babel as babel_ext
from crm.extensions import db
from crm.timeutil import utcnow

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
LOCALES = ("en", "tr")
# The same keywords as the Makefile's I18N_KEYWORDS (Babel's defaults cover _, gettext and ngettext).
KEYWORDS = ["-k", "_l", "-k", "lazy_gettext", "-k", "lazy_ngettext:1,2"]
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*\d*(?:\.\d+)?([diouxXeEfFgGcrs%])")


# --- catalogs ----------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The messages extracted from the source right now, as a Babel catalog."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), *KEYWORDS,
        "--no-location", "-o", str(pot), str(ROOT),
    ])
    with pot.open("rb") as fh:
        return read_po(fh)


def _catalog(locale):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


def _messages(catalog):
    return [m for m in catalog if m.id]


def _label(message):
    return message.id if isinstance(message.id, str) else message.id[0]


def _placeholders(text):
    """Named placeholders (sorted, with repeats) and the number of positional ones in a message."""
    found = PLACEHOLDER.findall(text or "")
    named = sorted(name for name, conv in found if name and conv != "%")
    positional = sum(1 for name, conv in found if not name and conv != "%")
    return named, positional


def test_extraction_finds_the_strings_of_host_and_plugins(template):
    """Guards the extraction itself: Python, lazy strings and templates of host and plugins are all read."""
    ids = {_label(m) for m in _messages(template)}
    assert "Sign in" in ids  # a template: crm/templates/crm/auth/login.html
    assert "Site name" in ids  # _l() in crm/builtin.py
    assert "Support" in ids  # _l() in plugins/support/plugin.py
    assert "The request could not be understood." in ids  # _() in crm/web.py


def _unextracted(config: str) -> list[str]:
    """Python files and templates of the host and the built-in plugins that ``config`` (a babel.cfg) does not read."""
    method_map, _options = parse_mapping_cfg(io.StringIO(config))
    missing = []
    for base in ("crm", "plugins"):
        for path in sorted((ROOT / base).rglob("*")):
            relative = path.relative_to(ROOT)
            if not path.is_file() or "__pycache__" in relative.parts:
                continue
            if path.suffix == ".py" or "templates" in relative.parts:
                name = relative.as_posix()
                method = next((m for pattern, m in method_map if pathmatch(pattern, name)), None)
                if method in (None, "ignore"):
                    missing.append(name)
    return missing


def test_extraction_covers_every_python_and_template_folder():
    """No folder list to forget: a new package or templates folder is read without touching babel.cfg."""
    missing = _unextracted((ROOT / "babel.cfg").read_text())
    assert not missing, "babel.cfg does not extract:\n" + "\n".join(missing)
    folders = {p.parent for p in (ROOT / "crm").rglob("templates/**/*.html")}
    assert any("notify" in f.parts for f in folders), "the check must see nested template folders"


def test_folder_check_sees_a_forgotten_templates_folder():
    """Guards the check above: a config listing folders one by one misses crm/notify/templates."""
    narrow = "[python: crm/**.py]\n[python: plugins/**.py]\n[jinja2: crm/templates/**]\n[jinja2: plugins/**/templates/**]\n"
    assert any(name.startswith("crm/notify/templates/") for name in _unextracted(narrow))


def test_extraction_uses_the_makefiles_keywords():
    makefile = (ROOT / "Makefile").read_text()
    declared = re.search(r"^I18N_KEYWORDS\s*:?=\s*(.+)$", makefile, re.M)
    assert declared and declared.group(1).split() == KEYWORDS


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_has_every_extracted_message(template, locale):
    catalog = _catalog(locale)
    missing = [_label(m) for m in _messages(template) if catalog.get(m.id, m.context) is None]
    assert not missing, (
        f"{len(missing)} message(s) missing from translations/{locale}; run `make i18n-update` "
        f"and translate them:\n" + "\n".join(missing)
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_is_fully_translated_and_not_fuzzy(locale):
    catalog = _catalog(locale)
    assert not catalog.fuzzy, f"the header of translations/{locale} is marked fuzzy; pybabel compile would skip it"
    untranslated = [_label(m) for m in _messages(catalog)
                    if not (m.string if isinstance(m.string, str) else all(m.string))]
    fuzzy = [_label(m) for m in _messages(catalog) if m.fuzzy]
    assert not untranslated, f"untranslated in translations/{locale}:\n" + "\n".join(untranslated)
    assert not fuzzy, f"fuzzy (check, then remove the flag) in translations/{locale}:\n" + "\n".join(fuzzy)


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders(locale):
    wrong = []
    for m in _messages(_catalog(locale)):
        if isinstance(m.id, str):
            if m.string and _placeholders(m.string) != _placeholders(m.id):
                wrong.append(f"{m.id!r} -> {m.string!r}")
            continue
        allowed = set(_placeholders(m.id[0])[0]) | set(_placeholders(m.id[1])[0])
        for form in m.string:
            if form and not set(_placeholders(form)[0]) <= allowed:
                wrong.append(f"{m.id[0]!r} -> {form!r}")
    assert not wrong, f"placeholders differ in translations/{locale}:\n" + "\n".join(wrong)


def test_placeholder_check_sees_a_renamed_or_dropped_placeholder():
    assert _placeholders("Page %(page)s of %(pages)s") == (["page", "pages"], 0)
    assert _placeholders("Sayfa %(pages)s / %(page)s") == _placeholders("Page %(page)s of %(pages)s")
    assert _placeholders("Sayfa %(sayfa)s") != _placeholders("Page %(page)s")
    assert _placeholders("100%% done") == ([], 0)


def test_english_catalog_repeats_the_source_text():
    different = [_label(m) for m in _messages(_catalog("en")) if m.string != m.id]
    assert not different, "English msgstr must equal msgid (make i18n-update fills them):\n" + "\n".join(different)


def test_turkish_catalog_is_really_turkish():
    """Guards against a catalog filled by copying the English text."""
    catalog = _catalog("tr")
    assert catalog.get("Sign in").string == "Giriş yap"
    assert catalog.get("Settings").string == "Ayarlar"
    copied = [m.id for m in _messages(catalog) if isinstance(m.id, str) and m.string == m.id and len(m.id) > 12]
    assert len(copied) <= len(_messages(catalog)) // 50, copied


# --- locale selection ----------------------------------------------------------


@pytest.fixture
def app_plugins():
    """The host alone: locale and timezone selection are the host's."""
    return []


class PortalLanguage:
    """A throwaway plugin that answers the request's locale, as the portal does for its pages."""

    def __init__(self, locale):
        self.locale = locale

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo("portal_language", "Portal language")

    @hookimpl
    def crm_locale_for_request(self):
        return self.locale


def _set(namespace, **values):
    settings.set_many(namespace, values)
    db.session.commit()


def _select(app, accept=None, user=None):
    """The locale chosen for one request; a fresh app context so nothing cached by an earlier request leaks in."""
    headers = {"Accept-Language": accept} if accept else {}
    with app.app_context(), app.test_request_context("/", headers=headers):
        if user is not None:
            login_user(user)
        return i18n.select_locale()


def test_user_preference_wins_over_browser_and_default(app, factory):
    _set("crm", default_locale="en")
    turkish = factory.user(locale="tr")
    english = factory.user(locale="en")
    assert _select(app, "en-US,en;q=0.9", turkish) == "tr"
    assert _select(app, "tr-TR,tr;q=0.9", english) == "en"


def test_browser_language_wins_over_the_default(app):
    _set("crm", default_locale="tr")
    assert _select(app, "en-GB,en;q=0.8") == "en"
    _set("crm", default_locale="en")
    assert _select(app, "tr-TR,tr;q=0.9,en;q=0.5") == "tr"


@pytest.mark.parametrize("default", ["tr", "en"])
def test_default_locale_setting_applies_when_nothing_else_matches(app, factory, default):
    _set("crm", default_locale=default)
    assert _select(app) == default
    assert _select(app, "de-DE,fr;q=0.8") == default
    assert _select(app, "de", factory.user(locale=None)) == default


def test_unsupported_user_locale_falls_through_to_the_browser(app, factory):
    _set("crm", default_locale="en")
    assert _select(app, "tr", factory.user(locale="de")) == "tr"


def test_plugin_answer_comes_after_the_user_and_before_the_browser(make_app, factory):
    application = make_app(plugins=[PortalLanguage("tr")])
    with application.app_context():
        settings.set_many("crm", {"default_locale": "en"})
        db.session.commit()
        english = factory.user(locale="en")
        assert _select(application, "en") == "tr"
        assert _select(application, "tr", english) == "en"


def test_invalid_default_locale_setting_is_refused(app):
    with pytest.raises(settings.SettingsInvalid):
        settings.set_many("crm", {"default_locale": "xx"})
    assert settings.get("crm.default_locale") == "en"


# --- timezones -----------------------------------------------------------------

WINTER_NOON_UTC = datetime(2025, 1, 15, 12, 0)


def _shown(app, value, user=None, locale_header="en"):
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": locale_header}):
        if user is not None:
            login_user(user)
        return i18n.format_datetime(value, "HH:mm")


def test_dates_are_shown_in_the_users_timezone(app, factory):
    _set("crm", default_timezone="UTC")
    assert _shown(app, WINTER_NOON_UTC, factory.user(timezone="Europe/Istanbul")) == "15:00"
    assert _shown(app, WINTER_NOON_UTC, factory.user(timezone="America/New_York")) == "07:00"


def test_dates_use_the_default_timezone_setting_without_a_user_timezone(app, factory):
    _set("crm", default_timezone="Asia/Tokyo")
    assert _shown(app, WINTER_NOON_UTC) == "21:00"
    assert _shown(app, WINTER_NOON_UTC, factory.user(timezone=None)) == "21:00"
    _set("crm", default_timezone="UTC")
    assert _shown(app, WINTER_NOON_UTC) == "12:00"


def test_unknown_user_timezone_falls_back_to_the_setting(app, factory):
    _set("crm", default_timezone="Europe/Istanbul")
    assert _shown(app, WINTER_NOON_UTC, factory.user(timezone="Mars/Olympus")) == "15:00"


def test_aware_datetimes_are_converted_not_relabelled(app):
    _set("crm", default_timezone="Europe/Istanbul")
    aware = datetime(2025, 1, 15, 12, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert _shown(app, aware) == "20:00"


def test_dates_are_stored_as_naive_utc(app, factory):
    user = factory.user()
    db.session.expire_all()
    stored = db.session.get(type(user), user.id).created_at
    assert stored.tzinfo is None
    assert abs(stored - datetime.now(timezone.utc).replace(tzinfo=None)) < timedelta(minutes=1)
    assert utcnow().tzinfo is None


def test_date_format_follows_the_locale(app):
    _set("crm", default_timezone="UTC")
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "tr"}):
        turkish = i18n.format_datetime(WINTER_NOON_UTC, "d MMMM y")
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "en"}):
        english = i18n.format_datetime(WINTER_NOON_UTC, "d MMMM y")
    assert turkish == "15 Ocak 2025"
    assert english == "15 January 2025"


def test_forced_locale_reaches_the_date_format(app):
    """An email rendered with force_locale in the middle of a request uses the recipient's language."""
    from flask_babel import force_locale

    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert i18n.format_datetime(WINTER_NOON_UTC, "MMMM") == "January"
        with force_locale("tr"):
            assert i18n.format_datetime(WINTER_NOON_UTC, "MMMM") == "Ocak"
        assert i18n.format_datetime(WINTER_NOON_UTC, "MMMM") == "January"


# --- pages -----------------------------------------------------------------------


@pytest.fixture
def compiled(tmp_path):
    """The catalogs compiled into a temporary folder, with Flask-Babel's per-process cache emptied around the test."""
    for locale in LOCALES:
        source = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
        target = tmp_path / locale / "LC_MESSAGES" / "messages.mo"
        target.parent.mkdir(parents=True)
        CommandLineInterface().run(["pybabel", "-q", "compile", "-l", locale, "-i", str(source), "-o", str(target)])
    babel_ext.domain_instance.cache.clear()
    yield str(tmp_path)
    babel_ext.domain_instance.cache.clear()


@pytest.fixture
def localized_app(make_app, compiled):
    """The host alone, reading the freshly compiled catalogs.

    No app context is kept open, so each client request gets its own (and
    Flask-Babel's per-context locale cache starts empty every time).
    """
    return make_app(plugins=[], BABEL_TRANSLATION_DIRECTORIES=compiled)


def test_login_page_is_rendered_in_turkish(localized_app):
    client = localized_app.test_client()
    page = client.get("/login", headers={"Accept-Language": "tr-TR,tr;q=0.9"}).get_data(as_text=True)
    assert 'lang="tr"' in page
    assert "Giriş yap" in page and "Şifre" in page
    assert "Sign in" not in page


def test_login_page_is_rendered_in_english(localized_app):
    client = localized_app.test_client()
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="en"' in page
    assert "Sign in" in page and "Giriş yap" not in page


def test_signed_in_user_sees_pages_in_their_language(localized_app, factory):
    from tests.conftest import Auth

    admin = factory.admin(locale="tr")
    client = localized_app.test_client()
    Auth(client).login(admin)
    page = client.get("/admin/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Yönetim" in page and "Çıkış yap" in page
    assert "Sign out" not in page


def test_error_page_is_translated(localized_app):
    client = localized_app.test_client()
    response = client.get("/no-such-page", headers={"Accept-Language": "tr"})
    assert response.status_code == 404
    assert "Böyle bir sayfa yok." in response.get_data(as_text=True)
