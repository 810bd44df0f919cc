"""Browser-test harness: the app served over HTTP in a thread, driven by Debian's chromium through Playwright.

No browser is ever downloaded: Playwright launches ``/usr/bin/chromium``.
Without it (or without the playwright package) the browser tests are
skipped with the reason, unless ``CRM_REQUIRE_BROWSER`` is set, as CI does:
then they fail, so a missing browser cannot pass unnoticed.

Run only these tests with ``pytest -m browser``.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _unavailable(reason: str):
    """Skip, or fail when CI asked for the browser tests to run."""
    if os.environ.get("CRM_REQUIRE_BROWSER"):
        pytest.fail(f"{reason}, and CRM_REQUIRE_BROWSER is set", pytrace=False)
    pytest.skip(f"{reason}; install Debian's chromium (apt-get install chromium) to run the browser tests")


@dataclass
class LiveServer:
    """The address of the app served for the browser."""

    app: object
    host: str
    port: int

    def url(self, path: str = "/") -> str:
        """The absolute URL of ``path`` on the live server."""
        return f"http://{self.host}:{self.port}{path}"


@pytest.fixture
def live_app(make_app, app_plugins):
    """The app the browser talks to: the test database, with CSRF and sessions as in production.

    It shares the database of the ``app`` fixture (data made with ``factory``
    is visible to it), but is a separate app object so that requests served
    in the server thread start from fresh contexts.
    """
    return make_app(plugins=app_plugins, WTF_CSRF_ENABLED=True)


@pytest.fixture
def live_server(live_app):
    """``live_app`` served by werkzeug in a background thread on a free port of 127.0.0.1."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(live_app, "127.0.0.1", server.server_port)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless, launched once per test session."""
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        except Exception as exc:  # noqa: BLE001 - any launch failure means "no usable browser"
            _unavailable(f"{CHROMIUM} could not be started ({exc.__class__.__name__}: {str(exc).splitlines()[0]})")
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab (own cookies) whose relative URLs go to the live server."""
    context = browser.new_context(base_url=live_server.url(""), locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def screenshots(tmp_path_factory):
    """A folder for screenshots; its path is printed so that a failing run can be inspected."""
    folder = tmp_path_factory.mktemp("screenshots")
    yield folder
    print(f"screenshots in {folder}")
