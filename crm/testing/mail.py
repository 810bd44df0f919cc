"""The captured outbox: the emails the desk queued, and those it delivered without an SMTP server."""
from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from crm.extensions import db


class Outbox:
    """What the app of a test sent.

    ``messages()`` are the queued emails (outbox rows, oldest first) as
    dictionaries with ``to``, ``subject``, ``text`` and ``html``;
    ``to(address)`` keeps those sent to one address; ``delivered()`` parses
    the ``.eml`` files written when no SMTP server is configured (tests run
    the queue inline, so a committed email is delivered at once).
    """

    def __init__(self, app):
        self.app = app

    def messages(self) -> list[dict]:
        """Every email queued so far, oldest first."""
        from crm.notify.outbox import OutboxMessage

        with self.app.app_context():
            rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "email")
                                      .order_by(OutboxMessage.id)).all()
            return [dict(row.payload, status=row.status) for row in rows]

    def to(self, address: str) -> list[dict]:
        """The queued emails with ``address`` among their recipients."""
        return [m for m in self.messages() if address in m["to"]]

    def subjects(self) -> list[str]:
        """The subjects of every queued email, oldest first."""
        return [m["subject"] for m in self.messages()]

    def delivered(self) -> list[EmailMessage]:
        """The emails delivered as ``.eml`` files, in file-name (time) order."""
        with self.app.app_context():
            folder = Path(current_app.config["MAIL_DIR"])
        parser = BytesParser(policy=policy.default)
        return [parser.parsebytes(path.read_bytes()) for path in sorted(folder.glob("*.eml"))]

    def __len__(self) -> int:
        return len(self.messages())
