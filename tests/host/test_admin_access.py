"""Every admin route, found in the URL map, refuses everyone but admins (SPEC H-7, Q-2).

Routes are enumerated, not listed: a page added later to the ``admin``
blueprint or to any blueprint mounted under ``/admin`` (a plugin's
``support_admin`` ...) is covered without touching this file.
"""
from __future__ import annotations

import uuid

import pytest
from werkzeug.routing import IntegerConverter, UUIDConverter
from werkzeug.routing.converters import FloatConverter


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
DUMMY_INT = 987654  # an id no test row has: admin requests must not change real rows


def is_admin_rule(app, rule) -> bool:
    """Whether a URL rule belongs to the admin area: the admin blueprint or a blueprint under /admin."""
    if rule.endpoint.endswith(".static"):
        return False  # a blueprint's public assets (CSS, scripts), not a page
    if rule.endpoint.startswith("admin."):
        return True
    blueprint = app.blueprints.get(rule.endpoint.rpartition(".")[0])
    prefix = (getattr(blueprint, "url_prefix", None) or "").rstrip("/")
    return prefix == "/admin" or prefix.startswith("/admin/") or rule.rule.startswith("/admin/")


def dummy_value(converter):
    if isinstance(converter, IntegerConverter):
        return DUMMY_INT
    if isinstance(converter, FloatConverter):
        return float(DUMMY_INT)
    if isinstance(converter, UUIDConverter):
        return uuid.UUID(int=DUMMY_INT)
    return "dummy"


def admin_requests(app):
    """``(method, url, endpoint)`` for every method of every admin rule, with dummy parameter values."""
    adapter = app.url_map.bind("localhost")
    out = []
    for rule in app.url_map.iter_rules():
        if not is_admin_rule(app, rule):
            continue
        values = {name: dummy_value(conv) for name, conv in rule._converters.items()}
        url = adapter.build(rule.endpoint, values, method=next(iter(rule.methods & set(METHODS)), None))
        for method in sorted(rule.methods & set(METHODS)):
            out.append((method, url, rule.endpoint))
    return out


def call(client, method, url):
    return client.open(url, method=method, data={})


@pytest.fixture
def requests_to_check(app):
    found = admin_requests(app)
    endpoints = {endpoint for _m, _u, endpoint in found}
    # The enumeration itself must find the admin area, or this test would pass on nothing.
    assert {"admin.index", "admin.plugins", "admin.plugin_toggle", "admin.settings_index",
            "admin.settings_section", "admin.settings_file", "admin.audit"} <= endpoints
    return found


def test_plugin_admin_blueprints_are_covered(app):
    """Blueprints that plugins mount under /admin are part of the matrix."""
    mounted = {name for name, bp in app.blueprints.items()
               if (bp.url_prefix or "").startswith("/admin") and name != "admin"}
    covered = {endpoint.rpartition(".")[0] for _m, _u, endpoint in admin_requests(app)}
    assert mounted <= covered
    if "support" in app.extensions["crm"].infos:
        assert "support_admin" in mounted


def test_anonymous_visitors_are_sent_to_the_login_page(app, client, requests_to_check):
    failures = []
    for method, url, endpoint in requests_to_check:
        response = call(client, method, url)
        location = response.headers.get("Location", "")
        if response.status_code != 302 or "/login" not in location:
            failures.append(f"{method} {url} ({endpoint}): {response.status_code} {location}")
    assert failures == []


@pytest.mark.parametrize("role", ["staff", "member"])
def test_staff_and_non_staff_members_get_403(app, client, factory, auth, requests_to_check, role):
    auth.login(factory.user(role=role))
    failures = []
    for method, url, endpoint in requests_to_check:
        response = call(client, method, url)
        if response.status_code != 403:
            failures.append(f"{method} {url} ({endpoint}): {response.status_code}")
    assert failures == []


def test_admins_are_let_through_without_errors(app, client, factory, auth, requests_to_check):
    admin = factory.admin()
    auth.login(admin)
    failures = []
    for method, url, endpoint in requests_to_check:
        response = call(client, method, url)
        if response.status_code in (403, 500) or (response.status_code == 302 and "/login" in
                                                   response.headers.get("Location", "")):
            failures.append(f"{method} {url} ({endpoint}): {response.status_code}")
    assert failures == []
