"""The host's own hook implementations: its blueprints, settings and admin navigation."""
from __future__ import annotations


from flask_babel import lazy_gettext as _l

from crm.hooks import hookimpl
from crm.hooks.records import NavItem
from crm.settings.schema import Choice, Int, MultiChoice, Secret, Section, SettingsSchema, Text

EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s]+"


def _language_choices():
    from flask import current_app

    from crm.i18n import language_name

    return [(code, language_name(code)) for code in current_app.config["LANGUAGES"]]


def _timezone_choices():
    """Canonical zones only (no deprecated aliases), area by area; the site's current value stays valid."""
    from crm import settings
    from crm.timezones import canonical_timezones, flat_choices

    choices = flat_choices()
    current = settings.get("crm.default_timezone")
    if current and current not in canonical_timezones():
        choices.insert(0, (current, current))  # an old alias chosen before stays until changed
    return choices


def _staff_choices():
    from sqlalchemy import select

    from crm.extensions import db
    from crm.people.models import Role, User

    rows = db.session.execute(
        select(User.id, User.name, User.email).join(Role).where(User.active.is_(True), Role.kind != "member")
        .order_by(User.name)
    )
    return [(str(r.id), f"{r.name} <{r.email}>") for r in rows]


SETTINGS = SettingsSchema("crm", _l("General"), [
    Section("general", _l("Site"), [
        Text("site_name", default="Support desk", label=_l("Site name"),
             help=_l("Shown in page titles and email signatures."), max_length=120, required=True),
        Choice("default_locale", default="en", choices=_language_choices, label=_l("Default language"),
               help=_l("Used when neither the person nor the browser asks for a language we offer.")),
        Choice("default_timezone", default="UTC", choices=_timezone_choices, label=_l("Default timezone"),
               help=_l("Dates are shown in this timezone to people who have not chosen one.")),
        Int("password_min_length", default=10, min=8, max=128, label=_l("Minimum password length"),
            help=_l("Applies to every new or changed staff password.")),
    ]),
    Section("customers", _l("Customers"), [
        MultiChoice("general_customer_managers", default=[], choices=_staff_choices,
                    label=_l("General customer managers"),
                    help=_l("Staff who act as customer managers for companies that have none of their own.")),
    ]),
    Section("email", _l("Outgoing email"), [
        Text("smtp_host", default="", label=_l("SMTP server"),
             help=_l("Leave empty to write messages as .eml files in the instance folder instead of sending them.")),
        Int("smtp_port", default=25, min=1, max=65535, label=_l("SMTP port")),
        Choice("smtp_security", default="none", label=_l("Connection security"),
               choices=[("none", _l("None")), ("starttls", _l("STARTTLS")), ("ssl", _l("SSL/TLS"))]),
        Text("smtp_username", default="", label=_l("SMTP user name")),
        Secret("smtp_password", default="", label=_l("SMTP password"),
               help=_l("Leave empty to keep the stored password.")),
        Text("from_address", default="support@example.com", label=_l("Sender address"),
             pattern=EMAIL_PATTERN, required=True),
        Text("from_name", default="", label=_l("Sender name"), help=_l("Defaults to the site name.")),
    ]),
])


@hookimpl
def crm_register_settings():
    return SETTINGS


@hookimpl
def crm_register_blueprints():
    from crm.admin.views import bp as admin_bp
    from crm.auth.views import bp as auth_bp
    from crm.core import bp as core_bp
    from crm.notify.views import bp as notifications_bp

    return [core_bp, auth_bp, admin_bp, notifications_bp]


@hookimpl
def crm_navigation_items(area, user):
    if area != "admin":
        return None
    return [
        NavItem("admin.plugins", _l("Plugins"), "admin.plugins", order=10),
        NavItem("admin.settings", _l("Settings"), "admin.settings_index", order=20),
        NavItem("admin.staff", _l("Staff"), "admin.staff", order=30),
        NavItem("admin.roles", _l("Roles"), "admin.roles", order=40),
        NavItem("admin.departments", _l("Departments"), "admin.departments", order=50),
        NavItem("admin.companies", _l("Companies"), "admin.companies", order=60),
        NavItem("admin.contacts", _l("Contacts"), "admin.contacts", order=70),
        NavItem("admin.outbox", _l("Outgoing mail"), "admin.outbox", order=85),
        NavItem("admin.audit", _l("Audit log"), "admin.audit", order=90),
    ]
