"""Outgoing email: build a standard-library message from an outbox payload and hand it to SMTP or a folder."""
from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Any

from flask import current_app

from crm import settings

# Headers the message builder sets itself; a payload's extra headers may not replace them.
_RESERVED = {"from", "to", "cc", "bcc", "subject", "date", "message-id", "reply-to", "mime-version",
             "content-type", "content-transfer-encoding"}


@dataclass(frozen=True)
class MailSettings:
    """The outgoing-mail settings (``crm.smtp_*``, ``crm.from_*``) read once per relay run."""

    host: str
    port: int
    security: str
    username: str
    password: str
    from_address: str
    from_name: str

    @property
    def uses_smtp(self) -> bool:
        """Whether an SMTP server is configured; without one, messages are written to files."""
        return bool(self.host)


def mail_settings() -> MailSettings:
    """Read the current outgoing-mail settings; the sender name defaults to the site name."""
    return MailSettings(
        host=(settings.get("crm.smtp_host") or "").strip(),
        port=int(settings.get("crm.smtp_port")),
        security=settings.get("crm.smtp_security"),
        username=settings.get("crm.smtp_username") or "",
        password=settings.get("crm.smtp_password") or "",
        from_address=settings.get("crm.from_address"),
        from_name=settings.get("crm.from_name") or settings.get("crm.site_name"),
    )


def new_message_id(from_address: str) -> str:
    """A fresh globally unique Message-ID in the sender's domain."""
    domain = from_address.rpartition("@")[2] or None
    return make_msgid(domain=domain)


def _one_line(value: Any) -> str:
    """A header value on one line: folded or injected line breaks become spaces."""
    return " ".join(str(value).split())


def build_message(payload: dict, config: MailSettings) -> EmailMessage:
    """Build the email an outbox payload describes (see :func:`crm.notify.outbox.queue_email`).

    The text body is the first part; with ``html`` the message is
    multipart/alternative; attachments are read through :mod:`crm.storage`
    and turn it into multipart/mixed. Raises ValueError for a payload that
    can never be sent (no recipient).
    """
    from crm.storage import storage

    recipients = [_one_line(a) for a in payload.get("to") or [] if str(a).strip()]
    if not recipients:
        raise ValueError("the message has no recipient")
    msg = EmailMessage()
    msg["From"] = formataddr((_one_line(config.from_name), config.from_address))
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = _one_line(payload.get("subject") or "")
    msg["Date"] = format_datetime(datetime.now(timezone.utc))
    msg["Message-ID"] = payload.get("message_id") or new_message_id(config.from_address)
    if payload.get("reply_to"):
        msg["Reply-To"] = _one_line(payload["reply_to"])
    for name, value in (payload.get("headers") or {}).items():
        if name.lower() in _RESERVED or not value:
            continue
        msg[name] = _one_line(value)
    msg.set_content(payload.get("text") or "")
    if payload.get("html"):
        msg.add_alternative(payload["html"], subtype="html")
    store = storage() if payload.get("attachments") else None
    for attachment in payload.get("attachments") or []:
        maintype, _, subtype = (attachment.get("content_type") or "application/octet-stream").partition("/")
        with store.open(attachment["storage_key"]) as stream:
            data = stream.read()
        msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream",
                           filename=attachment.get("filename") or "attachment")
    return msg


def _tls_context() -> ssl.SSLContext:
    cafile = current_app.config.get("MAIL_SSL_CAFILE")
    return ssl.create_default_context(cafile=cafile)


def send_smtp(msg: EmailMessage, config: MailSettings) -> None:
    """Send one message through the configured SMTP server; any failure raises.

    ``security`` is ``none`` (plain SMTP), ``starttls`` (upgrade after
    connecting) or ``ssl`` (TLS from the first byte); the server's
    certificate is verified against the system's authorities, or
    ``MAIL_SSL_CAFILE``. Logs in only when a user name is set.
    """
    timeout = current_app.config.get("SMTP_TIMEOUT", 30)
    if config.security == "ssl":
        client = smtplib.SMTP_SSL(config.host, config.port, timeout=timeout, context=_tls_context())
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=timeout)
    with client:
        if config.security == "starttls":
            client.starttls(context=_tls_context())
        if config.username:
            client.login(config.username, config.password)
        # Not send_message(): it writes ">From " for every line that starts with "From " (mbox quoting),
        # which changes what was typed. The message is flattened without that and sent the same way.
        recipients = [address.addr_spec for address in msg["To"].addresses]
        international = not all(a.isascii() for a in (config.from_address, *recipients))
        data = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n", utf8=international))
        client.sendmail(config.from_address, recipients, data,
                        mail_options=("SMTPUTF8", "BODY=8BITMIME") if international else ())


# 5xx answers that mean this desk's own SMTP settings are wrong (authentication or TLS required,
# credentials refused), not that this message is undeliverable: fixing the settings delivers every
# waiting message, so these keep retrying.
SETTINGS_ANSWERS = {530, 534, 535, 538}


def _answer_text(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(f"{code} {text}".split())


def server_answer(error: BaseException) -> str | None:
    """The SMTP server's answer an exception carries (``"550 5.1.1 No such user"``), or None.

    When every recipient was refused, each one's answer is given after its
    address, separated by ``"; "``.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{address}: {_answer_text(code, text)}"
                         for address, (code, text) in error.recipients.items()) or None
    if isinstance(error, smtplib.SMTPResponseException):
        return _answer_text(error.smtp_code, error.smtp_error)
    return None


def _answer_codes(error: BaseException) -> list[int]:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return [int(code) for code, _text in error.recipients.values()]
    if isinstance(error, (smtplib.SMTPSenderRefused, smtplib.SMTPDataError)):
        return [int(error.smtp_code)]
    return []


def is_permanent(error: BaseException) -> bool:
    """Whether the server refused this message for good, so that trying again cannot help.

    True for a 5xx answer to the sender, the recipients (all of them) or the
    content. False for 4xx answers, lost or refused connections, TLS and
    authentication problems and the 5xx answers of :data:`SETTINGS_ANSWERS`:
    those keep the backoff.
    """
    codes = _answer_codes(error)
    return bool(codes) and all(500 <= code < 600 and code not in SETTINGS_ANSWERS for code in codes)


def describe_error(error: BaseException) -> str:
    """The text stored on the outbox row for a failed attempt: the server's answer when there is one."""
    return server_answer(error) or f"{type(error).__name__}: {error}"


def mail_dir() -> Path:
    """The folder that receives messages as .eml files when no SMTP server is configured."""
    return Path(current_app.config["MAIL_DIR"])


def write_eml(msg: EmailMessage, name: str) -> Path:
    """Write a message as ``<name>.eml`` into :func:`mail_dir` (atomically; a rewrite replaces it)."""
    folder = mail_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.eml"
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(msg.as_bytes())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
