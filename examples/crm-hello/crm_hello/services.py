"""Greeting customers: the plugin's own rules, on top of the host's and support's public APIs."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from crm import settings
from crm.extensions import db
from crm.notify.outbox import queue_email
from crm_hello.models import Greeting


def greet(ticket) -> Greeting | None:
    """Greet the customer of ``ticket`` once, the first time they open a ticket.

    The greeting row and its email are committed together (the email goes
    through the outbox, delivered by the worker); then an internal note on
    the ticket, written as the system under the plugin's name, tells staff.
    Returns the greeting, or None when greetings are off, the ticket has no
    customer or the customer was greeted before.
    """
    from plugins.support import api

    contact = ticket.contact
    if not settings.get("hello.enabled") or contact is None or not contact.email:
        return None
    if db.session.scalar(select(Greeting.id).where(Greeting.contact_id == contact.id).limit(1)):
        return None
    greeting = Greeting(contact_id=contact.id)
    db.session.add(greeting)
    text = settings.get("hello.greeting")
    queue_email(contact.email, text, text)
    db.session.commit()
    api.add_note(ticket, _("Greeted %(name)s: %(greeting)s", name=contact.name, greeting=text),
                 author=api.SYSTEM, author_label=_("Hello"))
    return greeting


def recent_greetings(limit: int = 50) -> list[Greeting]:
    """The latest greetings, newest first."""
    return list(db.session.scalars(select(Greeting).order_by(Greeting.sent_at.desc(), Greeting.id.desc())
                                   .limit(limit)))
