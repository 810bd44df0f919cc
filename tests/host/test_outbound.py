"""The host's outbound HTTP client (SPEC Q-3): real servers on 127.0.0.1, a stub resolver for the addresses a test
may not reach; a total deadline, a size cap, and the address check on every resolution and redirect."""
from __future__ import annotations

import ipaddress
import socket
import socketserver
import ssl
import threading
import time

import pytest

from crm.security import outbound
from crm.security.addresses import embedded_ipv4, is_internal

LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)


class ScriptedServer:
    """A TCP server on 127.0.0.1 that reads a request and answers with ``script``: (bytes, pause) pairs.

    ``connections`` counts accepted connections; ``requests`` keeps each
    request's first line.
    """

    def __init__(self, script=(), tls_context: ssl.SSLContext | None = None):
        self.script = list(script)
        self.connections = 0
        self.requests: list[str] = []
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                server.connections += 1
                sock = self.request
                try:
                    if tls_context is not None:
                        sock = tls_context.wrap_socket(sock, server_side=True)
                    data = b""
                    while b"\r\n\r\n" not in data:
                        chunk = sock.recv(4096)
                        if not chunk:
                            return
                        data += chunk
                    server.requests.append(data.split(b"\r\n", 1)[0].decode())
                    for part, pause in server.script_for(data):
                        if pause:
                            time.sleep(pause)
                        sock.sendall(part)
                except OSError:
                    pass  # the client gave up
                finally:
                    try:
                        sock.close()
                    except OSError:
                        pass

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.tcp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.tcp.daemon_threads = True
        self.port = self.tcp.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        threading.Thread(target=self.tcp.serve_forever, daemon=True).start()

    def script_for(self, request: bytes):
        return self.script

    def answer(self, status=200, body=b"{}", headers=None):
        head = f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
        for name, value in (headers or {}).items():
            head += f"{name}: {value}\r\n"
        self.script = [((head + "\r\n").encode() + body, 0)]

    def close(self):
        self.tcp.shutdown()
        self.tcp.server_close()


@pytest.fixture
def server():
    srv = ScriptedServer()
    yield srv
    srv.close()


def stub(mapping):
    """A resolver answering from ``mapping`` (host -> list of addresses); other names do not exist."""
    asked = []

    def resolve(host, port):
        asked.append(host)
        if host not in mapping:
            raise socket.gaierror(socket.EAI_NONAME, "not found")
        return mapping[host]

    resolve.asked = asked
    return resolve


# answers -----------------------------------------------------------------------------------------


def test_a_complete_answer_comes_back(server):
    server.answer(200, b'{"ok": true}', {"Content-Type": "application/json"})
    response = outbound.fetch(server.url + "?a=1", allow_private=True, headers={"Accept": "application/json"})
    assert response.ok and response.status == 200 and response.body == b'{"ok": true}'
    assert response.headers["content-type"] == "application/json"
    assert server.requests == ["GET /hook?a=1 HTTP/1.1"]


def test_a_post_sends_its_body_and_does_not_follow_a_redirect(server):
    server.answer(302, b"", {"Location": "/elsewhere"})
    response = outbound.fetch(server.url, method="POST", body=b"x=1", allow_private=True)
    assert response.status == 302 and server.requests == ["POST /hook HTTP/1.1"]


# addresses ---------------------------------------------------------------------------------------


def test_loopback_is_refused_before_connecting(server):
    server.answer()
    with pytest.raises(outbound.InternalAddress) as caught:
        outbound.fetch(server.url)
    assert caught.value.address == "127.0.0.1"
    assert server.connections == 0


def test_a_name_resolving_to_loopback_is_refused_before_connecting(server):
    server.answer()
    with pytest.raises(outbound.InternalAddress):
        outbound.fetch(server.url.replace("127.0.0.1", "localhost"))
    assert server.connections == 0


