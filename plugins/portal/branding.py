"""Portal branding (P-10): names, texts, colours, favicon and page links per portal and per language.

Each portal keeps one :class:`PortalBranding` row per language it was
branded in. :func:`for_site` gives what a page shows in a language: every
field the row of that language leaves empty comes from the row of the
default language (setting ``crm.default_locale``), then from the built-in
default (the brand's name, the desk's colours).

Colours are stored only as ``#rrggbb`` and reach pages through a small
per-portal stylesheet (``/portal/<slug>/branding.css``, see
:mod:`plugins.portal.branding_views`) whose URL carries a version, so no
inline style or script is needed. The favicon is an uploaded PNG or ICO,
recognised by its content, kept in the host's storage (:mod:`crm.storage`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import filetype
from flask_babel import gettext as _
from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import Mapped, mapped_column

from crm import audit, settings
from crm.colours import normalise_colour
from crm.extensions import db
from crm.timeutil import utcnow

TEXT_FIELDS = {"organisation_name": 120, "form_title": 200, "page_title": 120, "form_note": 2000}
COLOUR_FIELDS = ("colour_background", "colour_panel", "colour_button", "colour_text")
CSS_VARIABLES = {"colour_background": "--brand-background", "colour_panel": "--brand-panel",
                 "colour_button": "--brand-button", "colour_text": "--brand-text"}
LINKS_MAX, LINK_LABEL_MAX, LINK_URL_MAX = 6, 80, 500
FAVICON_MAX_BYTES = 256 * 1024
FAVICON_TYPES = {"image/png": "png", "image/x-icon": "ico", "image/vnd.microsoft.icon": "ico"}


class PortalBranding(db.Model):
    """One portal's branding in one language; empty fields fall back to the default language's row."""

    __tablename__ = "portal_branding"
    brand_id: Mapped[int] = mapped_column(ForeignKey("portal_site.brand_id", ondelete="CASCADE"), primary_key=True,
                                          autoincrement=False)
    locale: Mapped[str] = mapped_column(db.String(10), primary_key=True)
    organisation_name: Mapped[str] = mapped_column(db.String(120), default="")
    form_title: Mapped[str] = mapped_column(db.String(200), default="")
    form_note: Mapped[str] = mapped_column(db.Text, default="")
    page_title: Mapped[str] = mapped_column(db.String(120), default="")
    colour_background: Mapped[str] = mapped_column(db.String(7), default="")
    colour_panel: Mapped[str] = mapped_column(db.String(7), default="")
    colour_button: Mapped[str] = mapped_column(db.String(7), default="")
    colour_text: Mapped[str] = mapped_column(db.String(7), default="")
    links_json: Mapped[str] = mapped_column(db.Text, default="[]")
    favicon_key: Mapped[str | None] = mapped_column(db.String(400))
    favicon_type: Mapped[str | None] = mapped_column(db.String(60))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BrandingError(ValueError):
    """Branding input that cannot be stored: ``errors`` maps field names to translated messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Link:
    """A page link shown under the login and signup forms."""

    label: str
    url: str


@dataclass(frozen=True)
class Branding:
    """What a portal page shows in one language, fallbacks applied."""

    organisation_name: str
    form_title: str
    form_note: str
    page_title: str
    colours: dict = field(default_factory=dict)  # field name -> #rrggbb, only those set
    links: tuple[Link, ...] = ()
    favicon_locale: str | None = None  # the row whose favicon is shown, None: no favicon
    version: str = "0"


def default_locale() -> str:
    """The language whose branding fills what another language leaves empty."""
    return settings.get("crm.default_locale") or "en"


def rows_of(site) -> dict[str, PortalBranding]:
    """The portal's branding rows by language (one query)."""
    return {row.locale: row for row in db.session.scalars(
        select(PortalBranding).where(PortalBranding.brand_id == site.brand_id))}


def _links(row: PortalBranding | None) -> tuple[Link, ...]:
    if row is None or not row.links_json:
        return ()
    try:
        return tuple(Link(label, url) for label, url in json.loads(row.links_json))
    except (ValueError, TypeError):
        return ()


def for_site(site, locale: str | None) -> Branding:
    """The branding of ``site`` in ``locale``, each empty field taken from the default language, then built in.

    For portal templates (the ``branding`` variable of portal pages) and emails.
    """
    rows = rows_of(site)
    base = default_locale()
    chain = [r for r in (rows.get(str(locale or base)), rows.get(base)) if r is not None]

    def pick(name: str) -> str:
        return next((getattr(r, name) for r in chain if getattr(r, name)), "")

    brand_name = site.brand.name
    colours = {name: pick(name) for name in COLOUR_FIELDS if pick(name)}
    links = next((_links(r) for r in chain if _links(r)), ())
    favicon = next((r.locale for r in chain if r.favicon_key), None)
    stamps = [r.updated_at for r in chain if r.updated_at]
    version = max(stamps).strftime("%Y%m%d%H%M%S%f") if stamps else "0"
    return Branding(organisation_name=pick("organisation_name") or brand_name, form_title=pick("form_title"),
                    form_note=pick("form_note"), page_title=pick("page_title") or pick("organisation_name")
                    or brand_name, colours=colours, links=links, favicon_locale=favicon, version=version)


