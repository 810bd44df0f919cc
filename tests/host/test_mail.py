"""Outgoing mail against a real local SMTP server: each SMTP and sender setting changes what happens."""
from __future__ import annotations

import socket
import ssl
from email import message_from_bytes, policy
from email.utils import parseaddr

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from crm import settings
from crm.extensions import db as _db
from crm.notify.outbox import OutboxMessage, queue_email
from crm.notify.relay import relay

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
AUTH_SERVER = {"auth_required": True, "auth_require_tls": False, "auth_exclude_mechanism": ["LOGIN"]}


def free_port() -> int:
    """A local TCP port nobody listens on (for a server that is down, or to start one on)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages = []
        self.envelopes = []
        self.tls = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content, policy=policy.default))
        self.tls.append(session.ssl is not None)
        return "250 Message accepted"


class SmtpServer:
    """A running local SMTP server: ``port``, ``inbox`` and ``stop()``."""

    def __init__(self, port: int | None = None, **options):
        self.inbox = Inbox()
        self.port = port or free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()

    @property
    def messages(self):
        return self.inbox.messages

    def stop(self):
        self.controller.stop()


@pytest.fixture
def smtp_servers():
    """Start servers with ``smtp_servers(**controller options)``; all are stopped after the test."""
    started = []

    def start(port=None, **options):
        server = SmtpServer(port, **options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def smtp_server(smtp_servers):
    return smtp_servers()


@pytest.fixture
def app(make_app):
    """The host alone, tasks not run on commit: each test runs the relay itself."""
    application = make_app(plugins=[], QUEUE_IMMEDIATE=False, SMTP_TIMEOUT=5)
    with application.app_context():
        yield application


def use_smtp(port: int, **values) -> None:
    """Point the outgoing-mail settings at a local server."""
    settings.set_many("crm", {"smtp_host": "127.0.0.1", "smtp_port": port, **values})
    _db.session.commit()


def queue(subject="Hello", to="customer@example.org", **kwargs) -> int:
    row = queue_email(to, subject, kwargs.pop("text", "Plain body"), **kwargs)
    _db.session.commit()
    return row.id


def outbox_row(row_id: int) -> OutboxMessage:
    _db.session.expire_all()
    return _db.session.get(OutboxMessage, row_id)


@pytest.fixture(scope="module")
def certificate_authority():
    return trustme.CA()


@pytest.fixture
def tls(app, certificate_authority, tmp_path):
    """A server TLS context for 127.0.0.1 whose authority the app trusts (``MAIL_SSL_CAFILE``)."""
    cafile = tmp_path / "ca.pem"
    certificate_authority.cert_pem.write_to_path(str(cafile))
    app.config["MAIL_SSL_CAFILE"] = str(cafile)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


# host and port ---------------------------------------------------------------

def test_host_setting_sends_through_smtp_instead_of_the_mail_folder(app, smtp_server):
    use_smtp(smtp_server.port)
    row_id = queue()
    relay()
    assert len(smtp_server.messages) == 1
    assert outbox_row(row_id).status == "sent"
    from pathlib import Path

    mail_dir = Path(app.config["MAIL_DIR"])
    assert not mail_dir.exists() or not list(mail_dir.glob("*.eml"))


def test_port_setting_chooses_the_server(app, smtp_servers):
    first, second = smtp_servers(), smtp_servers()
    use_smtp(second.port)
    queue()
    relay()
    assert (len(first.messages), len(second.messages)) == (0, 1)


def test_host_setting_chooses_the_machine(app, smtp_server):
    # The server listens on 127.0.0.1 only; the same port on 127.0.0.2 has nobody.
    settings.set_many("crm", {"smtp_host": "127.0.0.2", "smtp_port": smtp_server.port})
    _db.session.commit()
    row_id = queue()
    relay()
    assert smtp_server.messages == []
    assert outbox_row(row_id).status == "pending"


# connection security ---------------------------------------------------------

def test_starttls_setting_upgrades_the_connection(app, smtp_servers, tls):
    server = smtp_servers(tls_context=tls, require_starttls=True)
    use_smtp(server.port, smtp_security="starttls")
    row_id = queue()
    relay()
    assert outbox_row(row_id).status == "sent"
    assert server.inbox.tls == [True]


def test_without_starttls_a_server_that_requires_it_refuses(app, smtp_servers, tls):
    server = smtp_servers(tls_context=tls, require_starttls=True)
    use_smtp(server.port, smtp_security="none")
    row_id = queue()
    relay()
    assert server.messages == []
    row = outbox_row(row_id)
    assert row.status == "pending" and row.attempts == 1
    assert "STARTTLS" in row.last_error


def test_ssl_setting_speaks_tls_from_the_first_byte(app, smtp_servers, tls):
    server = smtp_servers(ssl_context=tls)
    use_smtp(server.port, smtp_security="ssl")
    row_id = queue()
    relay()
    assert outbox_row(row_id).status == "sent"
    assert len(server.messages) == 1


def test_plain_smtp_to_an_ssl_port_fails(app, smtp_servers, tls):
    server = smtp_servers(ssl_context=tls)
    app.config["SMTP_TIMEOUT"] = 2
    use_smtp(server.port, smtp_security="none")
    row_id = queue()
    relay()
    assert server.messages == []
    assert outbox_row(row_id).status == "pending"


def test_tls_certificate_is_verified(app, smtp_servers, tls):
    server = smtp_servers(ssl_context=tls)
    app.config["MAIL_SSL_CAFILE"] = None  # the system's authorities do not know the test CA
    use_smtp(server.port, smtp_security="ssl")
    row_id = queue()
    relay()
    assert server.messages == []
    assert "CERTIFICATE_VERIFY_FAILED" in outbox_row(row_id).last_error


# authentication ----------------------------------------------------------------

class Accounts:
    """An aiosmtpd authenticator with one account; remembers who logged in."""

    def __init__(self, login: str, password: str):
        self.login, self.password, self.seen = login, password, []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.seen.append(login)
        return AuthResult(success=(login, password) == (self.login, self.password), handled=False)


def test_username_and_password_log_in(app, smtp_servers):
    accounts = Accounts("relay-user", "s3cret-pass")
    server = smtp_servers(authenticator=accounts, **AUTH_SERVER)
    use_smtp(server.port, smtp_username="relay-user", smtp_password="s3cret-pass")
    row_id = queue()
    relay()
    assert outbox_row(row_id).status == "sent"
    assert accounts.seen == ["relay-user"]
    assert len(server.messages) == 1


def test_wrong_password_is_refused_and_recorded(app, smtp_servers):
    accounts = Accounts("relay-user", "s3cret-pass")
    server = smtp_servers(authenticator=accounts, **AUTH_SERVER)
    use_smtp(server.port, smtp_username="relay-user", smtp_password="wrong-pass")
    row_id = queue()
    relay()
    row = outbox_row(row_id)
    assert server.messages == [] and row.status == "pending"
    assert "Authentication" in row.last_error or "535" in row.last_error
    assert "wrong-pass" not in row.last_error


def test_without_username_no_login_is_attempted(app, smtp_servers):
    accounts = Accounts("relay-user", "s3cret-pass")
    server = smtp_servers(authenticator=accounts, **AUTH_SERVER)
    use_smtp(server.port)
    row_id = queue()
    relay()
    assert accounts.seen == [] and server.messages == []
    assert outbox_row(row_id).status == "pending"


# sender ------------------------------------------------------------------------

def test_from_address_and_name_settings_make_the_sender(app, smtp_server):
    use_smtp(smtp_server.port, from_address="desk@acme.test", from_name="Acme Help")
    queue()
    relay()
    message = smtp_server.messages[0]
    assert parseaddr(message["From"]) == ("Acme Help", "desk@acme.test")
    assert smtp_server.inbox.envelopes[0].mail_from == "desk@acme.test"
    assert message["Message-ID"].endswith("@acme.test>")


def test_sender_name_defaults_to_the_site_name(app, smtp_server):
    settings.set_many("crm", {"site_name": "Acme Support Centre"})
    use_smtp(smtp_server.port, from_address="desk@acme.test")
    queue()
    relay()
    assert parseaddr(smtp_server.messages[0]["From"]) == ("Acme Support Centre", "desk@acme.test")
