"""Customers who sign in to the portal: contacts with a password and a verified email address.

A customer is a :class:`crm.people.models.Contact` (the password hash and the
``active`` switch live on the contact) plus a
:class:`~plugins.portal.models.PortalAccount` row (verification, avatar,
social links). Their sessions are the host's revocable sessions under the
account key ``customer:<contact id>`` (:mod:`crm.auth.sessions`); the host
loads them through ``crm_load_user`` (:func:`load_customer`).
"""
from __future__ import annotations

from flask import g, has_request_context, request
from flask_login import UserMixin, current_user
from sqlalchemy import select

from crm import settings
from crm.extensions import db
from crm.people.models import Contact
from plugins.portal.models import PortalAccount
from plugins.support.access import Customer

PREFIX = "customer:"
_MAX_ID = 2**31 - 1


class CustomerUser(UserMixin):
    """The signed-in customer (Flask-Login's user): a contact and its portal account."""

    is_staff_user = False
    is_customer = True

    def __init__(self, contact: Contact, account: PortalAccount):
        self.contact = contact
        self.account = account

    def get_id(self) -> str:
        """The session account key, ``customer:<contact id>``."""
        return account_key(self.contact.id)

    @property
    def is_active(self) -> bool:
        """Active contacts whose address is verified (by registering or by following an emailed link)."""
        return bool(self.contact.active and self.account.email_verified_at)

    @property
    def password_changed_at(self):
        """When the password last changed: sessions begun before it are refused."""
        return self.account.password_changed_at

    @property
    def password_hash(self) -> str:
        """The contact's password hash (empty when they have not chosen a password)."""
        return self.contact.password_hash

    @property
    def id(self) -> int:
        """The contact's id."""
        return self.contact.id

    @property
    def name(self) -> str:
        """The contact's name."""
        return self.contact.name

    @property
    def email(self) -> str:
        """The contact's email address."""
        return self.contact.email

    @property
    def locale(self) -> str | None:
        """The customer's language: drives every portal page and email."""
        return self.contact.locale

    @property
    def timezone(self) -> str | None:
        """The customer's timezone: drives every date on portal pages and in emails."""
        return self.contact.timezone

    @property
    def actor(self) -> Customer:
        """The support actor of this customer: their own tickets, and their company's when the portal allows it."""
        return Customer.of(self.contact, company_wide=bool(settings.get("portal.company_wide")))


def account_key(contact_id: int) -> str:
    """The session and one-time-link account key of a contact."""
    return f"{PREFIX}{contact_id}"


def contact_id_of(account: str) -> int | None:
    """The contact id of a ``customer:<id>`` key, or None for anything else."""
    if not isinstance(account, str) or not account.startswith(PREFIX):
        return None
    digits = account[len(PREFIX):]
    if not digits.isascii() or not digits.isdigit() or len(digits) > 10:
        return None
    value = int(digits)
    return value if 0 < value <= _MAX_ID else None


def customer_by_contact_id(contact_id: int) -> CustomerUser | None:
    """The customer with this contact id (one query), or None when the contact has no portal account."""
    found = db.session.execute(
        select(Contact, PortalAccount).join(PortalAccount, PortalAccount.contact_id == Contact.id)
        .where(Contact.id == contact_id)).first()
    return CustomerUser(*found) if found is not None else None


def load_customer(account: str) -> CustomerUser | None:
    """``crm_load_user``: the customer of a ``customer:<id>`` session key, or None."""
    contact_id = contact_id_of(account)
    if contact_id is None:
        return None
    return customer_by_contact_id(contact_id)


def current_customer() -> CustomerUser | None:
    """The signed-in customer of this request, or None (anonymous or staff)."""
    user = current_user
    if getattr(user, "is_authenticated", False) and getattr(user, "is_customer", False) \
            and isinstance(user._get_current_object(), CustomerUser):
        return user._get_current_object()
    return None


def chosen_locale() -> str | None:
    """``crm_locale_for_request``: on portal pages, the language picked with ``?lang=`` (kept in the session)."""
    if not has_request_context() or request.blueprint != "portal":
        return None
    return g.get("portal_locale")