def stylesheet(branding: Branding) -> str:
    """The portal's CSS: its colours as variables and on the login and signup pages. Colours are ``#rrggbb`` only."""
    colours = {k: v for k, v in branding.colours.items() if normalise_colour(v) == v}
    lines = [":root {"] + [f"  {CSS_VARIABLES[k]}: {v};" for k, v in colours.items()] + ["}"]
    rules = {
        "colour_background": "body.portal-auth { background: var(--brand-background); }",
        "colour_panel": "body.portal-auth .card { background: var(--brand-panel); }",
        "colour_button": "body.portal-auth button.primary, body.portal-auth .button.primary "
                         "{ background: var(--brand-button); border-color: var(--brand-button); }",
        "colour_text": "body.portal-auth, body.portal-auth .card { color: var(--brand-text); }",
    }
    lines += [rules[k] for k in colours]
    return "\n".join(lines) + "\n"


def parse_links(text: str) -> list[tuple[str, str]]:
    """Page links typed one per line as ``Label | https://address``; :class:`BrandingError` on a bad line."""
    links = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        label, sep, url = line.partition("|")
        label, url = " ".join(label.split()), url.strip()
        parts = urlsplit(url)
        if (not sep or not label or len(label) > LINK_LABEL_MAX or len(url) > LINK_URL_MAX
                or parts.scheme not in ("https", "http") or not parts.hostname
                or any(c.isspace() or ord(c) < 32 for c in url)):
            raise BrandingError({"links": _("Write one link per line as “Label | https://address”.")})
        links.append((label, url))
    if len(links) > LINKS_MAX:
        raise BrandingError({"links": _("Add at most %(num)d links.", num=LINKS_MAX)})
    return links


def links_text(row: PortalBranding | None) -> str:
    """A row's links as the admin form shows them."""
    return "\n".join(f"{link.label} | {link.url}" for link in _links(row))


def check_favicon(upload) -> tuple[bytes, str] | None:
    """An uploaded favicon's bytes and type (PNG or ICO by content, at most 256 KB); None when nothing was sent."""
    if upload is None or not getattr(upload, "filename", ""):
        return None
    data = upload.stream.read(FAVICON_MAX_BYTES + 1)
    if not data:
        return None
    if len(data) > FAVICON_MAX_BYTES:
        raise BrandingError({"favicon": _("The icon may be at most %(num)d KB.", num=FAVICON_MAX_BYTES // 1024)})
    kind = filetype.guess(data)
    if kind is None or kind.mime not in FAVICON_TYPES:
        raise BrandingError({"favicon": _("Upload the icon as a PNG or ICO file.")})
    return data, kind.mime


def save(site, locale: str, values: dict, favicon=None, remove_favicon: bool = False, user=None) -> dict:
    """Store the branding of ``site`` in ``locale``; return ``{field: (old, new)}``. The caller commits.

    :param values: text fields, colours (``#rrggbb`` or empty) and ``links`` (text, see :func:`parse_links`).
    :param favicon: an uploaded file (``FileStorage``) or None.
    :raises BrandingError: with every refused field; nothing is stored then.
    """
    import io

    from crm.i18n import languages
    from crm.storage import storage

    errors = {}
    if locale not in languages():
        errors["locale"] = _("Choose one of the offered values.")
    clean = {}
    for name, limit in TEXT_FIELDS.items():
        text = (values.get(name) or "").strip()
        if len(text) > limit:
            errors[name] = _("Use at most %(num)d characters.", num=limit)
        clean[name] = text
    for name in COLOUR_FIELDS:
        raw = (values.get(name) or "").strip()
        colour = normalise_colour(raw) if raw else ""
        if colour is None:
            errors[name] = _("Enter a colour such as #1a73e8.")
        clean[name] = colour or ""
    try:
        clean["links_json"] = json.dumps(parse_links(values.get("links", "")), ensure_ascii=False)
    except BrandingError as exc:
        errors.update(exc.errors)
    icon = None
    try:
        icon = check_favicon(favicon)
    except BrandingError as exc:
        errors.update(exc.errors)
    if errors:
        raise BrandingError(errors)
    row = db.session.get(PortalBranding, (site.brand_id, locale))
    if row is None:
        row = PortalBranding(brand_id=site.brand_id, locale=locale, links_json="[]", **{
            n: "" for n in (*TEXT_FIELDS, *COLOUR_FIELDS)})
        db.session.add(row)
    changes = {}
    for name, value in clean.items():
        if (getattr(row, name) or "") != value:
            changes[name] = (getattr(row, name) or None, value or None)
            setattr(row, name, value)
    old_key = row.favicon_key
    if icon is not None:
        data, mime = icon
        row.favicon_key = storage().save(io.BytesIO(data), f"favicon.{FAVICON_TYPES[mime]}", prefix="portal")
        row.favicon_type = mime
        changes["favicon"] = (old_key, row.favicon_key)
    elif remove_favicon and old_key:
        row.favicon_key = row.favicon_type = None
        changes["favicon"] = (old_key, None)
    if changes:
        row.updated_at = utcnow()
        audit.record("portal.branding.updated", "portal", site.slug, {"locale": (None, locale), **changes},
                     user=user)
    return changes


def replaced_favicon(changes: dict) -> str | None:
    """The storage key a save replaced (delete it after the commit), or None."""
    old = changes.get("favicon", (None, None))[0]
    return old
