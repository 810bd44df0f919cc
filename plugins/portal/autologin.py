"""Auto-login links (SPEC P-8): emailed links that sign a customer in once and open one ticket.

A link is a host one-time link (:mod:`crm.auth.tokens`) of purpose
``portal.auto-login`` for the account ``customer:<contact id>``, bound to
``ticket:<ticket id>`` and valid for the setting ``portal.auto_login_days``
(default 7). It is made while the email is written (the portal's answer to
``support_customer_ticket_url``), so it is committed with the email. A newer
link for the same customer and ticket replaces the older one. A contact who
never registered gets a portal account when they use a link: the link
proves they read the address's mail (a password chosen in an unconfirmed
registration is dropped then, as it may be a stranger's).
"""
from __future__ import annotations

from datetime import timedelta

from crm import settings
from crm.auth import tokens
from crm.extensions import db
from crm.people.models import Contact
from crm.timeutil import utcnow
from plugins.portal.customers import CustomerUser, account_key, contact_id_of, customer_by_contact_id
from plugins.portal.models import PortalAccount
from plugins.support import access
from plugins.support.models import Ticket

PURPOSE = "portal.auto-login"


def lifetime() -> timedelta:
    """How long a link works (setting ``portal.auto_login_days``)."""
    return timedelta(days=settings.get("portal.auto_login_days"))


def issue(ticket: Ticket) -> str | None:
    """A new link token for the ticket's customer and the ticket; None for a ticket without a customer.

    Adds to the current transaction; the caller (the email's unit of work) commits.
    """
    if ticket.contact_id is None:
        return None
    return tokens.issue(PURPOSE, account_key(ticket.contact_id), lifetime(), subject=f"ticket:{ticket.id}")


def _ticket_id(subject: str) -> int | None:
    digits = subject[len("ticket:"):] if subject.startswith("ticket:") else ""
    return int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 12 else None


def peek(token: str):
    """The link's row while it is valid, without using it up; else None."""
    return tokens.peek(PURPOSE, token)


def use(token: str) -> tuple[CustomerUser, Ticket] | None:
    """Use the link up: ``(customer, ticket)`` when it is valid and the ticket is still the customer's; else None.

    A contact without a portal account gets one, with the address verified.
    Runs in the caller's unit of work.
    """
    row = tokens.consume(PURPOSE, token)
    if row is None:
        return None
    contact_id, ticket_id = contact_id_of(row.account), _ticket_id(row.subject)
    if contact_id is None or ticket_id is None:
        return None
    contact = db.session.get(Contact, contact_id)
    ticket = db.session.get(Ticket, ticket_id)
    if contact is None or not contact.active or ticket is None or not access.can_see(access.Customer.of(contact), ticket):
        return None
    account = db.session.get(PortalAccount, contact.id)
    if account is None:
        account = PortalAccount(contact_id=contact.id, brand_id=ticket.brand_id, registered_at=utcnow(),
                                email_verified_at=utcnow(), website_url="", linkedin_url="", twitter_url="")
        db.session.add(account)
    elif account.email_verified_at is None:
        # a registration nobody confirmed: its password may be a stranger's, so it does not survive
        account.email_verified_at = utcnow()
        contact.password_hash = ""
    db.session.flush()
    return customer_by_contact_id(contact.id), ticket
