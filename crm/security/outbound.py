"""Outbound HTTP requests to addresses an admin typed in (callbacks, webhooks) that cannot reach internal hosts.

:func:`fetch` resolves the host name once, refuses it when any address is
internal (see :mod:`crm.security.addresses`) unless private addresses are
allowed, and connects to the checked address, so a name that resolves
differently a moment later cannot slip past the check. Redirects are
followed by hand and every hop is checked the same way.

``deadline`` bounds the whole exchange, name resolution included: a server
that answers one byte at a time is cut off when the deadline passes, not
when it pauses for longer than a read timeout. The answer's body is capped
at ``max_bytes``.

Failures raise a subclass of :class:`OutboundError`; callers turn them into
their own localized messages. :func:`check_url` runs the same checks without
sending anything, for refusing an internal address when it is saved.
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping
from urllib.parse import SplitResult, urljoin, urlsplit

from crm.security.addresses import in_networks, is_internal

DEFAULT_DEADLINE = 5.0
DEFAULT_MAX_BYTES = 1024 * 1024
DEFAULT_MAX_REDIRECTS = 3
REDIRECTS = (301, 302, 303, 307, 308)
USER_AGENT = "crm-desk"

Resolver = Callable[[str, int], Iterable[str]]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class OutboundError(Exception):
    """Base of every refusal or failure of an outbound request."""


class InvalidURL(OutboundError):
    """The address is not an absolute http or https URL with a host."""


class HostNotFound(OutboundError):
    """The host name does not resolve."""

    def __init__(self, host: str):
        super().__init__(f"{host} could not be resolved")
        self.host = host


class InternalAddress(OutboundError):
    """The host resolves to an internal address and private addresses are not allowed."""

    def __init__(self, host: str, address: str):
        super().__init__(f"{host} resolves to the internal address {address}")
        self.host, self.address = host, address


class DeadlineExceeded(OutboundError):
    """The whole exchange took longer than its deadline."""

    def __init__(self, seconds: float):
        super().__init__(f"no complete answer within {seconds:g} seconds")
        self.seconds = seconds


class ResponseTooLarge(OutboundError):
    """The answer's body is longer than allowed."""

    def __init__(self, limit: int):
        super().__init__(f"the answer is larger than {limit} bytes")
        self.limit = limit


class TooManyRedirects(OutboundError):
    """The server redirected more often than allowed."""


class ConnectionFailed(OutboundError):
    """The connection could not be made, broke, or the answer was not HTTP."""


@dataclass(frozen=True)
class Response:
    """A complete answer: status, headers (lower-case names), the body and the URL that answered."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str

    @property
    def ok(self) -> bool:
        """Whether the status is 2xx."""
        return 200 <= self.status < 300


@dataclass(frozen=True)
class Policy:
    """Which addresses may be reached: ``allow_private`` opens everything; ``allowed_networks`` opens some."""

    allow_private: bool = False
    allowed_networks: tuple[Network, ...] = field(default_factory=tuple)

    def permits(self, address: str) -> bool:
        """Whether a connection to ``address`` is allowed."""
        return self.allow_private or not is_internal(address) or in_networks(address, self.allowed_networks)


class _Deadline:
    """A point in time the whole exchange must end by."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left; raises :class:`DeadlineExceeded` when none are."""
        left = self.ends - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded(self.seconds)
        return left


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to through the system's resolver (an IP literal resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


_resolver_pool: ThreadPoolExecutor | None = None
_resolver_pool_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _resolver_pool
    with _resolver_pool_lock:
        if _resolver_pool is None:
            _resolver_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="outbound-resolve")
        return _resolver_pool


def parse_url(url: str) -> SplitResult:
    """Split an absolute http(s) URL with a host and a valid port, or raise :class:`InvalidURL`."""
    try:
        parts = urlsplit(str(url).strip())
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        raise InvalidURL(url) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidURL(url)
    return parts


def _port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


def _resolve(host: str, port: int, resolver: Resolver, deadline: _Deadline) -> list[str]:
    """The addresses of ``host``, within the deadline (the system resolver cannot be interrupted, so it runs aside)."""
    future = _pool().submit(lambda: list(resolver(host, port)))
    try:
        addresses = future.result(timeout=deadline.remaining())
    except FutureTimeout:
        raise DeadlineExceeded(deadline.seconds) from None
    except (OSError, UnicodeError, ValueError):
        raise HostNotFound(host) from None
    if not addresses:
        raise HostNotFound(host)
    return addresses


def _checked_address(parts: SplitResult, policy: Policy, resolver: Resolver, deadline: _Deadline) -> str:
    """The address to connect to for ``parts``; every address the name resolves to must be permitted."""
    addresses = _resolve(parts.hostname, _port(parts), resolver, deadline)
    for address in addresses:
        if not policy.permits(address):
            raise InternalAddress(parts.hostname, address)
    return addresses[0]


