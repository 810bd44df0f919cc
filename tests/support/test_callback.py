"""The customer callback fetch (S-33): real local HTTP servers, address checks, every failure shown, never raised."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from crm import settings
from crm.security import outbound
from plugins.support import callback
from tests.host.test_outbound import ScriptedServer


class CallbackServer:
    """A real HTTP server on a loopback address answering what a test tells it to.

    ``answer`` is ``(status, body bytes, headers)``; ``delay`` seconds are slept
    before answering; ``requests`` collects the query of every request.
    """

    def __init__(self, host="127.0.0.1"):
        self.answer = (200, b"{}", {"Content-Type": "application/json"})
        self.delay = 0.0
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(parse_qs(urlsplit(self.path).query))
                if server.delay:
                    time.sleep(server.delay)
                status, body, headers = server.answer
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{host}:{self.httpd.server_address[1]}/customer"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def json(self, data, status=200):
        self.answer = (status, json.dumps(data).encode(), {"Content-Type": "application/json"})

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    srv = CallbackServer()
    yield srv
    srv.close()


def configure(db, url, allow_private, timeout=2):
    settings.set_many("support", {"callback_url": url, "callback_allow_private": allow_private,
                                  "callback_timeout": timeout})
    db.session.commit()


@pytest.fixture
def resolve_as(monkeypatch):
    """``resolve_as({"name": [addresses]})``: the system's resolver answers these names so (others as usual)."""

    def install(mapping):
        real = outbound.system_resolver
        monkeypatch.setattr(outbound, "system_resolver",
                            lambda host, port: mapping[host] if host in mapping else real(host, port))

    return install


def stored_callback_url():
    return settings.get("support.callback_url")


def test_fetch_shows_the_json_object_as_keys_and_values(app, db, server):
    server.json({"name": "Ahmet Kaya", "orders": 3, "vip": True, "address": {"city": "İzmir"}})
    configure(db, server.url, allow_private=True)
    result = callback.fetch_customer_info("ahmet@example.org")
    assert result.ok, result.error
    assert dict(result.items) == {"name": "Ahmet Kaya", "orders": "3", "vip": "true",
                                  "address": '{"city": "İzmir"}'}
    assert server.requests == [{"email": ["ahmet@example.org"]}]


# refused when saved -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/customer", "http://localhost/customer", "http://[::1]/x", "http://169.254.169.254/latest",
    "http://[2002:7f00:1::1]/customer",      # 6to4 carrying 127.0.0.1
    "http://[2002:a9fe:a9fe::]/customer",    # 6to4 carrying the metadata service
    "http://[::ffff:10.0.0.1]/x", "http://[64:ff9b::a9fe:a9fe]/x", "http://0.0.0.0/x",
])
def test_an_internal_callback_url_is_refused_when_saved(app, db, url):
    with pytest.raises(settings.SettingsInvalid) as caught:
        configure(db, url, allow_private=False)
    assert "is an internal address" in caught.value.errors["callback_url"]
    db.session.rollback()
    assert stored_callback_url() == ""
    configure(db, url, allow_private=True)  # an admin who allows private addresses may save it
    assert stored_callback_url() == url


def test_a_name_resolving_to_a_private_address_is_refused_when_saved(app, db, resolve_as):
    resolve_as({"crm.corp.example": ["93.184.216.34", "10.0.0.5"]})
    with pytest.raises(settings.SettingsInvalid) as caught:
        configure(db, "https://crm.corp.example/customer", allow_private=False)
    assert caught.value.errors == {"callback_url": "crm.corp.example is an internal address; "
                                                   "allow private addresses to use it."}


def test_private_addresses_cannot_be_switched_off_under_an_internal_url(app, db):
    configure(db, "http://127.0.0.1:9/customer", allow_private=True)
    with pytest.raises(settings.SettingsInvalid) as caught:
        settings.set_many("support", {"callback_allow_private": False})
    assert "is an internal address" in caught.value.errors["callback_allow_private"]
    db.session.rollback()
    assert settings.get("support.callback_allow_private") is True


def test_a_public_callback_url_is_saved(app, db, resolve_as):
    resolve_as({"crm.example.com": ["93.184.216.34"]})
    configure(db, "https://crm.example.com/customer", allow_private=False)
    assert stored_callback_url() == "https://crm.example.com/customer"


@pytest.mark.parametrize("url", ["ftp://example.com/x", "http://", "http://x:99999/", "example.com/x"])
def test_a_callback_url_that_is_not_http_is_refused_when_saved(app, db, url):
    with pytest.raises(settings.SettingsInvalid) as caught:
        configure(db, url, allow_private=True)
    assert set(caught.value.errors) == {"callback_url"}


