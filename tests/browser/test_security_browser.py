"""The Content Security Policy in a real browser: the desk's pages run their scripts and break no rule, an
injected inline script does not run, a planted CSS url() loads nothing, and confirmations still ask."""
from __future__ import annotations

import re

import pytest
from flask import render_template_string

import plugins.support.plugin as support_plugin
from tests.conftest import PASSWORD
from tests.support.test_callback import CallbackServer

pytestmark = pytest.mark.browser

PROBE = """{% extends "crm/base.html" %}{% block content %}
<p id="planted" style="background:url({{ foreign }}/planted.png)">planted</p>
<script>document.title = "inline script ran";</script>
<form method="post" action="{{ url_for('probe_confirm') }}" data-confirm="Really do it?">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  <button id="go">Go</button>
</form>
<p id="result">{{ result }}</p>
{% endblock %}"""


@pytest.fixture
def app_plugins():
    return [support_plugin]


@pytest.fixture
def foreign():
    """A server of another origin that a planted url(...) would load from."""
    server = CallbackServer()
    yield server
    server.close()


@pytest.fixture
def live_app(make_app, app_plugins, foreign):
    """The live app with a probe page holding what the policy must stop, and a form that asks first."""
    app = make_app(plugins=app_plugins, WTF_CSRF_ENABLED=True)
    origin = foreign.url.rsplit("/", 1)[0]

    @app.route("/probe-confirm", methods=["GET", "POST"], endpoint="probe_confirm")
    def probe():
        from flask import request

        return render_template_string(PROBE, foreign=origin, result="posted" if request.method == "POST" else "")

    return app


def _violations(page) -> list[str]:
    found = []
    page.on("console", lambda message: found.append(message.text)
            if "Content Security Policy" in message.text else None)
    return found


def _sign_in(page, email):
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/login)"))


def test_the_desk_pages_break_no_rule_of_the_policy(page, factory):
    violations = _violations(page)
    support = factory.department("Support")
    admin = factory.admin(departments=[support])
    _sign_in(page, admin.email)
    for path in ("/profile", "/notifications/", "/admin/", "/admin/settings/support/callback",
                 "/admin/support/statuses", "/support/tickets"):
        response = page.goto(path)
        assert response.status == 200, path
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
    page.goto("/support/tickets/new")
    page.wait_for_url(re.compile(r"/support/tickets/new/\w{32}/1$"))
    page.click(".wizard-buttons button[value=next]")
    page.wait_for_url(re.compile(r"/2$"))
    page.fill("input[name=customer_name]", "Ahmet Kaya")
    page.fill("input[name=customer_email]", "ahmet@example.org")
    page.fill("textarea[name=description]", "Called about order 42.")
    page.click(".wizard-buttons button[value=next]")
    page.wait_for_url(re.compile(r"/3$"))
    # the wizard's script (a static file) runs: only the chosen kind of assignee is shown
    page.check("input[name=assign_to][value=team]")
    assert page.is_visible("select[name=assignee_department_id]")
    assert not page.is_visible("select[name=assignee_user_id]")
    assert violations == []


def test_inline_script_and_foreign_css_are_blocked_and_confirmations_still_ask(page, factory, foreign):
    violations = _violations(page)
    _sign_in(page, factory.user().email)
    page.goto("/probe-confirm")
    assert page.title() != "inline script ran"
    assert page.is_visible("#planted")
    page.wait_for_timeout(300)
    assert foreign.requests == [], "the planted url(...) was loaded"
    assert any("script" in v for v in violations) and any("img-src" in v for v in violations)

    questions = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.click("#go")
    page.wait_for_timeout(300)
    assert questions == ["Really do it?"]
    assert page.inner_text("#result") == ""  # dismissed: nothing was posted

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("#go")
    assert page.inner_text("#result") == "posted"
