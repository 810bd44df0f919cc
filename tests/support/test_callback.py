"""The customer callback fetch (S-33): real local HTTP servers, address checks, every failure shown, never raised."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from crm import settings
from plugins.support import callback


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


def test_fetch_shows_the_json_object_as_keys_and_values(app, db, server):
    server.json({"name": "Ahmet Kaya", "orders": 3, "vip": True, "address": {"city": "İzmir"}})
    configure(db, server.url, allow_private=True)
    result = callback.fetch_customer_info("ahmet@example.org")
    assert result.ok, result.error
    assert dict(result.items) == {"name": "Ahmet Kaya", "orders": "3", "vip": "true",
                                  "address": '{"city": "İzmir"}'}
    assert server.requests == [{"email": ["ahmet@example.org"]}]


def test_loopback_is_refused_unless_private_addresses_are_allowed(app, db, server):
    server.json({"name": "Ahmet"})
    configure(db, server.url, allow_private=False)
    result = callback.fetch_customer_info("ahmet@example.org")
    assert not result.ok
    assert "internal" in result.error
    assert server.requests == [], "the refused server must not be contacted at all"
    configure(db, server.url, allow_private=True)
    assert callback.fetch_customer_info("ahmet@example.org").ok
    assert len(server.requests) == 1


def test_a_host_name_resolving_to_loopback_is_refused(app, db, server):
    configure(db, server.url.replace("127.0.0.1", "localhost"), allow_private=False)
    result = callback.fetch_customer_info("ahmet@example.org")
    assert not result.ok and "internal" in result.error
    assert server.requests == []


def test_timeout_is_reported(app, db, server):
    server.delay = 2.5
    server.json({"name": "late"})
    configure(db, server.url, allow_private=True, timeout=1)
    started = time.monotonic()
    result = callback.fetch_customer_info("ahmet@example.org")
    assert time.monotonic() - started < 2.4
    assert not result.ok
    assert result.error == "The callback did not answer within 1 second."


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


def test_redirect_to_an_internal_address_is_refused(app, db, monkeypatch):
    """A public-looking first hop may not send the fetch on to an internal address."""
    first, second = CallbackServer("127.0.0.1"), CallbackServer("127.0.0.2")
    try:
        second.json({"secret": "internal"})
        first.answer = (302, b"", {"Location": second.url})
        real = callback.address_is_internal
        # Treat the first server as a public host; every other address is judged for real.
        monkeypatch.setattr(callback, "address_is_internal", lambda a: a != "127.0.0.1" and real(a))
        result = callback.fetch(first.url, "ahmet@example.org", timeout=2, allow_private=False)
        assert not result.ok and "internal" in result.error
        assert len(first.requests) == 1 and second.requests == []
        result = callback.fetch(first.url, "ahmet@example.org", timeout=2, allow_private=True)
        assert result.ok and dict(result.items) == {"secret": "internal"}
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
    "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "224.0.0.1", "240.0.0.1",
])
def test_internal_addresses(address):
    assert callback.address_is_internal(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses(address):
    assert not callback.address_is_internal(address)


def test_non_http_urls_are_refused(app):
    result = callback.fetch("ftp://example.org/x", "a@example.org", allow_private=True)
    assert not result.ok and "http" in result.error