INTERNAL = [
    "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "169.254.169.254", "0.0.0.0", "127.8.9.10",
    "224.0.0.1", "240.0.0.1", "::1", "::", "fe80::1", "fe80::1%eth0", "fc00::1", "fd12:3456::1", "fec0::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
    "2002:7f00:1::1",            # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::",          # 6to4 of the metadata service
    "2002:c0a8:101::1",          # 6to4 of 192.168.1.1
    "64:ff9b::a9fe:a9fe",        # NAT64 of the metadata service
    "64:ff9b::7f00:1",           # NAT64 of loopback
    "64:ff9b:1::808:808",        # local-use NAT64 prefix
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "::7f00:1", "::ffff:0:7f00:1",
]


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_addresses_from_the_resolver_are_refused_before_any_connection(address, monkeypatch):
    connected = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connected.append(a))
    resolver = stub({"hook.example.com": [address]})
    with pytest.raises(outbound.InternalAddress) as caught:
        outbound.fetch("https://hook.example.com/x", resolver=resolver)
    assert caught.value.address == address and connected == []
    with pytest.raises(outbound.InternalAddress):
        outbound.check_url("https://hook.example.com/x", resolver=resolver)
    assert is_internal(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8",
                                     "64:ff9b::808:808", "2002:808:808::1"])
def test_public_addresses(address):
    assert not is_internal(address)


def test_the_embedded_ipv4_addresses_are_found():
    assert embedded_ipv4(ipaddress.ip_address("2002:a9fe:a9fe::")) == [ipaddress.ip_address("169.254.169.254")]
    assert ipaddress.ip_address("192.0.2.45") in embedded_ipv4(
        ipaddress.ip_address("2001:0:4136:e378:8000:63bf:3fff:fdd2"))


def test_one_internal_address_among_public_ones_refuses_the_host(monkeypatch):
    connected = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connected.append(a))
    resolver = stub({"mixed.example.com": ["93.184.216.34", "10.0.0.7"]})
    with pytest.raises(outbound.InternalAddress) as caught:
        outbound.fetch("http://mixed.example.com/", resolver=resolver)
    assert caught.value.address == "10.0.0.7" and connected == []


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(server):
    """A name is resolved once: the answer that was checked is the one connected to (no DNS rebinding)."""
    server.answer(200, b"pinned")
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])
    calls = []

    def rebinding(host, port):
        calls.append(host)
        return next(answers)

    response = outbound.fetch(f"http://hook.example.com:{server.port}/", resolver=rebinding,
                              allowed_networks=LOOPBACK)
    assert response.body == b"pinned" and calls == ["hook.example.com"]
    assert server.requests == ["GET / HTTP/1.1"]


def test_a_redirect_to_an_internal_address_is_refused():
    first, second = ScriptedServer(), ScriptedServer()
    try:
        second.answer(200, b"secret")
        first.answer(302, b"", {"Location": f"http://127.0.0.2:{second.port}/inside"})
        with pytest.raises(outbound.InternalAddress):
            outbound.fetch(first.url, allowed_networks=LOOPBACK)
        assert first.requests == ["GET /hook HTTP/1.1"] and second.connections == 0
    finally:
        first.close()
        second.close()


def test_a_redirect_to_a_name_is_resolved_and_checked_again(server):
    server.answer(301, b"", {"Location": "http://metadata.example.com/latest"})
    resolver = stub({"metadata.example.com": ["169.254.169.254"]})
    with pytest.raises(outbound.InternalAddress):
        outbound.fetch(server.url, allowed_networks=LOOPBACK, resolver=lambda h, p: (
            ["127.0.0.1"] if h == "127.0.0.1" else resolver(h, p)))
    assert resolver.asked == ["metadata.example.com"]


def test_redirects_are_limited(server):
    server.answer(302, b"", {"Location": "/hook"})
    with pytest.raises(outbound.TooManyRedirects):
        outbound.fetch(server.url, allow_private=True, max_redirects=2)
    assert len(server.requests) == 3


def test_a_redirect_to_another_scheme_is_refused(server):
    server.answer(302, b"", {"Location": "file:///etc/passwd"})
    with pytest.raises(outbound.InvalidURL):
        outbound.fetch(server.url, allow_private=True)


# the deadline ------------------------------------------------------------------------------------


def _drip(head: bytes, body_byte=b"x", pause=0.25, count=400):
    return [(head, 0)] + [(body_byte, pause)] * count


@pytest.mark.parametrize("head", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n",     # a body with a length
    b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",          # a body read until the connection closes
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n",
    b"",                                                      # not even the status line at once
])
def test_a_server_dripping_one_byte_at_a_time_is_cut_at_the_deadline(server, head):
    server.script = _drip(head)
    started = time.monotonic()
    with pytest.raises(outbound.DeadlineExceeded):
        outbound.fetch(server.url, allow_private=True, deadline=1.5)
    assert time.monotonic() - started < 2.5


