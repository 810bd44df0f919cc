"""Every admin route, found in the URL map, refuses everyone but admins (SPEC H-7, Q-2).

Routes are enumerated, not listed: a page added later to the ``admin``
blueprint or to any blueprint mounted under ``/admin`` (a plugin's
``support_admin`` ...) is covered without touching this file. Each request
names real rows, made afresh for it, so that a 404 for a missing row can
never stand in for a refusal, and admins must reach every page. A route
with a parameter this file does not know how to fill fails the test until
one is added to ``PARAMETERS`` or ``ENDPOINT_VALUES``.
"""
from __future__ import annotations

import io
from itertools import count
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from crm import PluginInfo, builtin, hookimpl
from crm.audit import AuditEntry
from crm.extensions import db
from crm.settings import File, Section, SettingsSchema
from tests.conftest import PASSWORD, builtin_plugins

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
NUMBERS = count(1)


class Vault:
    """A plugin with a file setting, so that the settings file download has a stored file to serve."""

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo("vault", "Vault")

    @hookimpl
    def crm_register_settings(self):
        return SettingsSchema("vault", "Vault", [Section("files", "Files", [File("logo", extensions=("png",))])])


class Switch:
    """A plugin with nothing else, for the enable/disable route: switching it off hides no other page."""

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo("switch", "Switch")


@pytest.fixture
def app_plugins():
    return builtin_plugins() + [Vault(), Switch()]


def is_admin_rule(app, rule) -> bool:
    """Whether a URL rule belongs to the admin area: the admin blueprint or a blueprint under /admin."""
    if rule.endpoint.endswith(".static"):
        return False  # a blueprint's public assets (CSS, scripts), not a page
    if rule.endpoint.startswith("admin."):
        return True
    blueprint = app.blueprints.get(rule.endpoint.rpartition(".")[0])
    prefix = (getattr(blueprint, "url_prefix", None) or "").rstrip("/")
    return prefix == "/admin" or prefix.startswith("/admin/") or rule.rule.startswith("/admin/")


# Real values for the routes' parameters ----------------------------------------------------------


def _support_row(model_name):
    def make(factory):
        from plugins.support import models

        n = next(NUMBERS)
        model = getattr(models, model_name)
        fields = {"key": f"access_{n}", "position": 100 + n} if model_name in ("Status", "Priority") else {
            "name": f"Access {model_name} {n}", "position": 100 + n}
        row = model(**fields)
        db.session.add(row)
        db.session.commit()
        return row.id

    return make


def _portal_slug(factory):
    from plugins.portal.sites import site_for_brand
    from plugins.support.models import Brand

    brand = Brand(name=f"Access brand {next(NUMBERS)}")
    db.session.add(brand)
    db.session.flush()
    slug = site_for_brand(brand).slug
    db.session.commit()
    return slug


# ``(endpoint prefix, parameter): make(factory) -> value``; the longest matching prefix wins, so the
# host's people records serve any blueprint ("") unless one of its own is more specific.
def _portal_slug(factory):
    from plugins.portal.sites import site_for_brand
    from plugins.support.models import Brand

    brand = Brand(name=f"Brand {next(NUMBERS)}")
    db.session.add(brand)
    db.session.flush()
    slug = site_for_brand(brand).slug
    db.session.commit()
    return slug


def _canned_reply(factory):
    from plugins.support.canned_replies.models import CannedReply, CannedReplyText

    reply = CannedReply(title=f"Access reply {next(NUMBERS)}", scope="desk", active=True, position=0,
                        texts=[CannedReplyText(language="en", body="Hello")])
    db.session.add(reply)
    db.session.commit()
    return reply.id


def _forms_row(kind):
    def make(factory):
        from plugins.forms.models import DataField, Form, Question

        form = Form(label=f"Access form {next(NUMBERS)}", help="", translations={})
        db.session.add(form)
        db.session.flush()
        if kind == "form":
            row = form
        elif kind == "question":
            row = Question(form_id=form.id, kind="text", label="Access question", help="", translations={})
        else:
            row = DataField(subject="ticket", kind="text", label="Access field", help="", places={},
                            translations={})
        db.session.add(row)
        db.session.commit()
        return row.id

    return make


PARAMETERS = {
    ("", "company_id"): lambda factory: factory.company().id,
    ("forms_admin.", "form_id"): _forms_row("form"),
    ("forms_admin.", "question_id"): _forms_row("question"),
    ("forms_admin.", "field_id"): _forms_row("field"),
    ("", "contact_id"): lambda factory: factory.contact().id,
    ("", "department_id"): lambda factory: factory.department().id,
    ("", "role_id"): lambda factory: factory.role().id,
    ("", "user_id"): lambda factory: factory.user().id,
    ("admin.", "name"): lambda factory: "switch",
    ("admin.", "namespace"): lambda factory: "crm",
    ("admin.", "section"): lambda factory: builtin.SETTINGS.sections[0].name,
    ("support_admin.brands", "row_id"): _support_row("Brand"),
    ("support_admin.priorities", "row_id"): _support_row("Priority"),
    ("support_admin.services", "row_id"): _support_row("Service"),
    ("support_admin.statuses", "row_id"): _support_row("Status"),
    ("support_admin.topics", "row_id"): _support_row("Topic"),
    ("portal_admin.", "slug"): _portal_slug,
    ("portal_admin.", "slug"): _portal_slug,
    ("support_canned_admin.", "reply_id"): _canned_reply,
}
# Whole sets of values for routes whose parameters go together.
ENDPOINT_VALUES = {
    "admin.settings_file": lambda factory: {"namespace": "vault", "key": "logo"},
}


