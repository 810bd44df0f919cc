"""Security headers (SPEC Q-3): a Content Security Policy without inline script on every page, no framing, no
sniffing, no referrer to other sites, and nothing with personal data kept in a cache."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_FOLDERS = [ROOT / "crm", ROOT / "plugins", ROOT / "examples"]


@pytest.fixture
def app_plugins():
    return []


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.partition(" ")[2] for part in (p.strip() for p in policy.split(";")) if part}


def assert_common(response):
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_forbid_inline_script_framing_and_foreign_sources(client):
    response = client.get("/login")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert_common(response)
    policy = directives(response)
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert policy["base-uri"] == "'self'"
    assert policy["img-src"] == "'self' data:"  # a colour cannot smuggle url(...) to another host
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_signed_in_pages_are_not_stored(client, auth, factory):
    auth.login(factory.admin())
    for path in ("/profile", "/admin/", "/notifications/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
        assert_common(response)
        assert directives(response)["script-src"] == "'self'"


def test_error_pages_carry_the_headers_too(client):
    for response in (client.get("/nowhere"), client.get("/login", headers={"Host": "evil.test"})):
        assert response.status_code in (404, 400)
        assert_common(response)
        assert directives(response)["frame-ancestors"] == "'none'"
        assert response.headers["Cache-Control"] == "no-store"


def test_other_answers_get_a_policy_that_allows_nothing(client):
    response = client.get("/healthz")
    assert response.mimetype == "application/json"
    assert_common(response)
    assert directives(response) == {"default-src": "'none'", "frame-ancestors": "'none'", "sandbox": ""}
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_stay_cacheable(client):
    response = client.get("/static/crm/crm.js")
    assert response.status_code == 200
    assert_common(response)
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_https_deployments_ask_for_https_only(make_app):
    app = make_app(plugins=[], BASE_URL="https://desk.example.com")
    response = app.test_client().get("/login", headers={"Host": "desk.example.com"})
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    local = make_app(plugins=[]).test_client().get("/login")
    assert "Strict-Transport-Security" not in local.headers


def test_the_policy_can_be_configured(make_app):
    app = make_app(plugins=[], CONTENT_SECURITY_POLICY="default-src 'self'; frame-ancestors 'none'")
    assert app.test_client().get("/login").headers["Content-Security-Policy"] == \
        "default-src 'self'; frame-ancestors 'none'"


def templates():
    return sorted(p for folder in TEMPLATE_FOLDERS for p in folder.rglob("*.html") if ".venv" not in p.parts)


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I | re.S)
JAVASCRIPT_URL = re.compile(r"""(href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_inline_script(path):
    """The policy would block it: scripts live in static .js files, handlers are attached there."""
    text = path.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text), "move the <script> into a static .js file"
    assert not EVENT_HANDLER.search(text), "attach the handler from a static .js file (e.g. data-confirm)"
    assert not JAVASCRIPT_URL.search(text)


def test_a_view_keeps_its_own_stricter_policy(make_app):
    """A stored HTML file served with a sandbox must not get the pages' policy, which allows same-origin script."""
    app = make_app(plugins=[])

    @app.get("/probe-file")
    def probe():
        return "<script>alert(1)</script>", 200, {
            "Content-Type": "text/html", "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store"}

    response = app.test_client().get("/probe-file")
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert_common(response)