def test_dripped_headers_are_cut_at_the_deadline(server):
    server.script = [(b"HTTP/1.1 200 OK\r\n", 0)] + [(b"X-Slow: y\r\n", 0.25)] * 400
    started = time.monotonic()
    with pytest.raises(outbound.DeadlineExceeded):
        outbound.fetch(server.url, allow_private=True, deadline=1)
    assert time.monotonic() - started < 2


def test_the_deadline_covers_every_redirect(server):
    server.script = [(b"HTTP/1.1 302 Found\r\nLocation: /hook\r\nContent-Length: 0\r\n\r\n", 0.4)]
    started = time.monotonic()
    with pytest.raises(outbound.DeadlineExceeded):
        outbound.fetch(server.url, allow_private=True, deadline=1, max_redirects=10)
    assert time.monotonic() - started < 1.8


def test_a_slow_resolver_counts_against_the_deadline():
    def slow(host, port):
        time.sleep(3)
        return ["93.184.216.34"]

    started = time.monotonic()
    with pytest.raises(outbound.DeadlineExceeded):
        outbound.fetch("http://slow.example.com/", resolver=slow, deadline=0.5)
    assert time.monotonic() - started < 1.5


def test_an_answer_in_time_is_not_cut(server):
    server.script = _drip(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n", pause=0.1, count=4)
    assert outbound.fetch(server.url, allow_private=True, deadline=3).body == b"xxxx"


# size --------------------------------------------------------------------------------------------


def test_a_declared_length_over_the_cap_is_refused_without_reading(server):
    server.script = [(b"HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n", 0)]
    with pytest.raises(outbound.ResponseTooLarge):
        outbound.fetch(server.url, allow_private=True, max_bytes=1000)


@pytest.mark.parametrize("head", [b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",
                                  b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2000\r\n"])
def test_an_undeclared_body_over_the_cap_is_refused(server, head):
    server.script = [(head + b"y" * 8192, 0)]
    with pytest.raises(outbound.ResponseTooLarge):
        outbound.fetch(server.url, allow_private=True, max_bytes=1000)


# failures and the form of the address ------------------------------------------------------------


def test_a_refused_connection_is_reported():
    gone = ScriptedServer()
    gone.close()
    with pytest.raises(outbound.ConnectionFailed):
        outbound.fetch(gone.url, allow_private=True)


def test_an_unknown_host_is_reported():
    with pytest.raises(outbound.HostNotFound):
        outbound.fetch("http://nowhere.example.com/", resolver=stub({}))
    with pytest.raises(outbound.HostNotFound):
        outbound.check_url("http://nowhere.example.com/", resolver=stub({}))


@pytest.mark.parametrize("url", ["ftp://example.com/", "http://", "example.com", "http://x:99999/", "http://x:port/",
                                 "javascript:alert(1)", ""])
def test_only_http_and_https_urls(url):
    with pytest.raises(outbound.InvalidURL):
        outbound.fetch(url, allow_private=True)
    with pytest.raises(outbound.InvalidURL):
        outbound.check_url(url, allow_private=True)


def test_check_url_with_private_addresses_allowed_resolves_nothing():
    resolver = stub({})
    outbound.check_url("http://intranet.local/x", allow_private=True, resolver=resolver)
    assert resolver.asked == []
    outbound.check_url("https://hook.example.com/", resolver=stub({"hook.example.com": ["93.184.216.34"]}))


# https -------------------------------------------------------------------------------------------


def test_https_connects_to_the_checked_address_and_verifies_the_name():
    import trustme  # a test dependency (setup.cfg): missing, the test fails instead of skipping
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("hook.example.com").configure_cert(server_context)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)
    srv = ScriptedServer(tls_context=server_context)
    try:
        srv.answer(200, b"over tls")
        resolver = stub({"hook.example.com": ["127.0.0.1"], "other.example.com": ["127.0.0.1"]})
        response = outbound.fetch(f"https://hook.example.com:{srv.port}/", resolver=resolver,
                                  allowed_networks=LOOPBACK, tls_context=client_context)
        assert response.body == b"over tls"
        with pytest.raises(outbound.ConnectionFailed):  # the certificate names another host
            outbound.fetch(f"https://other.example.com:{srv.port}/", resolver=resolver,
                           allowed_networks=LOOPBACK, tls_context=client_context)
        srv.script = _drip(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        started = time.monotonic()
        with pytest.raises(outbound.DeadlineExceeded):
            outbound.fetch(f"https://hook.example.com:{srv.port}/", resolver=resolver,
                           allowed_networks=LOOPBACK, tls_context=client_context, deadline=1)
        assert time.monotonic() - started < 2
    finally:
        srv.close()