def real_values(factory, rule) -> dict:
    """Values for every parameter of ``rule`` that name rows and settings that exist."""
    if rule.endpoint in ENDPOINT_VALUES:
        return ENDPOINT_VALUES[rule.endpoint](factory)
    values = {}
    for name in rule.arguments:
        matches = [(prefix, make) for (prefix, parameter), make in PARAMETERS.items()
                   if parameter == name and rule.endpoint.startswith(prefix)]
        assert matches, f"no real value for <{name}> of {rule.endpoint}: add one to PARAMETERS"
        values[name] = max(matches, key=lambda m: len(m[0]))[1](factory)
    return values


def admin_rules(app):
    """``(method, rule)`` for every method of every admin rule."""
    return [(method, rule) for rule in app.url_map.iter_rules() if is_admin_rule(app, rule)
            for method in sorted(rule.methods & set(METHODS))]


def audit_count():
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def call(app, client, factory, method, rule):
    """Request ``rule`` with ``method`` and real parameter values.

    Returns ``(url, response, audited)``, ``audited`` being whether the
    request added to the audit trail, i.e. changed something.
    """
    url = app.url_map.bind("localhost").build(rule.endpoint, real_values(factory, rule), method=method)
    before = audit_count()
    response = client.open(url, method=method, data={})
    return url, response, audit_count() != before


@pytest.fixture
def stored_logo(app, factory):
    """The vault's logo, uploaded through the settings page by another admin."""
    uploader = app.test_client()
    email = factory.admin().email
    assert uploader.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    response = uploader.post("/admin/settings/vault/files", data={"logo": (io.BytesIO(PNG), "logo.png")},
                             content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    uploader.post("/logout")


@pytest.fixture
def rules_to_check(app, stored_logo):
    found = admin_rules(app)
    endpoints = {rule.endpoint for _m, rule in found}
    # The enumeration itself must find the admin area, or these tests would pass on nothing.
    assert {"admin.index", "admin.plugins", "admin.plugin_toggle", "admin.settings_index", "admin.settings_section",
            "admin.settings_file", "admin.audit", "admin.staff_edit", "support_admin.statuses_edit"} <= endpoints
    return found


def test_plugin_admin_blueprints_are_covered(app):
    """Blueprints that plugins mount under /admin are part of the matrix."""
    mounted = {name for name, bp in app.blueprints.items()
               if (bp.url_prefix or "").startswith("/admin") and name != "admin"}
    covered = {rule.endpoint.rpartition(".")[0] for _m, rule in admin_rules(app)}
    assert mounted <= covered
    assert "support_admin" in mounted


def test_every_parameter_gets_a_real_value(app, factory):
    """A route added with a parameter nobody fills fails here, naming the parameter."""
    for _method, rule in admin_rules(app):
        values = real_values(factory, rule)
        assert set(values) == set(rule.arguments), rule.endpoint


def test_anonymous_visitors_are_sent_to_the_login_page(app, client, factory, rules_to_check):
    failures = []
    for method, rule in rules_to_check:
        url, response, audited = call(app, client, factory, method, rule)
        location = urlsplit(response.headers.get("Location", ""))
        if response.status_code != 302 or location.path != "/login" or audited:
            failures.append(f"{method} {url} ({rule.endpoint}): {response.status_code} {location.geturl()}"
                            + (" and changed something" if audited else ""))
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("role", ["staff", "member"])
def test_staff_and_non_staff_members_get_403(app, client, factory, auth, rules_to_check, role):
    auth.login(factory.user(role=role))
    failures = []
    for method, rule in rules_to_check:
        url, response, audited = call(app, client, factory, method, rule)
        if response.status_code != 403 or audited:
            failures.append(f"{method} {url} ({rule.endpoint}): {response.status_code}"
                            + (" and changed something" if audited else ""))
    assert failures == [], "\n".join(failures)


def test_admins_reach_every_page(app, client, factory, auth, rules_to_check):
    """Every page answers an admin with 200; every form post (empty) is shown again or done and redirected."""
    auth.login(factory.admin())
    failures = []
    for method, rule in rules_to_check:
        url, response, _audited = call(app, client, factory, method, rule)
        location = urlsplit(response.headers.get("Location", ""))
        redirected_within_admin = (response.status_code == 302 and location.path.startswith("/admin/")
                                   and client.get(location.geturl()).status_code == 200)
        if method == "GET":
            ok = response.status_code == 200 or redirected_within_admin
        else:
            ok = response.status_code in (200, 400) or redirected_within_admin
        if not ok:
            failures.append(f"{method} {url} ({rule.endpoint}): {response.status_code} {location.geturl()}")
    assert failures == [], "\n".join(failures)
