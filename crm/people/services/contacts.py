"""Contacts (customer people): finding, creating, changing and deleting them."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from crm import audit
from crm.extensions import db
from crm.people.models import Company, Contact
from crm.people.services.references import refuse_while_referenced
from crm.people.services.shared import (
    InvalidChange, apply_changes, check_locale_and_timezone, delete_row, email_taken, lock_rows, normalize_email,
)

CONTACT_FIELDS = ("name", "email", "phone", "position", "company_id", "locale", "timezone", "external_id")


def contact_by_email(email: str) -> Contact | None:
    """The contact with this email (case-insensitive), or None."""
    return db.session.scalar(select(Contact).where(func.lower(Contact.email) == email.strip().lower()))


def find_or_create_contact(email: str, name: str = "", actor=None, **fields) -> tuple[Contact, bool]:
    """Return ``(contact, created)`` for an email, creating the contact if unknown (audited)."""
    contact = contact_by_email(email)
    if contact is not None:
        return contact, False
    contact = Contact(email=normalize_email(email), name=(name or email.split("@")[0]).strip(), **fields)
    db.session.add(contact)
    db.session.flush()
    audit.record("contact.created", "contact", contact.id, {"email": (None, contact.email)}, user=actor)
    return contact, True


def _clean_contact(values: dict[str, Any], contact_id: int | None) -> dict[str, Any]:
    clean = {
        "name": (values.get("name") or "").strip(),
        "email": normalize_email(values.get("email") or ""),
        "phone": (values.get("phone") or "").strip(),
        "position": (values.get("position") or "").strip(),
        "company_id": values.get("company_id") or None,
        "locale": values.get("locale") or None,
        "timezone": (values.get("timezone") or "").strip() or None,
        "external_id": (values.get("external_id") or "").strip() or None,
    }
    errors = check_locale_and_timezone(clean["locale"], clean["timezone"])
    if not clean["name"]:
        errors["name"] = _("Enter a name.")
    if not clean["email"]:
        errors["email"] = _("Enter an email address.")
    elif email_taken(Contact, clean["email"], exclude_id=contact_id):
        errors["email"] = _("Another contact already uses this email address.")
    if clean["company_id"] is not None and db.session.get(Company, clean["company_id"]) is None:
        errors["company_id"] = _("Choose a company from the list.")
    if clean["external_id"] is not None:
        stmt = select(Contact.id).where(Contact.external_id == clean["external_id"])
        if contact_id is not None:
            stmt = stmt.where(Contact.id != contact_id)
        if db.session.scalar(stmt.limit(1)) is not None:
            errors["external_id"] = _("Another contact already has this external id.")
    if errors:
        raise InvalidChange(errors)
    return clean


def save_contact(contact: Contact | None, values: dict[str, Any], actor=None) -> tuple[Contact, dict[str, tuple]]:
    """Create (``contact=None``) or change a contact from ``values`` (keys of ``CONTACT_FIELDS``); audited.

    The email is unique (case-insensitive), and so is a non-empty external id.
    """
    clean = _clean_contact(values, contact.id if contact else None)
    created = contact is None
    if created:
        contact = Contact(**clean)
        db.session.add(contact)
        changes = {key: (None, value) for key, value in clean.items() if value not in (None, "")}
    else:
        changes = apply_changes(contact, clean)
    db.session.flush()
    if changes:
        audit.record("contact.created" if created else "contact.updated", "contact", contact.id, changes,
                     user=actor)
    return contact, changes


def delete_contact(contact: Contact, actor=None) -> None:
    """Delete a contact; audited; the caller commits.

    Refused with the counts while records of plugins (tickets, messages) are
    the contact's (see ``crm_person_references``): they keep their history whole.
    """
    lock_rows(Contact, contact.id)
    refuse_while_referenced("contact", contact, _("The contact is kept so that their history stays whole."))
    contact_id, email = contact.id, contact.email
    delete_row(contact)
    audit.record("contact.deleted", "contact", contact_id, {"email": (email, None)}, user=actor)