def check_url(url: str, *, allow_private: bool = False, allowed_networks: Iterable[Network] = (),
              deadline: float = DEFAULT_DEADLINE, resolver: Resolver | None = None) -> None:
    """Check that ``url`` is an http(s) URL whose host resolves only to permitted addresses; send nothing.

    Raises :class:`InvalidURL`, :class:`HostNotFound`, :class:`InternalAddress`
    or :class:`DeadlineExceeded`. With ``allow_private`` only the form is checked.
    """
    parts = parse_url(url)
    if allow_private:
        return
    policy = Policy(False, tuple(allowed_networks))
    _checked_address(parts, policy, resolver or system_resolver, _Deadline(deadline))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to an already checked address, keeping the host name for the Host header."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address
        self.pinned_socket = None  # kept for the watchdog: http.client drops ``sock`` for "Connection: close"

    def connect(self):
        self.sock = self.pinned_socket = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to an already checked address; the certificate is verified against the host name."""

    def __init__(self, host, port, address, timeout, context):
        super().__init__(host, port, timeout=timeout, context=context)
        self.address = address
        self.tls_context = context
        self.pinned_socket = None

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        try:
            self.sock = self.pinned_socket = self.tls_context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


class _Watchdog:
    """Shuts a connection's socket down when the deadline passes, ending any read or write stuck on it.

    Socket timeouts apply to each read; a server that sends a byte now and then
    never trips them. Shutting the socket down from this timer does.
    """

    def __init__(self, conn: http.client.HTTPConnection, seconds: float):
        self.conn = conn
        self.fired = False
        self._lock = threading.Lock()
        self._done = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc):
        with self._lock:
            self._done = True
        self._timer.cancel()
        return False

    def _fire(self):
        with self._lock:
            if self._done:
                return
            self.fired = True
            sock = self.conn.pinned_socket
            if sock is not None:
                try:
                    # The plain socket's shutdown, also for TLS: it wakes a blocked read without
                    # touching the TLS object the reading thread is using.
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    pass


def _target(parts: SplitResult) -> str:
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _exchange(url: str, method: str, headers: dict, body: bytes | None, policy: Policy, resolver: Resolver,
              deadline: _Deadline, max_bytes: int, tls_context: ssl.SSLContext | None) -> Response:
    parts = parse_url(url)
    address = _checked_address(parts, policy, resolver, deadline)
    timeout = deadline.remaining()
    if parts.scheme == "https":
        conn = _PinnedHTTPSConnection(parts.hostname, _port(parts), address, timeout,
                                      tls_context or ssl.create_default_context())
    else:
        conn = _PinnedHTTPConnection(parts.hostname, _port(parts), address, timeout)
    try:
        with _Watchdog(conn, timeout) as watchdog:
            try:
                conn.request(method, _target(parts), body=body, headers=headers)
                answer = conn.getresponse()
                declared = answer.getheader("Content-Length")
                if declared and declared.strip().isdigit() and int(declared) > max_bytes:
                    raise ResponseTooLarge(max_bytes)
                data = answer.read(max_bytes + 1) if method != "HEAD" else b""
            except (OSError, http.client.HTTPException, ValueError) as exc:
                if watchdog.fired:
                    raise DeadlineExceeded(deadline.seconds) from None
                if isinstance(exc, (TimeoutError, socket.timeout)):
                    raise DeadlineExceeded(deadline.seconds) from None
                raise ConnectionFailed(str(exc) or exc.__class__.__name__) from None
            if watchdog.fired:
                # A shut-down socket can look like the end of a body sent without a length.
                raise DeadlineExceeded(deadline.seconds)
    finally:
        conn.close()
    if len(data) > max_bytes:
        raise ResponseTooLarge(max_bytes)
    return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, data, url)


def fetch(url: str, *, method: str = "GET", headers: Mapping[str, str] | None = None, body: bytes | None = None,
          deadline: float = DEFAULT_DEADLINE, max_bytes: int = DEFAULT_MAX_BYTES,
          allow_private: bool = False, allowed_networks: Iterable[Network] = (),
          max_redirects: int = DEFAULT_MAX_REDIRECTS, resolver: Resolver | None = None,
          tls_context: ssl.SSLContext | None = None) -> Response:
    """Send one HTTP request to an address that is not internal and return the complete answer.

    :param url: an absolute http or https URL.
    :param method: the HTTP method; redirects are followed for GET and HEAD only
        (any other method gets the redirect itself back).
    :param headers: extra request headers.
    :param body: the request body.
    :param deadline: seconds for everything: resolving, connecting, sending,
        every redirect and reading the whole answer.
    :param max_bytes: the largest body accepted.
    :param allow_private: allow loopback, private, link-local and other internal addresses.
    :param allowed_networks: networks allowed even when private addresses are not.
    :param max_redirects: how many redirects to follow.
    :param resolver: ``resolver(host, port) -> addresses``; the system's resolver by default.
    :param tls_context: the :class:`ssl.SSLContext` for https (default: the system's trusted CAs).
    :return: a :class:`Response` (any status; check ``ok``).
    :raises OutboundError: one of its subclasses.
    """
    clock = _Deadline(deadline)
    policy = Policy(allow_private, tuple(allowed_networks))
    sent = {"User-Agent": USER_AGENT, **(headers or {})}
    method = method.upper()
    current = url
    for _hop in range(max_redirects + 1):
        response = _exchange(current, method, sent, body, policy, resolver or system_resolver, clock, max_bytes,
                             tls_context)
        location = response.headers.get("location")
        if response.status not in REDIRECTS or not location or method not in ("GET", "HEAD"):
            return response
        current = urljoin(current, location)
    raise TooManyRedirects(url)