def test_the_admin_page_shows_the_refusal_beside_the_field(app, db, client, auth, factory):
    auth.login(factory.admin())
    response = client.post("/admin/settings/support/callback", data={
        "callback_url": "http://[2002:7f00:1::1]:8080/customer", "callback_timeout": "5"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "is an internal address" in html
    assert stored_callback_url() == ""
    response = client.post("/admin/settings/support/callback", data={
        "callback_url": "http://[2002:7f00:1::1]:8080/customer", "callback_timeout": "5",
        "callback_allow_private": "y"})
    assert response.status_code == 302
    assert stored_callback_url() == "http://[2002:7f00:1::1]:8080/customer"


# refused when fetched ---------------------------------------------------------------------------------


def test_an_address_that_became_internal_after_saving_is_refused_when_fetched(app, db, server, resolve_as):
    """DNS may change between saving and fetching: the fetch checks again and never contacts the server."""
    port = server.url.split(":")[2].split("/")[0]
    resolve_as({"crm.example.com": ["93.184.216.34"]})
    configure(db, f"http://crm.example.com:{port}/customer", allow_private=False)
    resolve_as({"crm.example.com": ["127.0.0.1"]})
    result = callback.fetch_customer_info("ahmet@example.org")
    assert not result.ok
    assert result.error == ("The callback address crm.example.com is internal; an administrator must allow "
                            "private addresses to use it.")
    assert server.requests == [], "the refused server must not be contacted at all"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[2002:7f00:1::1]", "[::ffff:127.0.0.1]"])
def test_fetch_refuses_internal_addresses_unless_allowed(app, server, host):
    server.json({"name": "Ahmet"})
    url = server.url.replace("127.0.0.1", host)
    result = callback.fetch(url, "ahmet@example.org", timeout=2, allow_private=False)
    assert not result.ok and "internal" in result.error
    assert server.requests == []
    if host in ("127.0.0.1", "localhost"):
        assert callback.fetch(url, "ahmet@example.org", timeout=2, allow_private=True).ok
        assert len(server.requests) == 1


def test_timeout_is_reported(app, db, server):
    server.delay = 2.5
    server.json({"name": "late"})
    configure(db, server.url, allow_private=True, timeout=1)
    started = time.monotonic()
    result = callback.fetch_customer_info("ahmet@example.org")
    assert time.monotonic() - started < 2.4
    assert not result.ok
    assert result.error == "The callback did not answer within 1 second."


def test_the_timeout_bounds_the_whole_answer_not_each_read(app, db):
    """A server sending one byte every 0.3 s never pauses long enough for a read timeout; it is cut all the same."""
    drip = ScriptedServer([(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{", 0)]
                          + [(b" ", 0.3)] * 200)
    try:
        configure(db, drip.url, allow_private=True, timeout=1)
        started = time.monotonic()
        result = callback.fetch_customer_info("ahmet@example.org")
        assert time.monotonic() - started < 2
        assert result.error == "The callback did not answer within 1 second."
    finally:
        drip.close()


def test_an_answer_too_large_is_reported(app, db, server):
    server.answer = (200, b'{"a": "' + b"x" * (callback.MAX_BODY_BYTES + 10) + b'"}', {})
    configure(db, server.url, allow_private=True)
    result = callback.fetch_customer_info("ahmet@example.org")
    assert not result.ok and result.error == "The callback's answer is too large."


def test_a_redirect_is_followed(app, db):
    first, second = CallbackServer("127.0.0.1"), CallbackServer("127.0.0.2")
    try:
        second.json({"found": "after a redirect"})
        first.answer = (302, b"", {"Location": second.url})
        result = callback.fetch(first.url, "ahmet@example.org", timeout=2, allow_private=True)
        assert result.ok and dict(result.items) == {"found": "after a redirect"}
        assert len(first.requests) == 1 and len(second.requests) == 1
    finally:
        first.close()
        second.close()


def test_bad_json_is_reported(app, db, server):
    server.answer = (200, b"<html>not json</html>", {"Content-Type": "text/html"})
    configure(db, server.url, allow_private=True)
    result = callback.fetch_customer_info("ahmet@example.org")
    assert not result.ok and result.error == "The callback did not answer with JSON."


def test_a_json_list_is_not_a_customer(app, db, server):
    server.json([1, 2, 3])
    configure(db, server.url, allow_private=True)
    result = callback.fetch_customer_info("ahmet@example.org")
    assert not result.ok and "JSON object" in result.error


def test_error_status_is_reported(app, db, server):
    server.json({"error": "nope"}, status=503)
    configure(db, server.url, allow_private=True)
    result = callback.fetch_customer_info("ahmet@example.org")
    assert not result.ok and "503" in result.error


def test_connection_refused_is_reported(app, db):
    gone = CallbackServer()
    gone.close()
    configure(db, gone.url, allow_private=True)
    result = callback.fetch_customer_info("ahmet@example.org")
    assert not result.ok and result.error == "Could not connect to the callback."


def test_unknown_host_is_reported(app, db):
    configure(db, "http://no-such-host.invalid/customer", allow_private=True)
    result = callback.fetch_customer_info("ahmet@example.org")
    assert not result.ok and "could not be found" in result.error


def test_no_url_configured(app, db):
    result = callback.fetch_customer_info("ahmet@example.org")
    assert not result.ok and result.error == "No callback URL is configured."


def test_non_http_urls_are_refused(app):
    result = callback.fetch("ftp://example.org/x", "a@example.org", allow_private=True)
    assert not result.ok and "http" in result.error
