"""Customer accounts: registration with email verification, password sign-in, resets and password changes.

Rules (SPEC P-3):

- Registering with an address that already belongs to a contact adopts that
  contact instead of creating a second one, so tickets opened by the address
  before registering become the customer's once the address is verified.
- Nobody signs in before following the verification link; the link is a
  host one-time link (:mod:`crm.auth.tokens`) bound to the account.
- Registering again with the address of a verified account changes nothing:
  the owner is emailed a note instead (the page answers the same either way,
  so the form does not reveal who has an account).
- A new password ends every session and unused link of the account
  (:mod:`crm.auth.sessions`, :mod:`crm.auth.tokens`).
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, render_template
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash

from crm import audit, settings
from crm.auth import sessions, tokens
from crm.auth.passwords import hash_password, verify_password
from crm.extensions import db
from crm.notify.outbox import queue_email
from crm.people.models import Contact
from crm.people.services import (
    InvalidChange, check_password_length, contact_by_email, normalize_email,
)
from crm.timeutil import utcnow
from plugins.portal.customers import CustomerUser, account_key, contact_id_of, customer_by_contact_id
from plugins.portal.models import PortalAccount, PortalSite
from plugins.portal.sites import portal_url

VERIFY = "portal.verify-email"
RESET = "portal.password-reset"
VERIFY_MAX_AGE = timedelta(days=3)
RESET_MAX_AGE = timedelta(hours=2)
NAME_MAX = 200


def customer_locale(contact: Contact) -> str:
    """The language of emails to ``contact``: theirs, else the site default."""
    offered = current_app.config["LANGUAGES"]
    if contact.locale in offered:
        return contact.locale
    default = settings.get("crm.default_locale")
    return default if default in offered else current_app.config["BABEL_DEFAULT_LOCALE"]


SUBJECTS = {
    "already_registered": _l("Your account at %(site)s"),
    "verify": _l("Confirm your email address at %(site)s"),
    "reset": _l("Choose a new password at %(site)s"),
}


def _email(contact: Contact, template: str, **context) -> None:
    """Queue the email ``template`` (a key of :data:`SUBJECTS`) to ``contact``, in their language."""
    with force_locale(customer_locale(contact)):
        site_name = settings.get("crm.site_name")
        text = render_template(f"portal/email/{template}.txt", contact=contact, site_name=site_name, **context)
        subject = str(SUBJECTS[template]) % {"site": site_name}
        queue_email(contact.email, subject, text)


def account_of(contact: Contact) -> PortalAccount | None:
    """The portal account of a contact, or None."""
    return db.session.get(PortalAccount, contact.id)


def register(site: PortalSite, *, name: str, email: str, password: str, locale: str | None = None) -> Contact:
    """Register a customer on ``site`` and email the verification link; the caller commits.

    :raises InvalidChange: with ``{field: message}`` for a missing name or a short password.
    """
    name = " ".join((name or "").split())
    errors = {}
    if not name:
        errors["name"] = _("Enter your name.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("Use at most %(count)s characters.", count=NAME_MAX)
    try:
        check_password_length(password or "")
    except InvalidChange as exc:
        errors.update(exc.errors)
    if errors:
        raise InvalidChange(errors)
    email = normalize_email(email)
    contact = contact_by_email(email)
    account = account_of(contact) if contact is not None else None
    if account is not None and account.email_verified_at is not None:
        _email(contact, "already_registered",
               login_url=portal_url(site, "portal.login"), reset_url=portal_url(site, "portal.forgot_password"))
        return contact
    if contact is None:
        contact = Contact(email=email, name=name, locale=locale)
        db.session.add(contact)
        db.session.flush()
        audit.record("contact.created", "contact", contact.id, {"email": (None, email)}, user=None)
    elif not contact.locale and locale:
        contact.locale = locale
    if account is None:
        account = PortalAccount(contact_id=contact.id, brand_id=site.brand_id, registered_at=utcnow(),
                                website_url="", linkedin_url="", twitter_url="")
        db.session.add(account)
    contact.password_hash = _hash(password)
    account.password_changed_at = utcnow()
    db.session.flush()
    token = tokens.issue(VERIFY, account_key(contact.id), VERIFY_MAX_AGE, )
    _email(contact, "verify",
           link=portal_url(site, "portal.verify_email", token=token))
    return contact


def _hash(password: str) -> str:
    return hash_password(password)


def pending_verification(token: str) -> CustomerUser | None:
    """The customer a valid verification link is for, without using it up."""
    row = tokens.peek(VERIFY, token)
    contact_id = contact_id_of(row.account) if row is not None else None
    return customer_by_contact_id(contact_id) if contact_id else None


def verify_email(token: str, password: str) -> CustomerUser | None:
    """Finish a registration: the link and the password chosen when registering; returns the customer or None.

    Asking for the password as well means that a stranger who registered
    someone else's address cannot have the owner confirm it for them by
    clicking the link. The link is used up only when both match. The caller
    commits.
    """
    customer = pending_verification(token)
    if customer is None or not customer.contact.active or not customer.contact.password_hash:
        return None
    if not check_password_hash(customer.contact.password_hash, password or ""):
        return None
    if tokens.consume(VERIFY, token) is None:
        return None
    if customer.account.email_verified_at is None:
        customer.account.email_verified_at = utcnow()
        audit.record("portal.email_verified", "contact", customer.contact.id, {}, user=None)
    return customer


def authenticate(email: str, password: str) -> CustomerUser | None:
    """The customer with this address and password, if they may sign in; always one password check."""
    contact = contact_by_email(normalize_email(email or ""))
    customer = customer_by_contact_id(contact.id) if contact is not None else None
    return customer if verify_password(customer, password or "") else None


def request_reset(site: PortalSite, email: str) -> None:
    """Email a password-reset link to a customer with this address; nothing for unknown ones. The caller commits."""
    contact = contact_by_email(normalize_email(email or ""))
    if contact is None or not contact.active:
        return
    account = account_of(contact)
    if account is None or account.email_verified_at is None:
        return
    token = tokens.issue(RESET, account_key(contact.id), RESET_MAX_AGE)
    _email(contact, "reset",
           link=portal_url(site, "portal.reset_password", token=token),
           minutes=int(RESET_MAX_AGE.total_seconds() // 60))


def customer_for_reset(token: str) -> CustomerUser | None:
    """The customer a valid reset link is for, without using it up."""
    row = tokens.peek(RESET, token)
    contact_id = contact_id_of(row.account) if row is not None else None
    return customer_by_contact_id(contact_id) if contact_id else None


def reset_password(token: str, password: str) -> CustomerUser | None:
    """Use a reset link and set the new password; None when the link is not valid. The caller commits.

    :raises InvalidChange: for a password that is too short (the link is not used up).
    """
    check_password_length(password or "")
    row = tokens.consume(RESET, token)
    contact_id = contact_id_of(row.account) if row is not None else None
    customer = customer_by_contact_id(contact_id) if contact_id else None
    if customer is None or not customer.contact.active:
        return None
    set_password(customer, password, reason="reset")
    return customer


def set_password(customer: CustomerUser, password: str, reason: str = "changed") -> None:
    """Set a customer's password: every session and unused link of the account ends. The caller commits."""
    check_password_length(password or "")
    key = customer.get_id()
    customer.contact.password_hash = _hash(password)
    customer.account.password_changed_at = utcnow()
    sessions.end_all(key)
    tokens.revoke_all(key)
    audit.record(f"portal.password_{reason}", "contact", customer.contact.id, {"password": ("***", "***")}, user=None)


def accounts_for(contact_ids) -> dict[int, PortalAccount]:
    """Portal accounts by contact id."""
    ids = sorted(set(contact_ids))
    if not ids:
        return {}
    return {a.contact_id: a for a in db.session.scalars(select(PortalAccount).where(PortalAccount.contact_id.in_(ids)))}
