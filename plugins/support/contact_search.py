"""Contacts a staff member may open tickets for (SPEC S-15), found by name or email as they type.

:func:`openable_contacts` is the SQL form of ``access.can_open_for``: with
``support.staff_open_for_any_contact`` off, non-admins find only contacts of
companies they manage and contacts who have tickets they can see.
"""
from __future__ import annotations

from sqlalchemy import exists, false, func, or_, select, true

from crm import settings
from crm.actors import is_system
from crm.extensions import db
from crm.people.models import Company, CompanyManager, Contact
from plugins.support import access
from plugins.support import permissions as perms
from plugins.support.models import Ticket

SHOWN = 10
MIN_LENGTH = 2


def openable_contacts(user):
    """A WHERE clause on :class:`Contact`: the contacts ``user`` may open tickets for."""
    if not access.can(user, perms.CREATE):
        return false()
    if is_system(user) or user.is_admin or settings.get("support.staff_open_for_any_contact"):
        return true()
    managed = Contact.company_id.in_(select(CompanyManager.company_id).where(CompanyManager.user_id == user.id))
    found = access.scope(user)
    if not found.everything and not found.columns:
        return managed
    return or_(managed, exists().where(Ticket.contact_id == Contact.id, found.where()))


def _pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_contacts(user, query: str) -> list[dict]:
    """At most ten contacts whose name or email contains ``query`` (two characters or more), by name."""
    query = (query or "").strip()[:200]
    if len(query) < MIN_LENGTH:
        return []
    pattern = _pattern(query)
    rows = db.session.execute(
        select(Contact.id, Contact.name, Contact.email, Company.name)
        .outerjoin(Company, Company.id == Contact.company_id)
        .where(or_(func.lower(Contact.name).like(pattern, escape="\\"),
                   func.lower(Contact.email).like(pattern, escape="\\")),
               openable_contacts(user))
        .order_by(Contact.name, Contact.id).limit(SHOWN)
    ).all()
    return [{"id": cid, "name": name, "email": email, "company": company or ""} for cid, name, email, company in rows]


def chosen_contact(user, raw_id) -> Contact | None:
    """The contact ``raw_id`` names if ``user`` may open tickets for them (the same rule as the search),
    else None: an unknown id, a malformed one and a contact refused by S-15 look alike."""
    text = str(raw_id if raw_id is not None else "").strip()
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 2**31:
        return None
    return db.session.scalar(select(Contact).where(Contact.id == int(text), openable_contacts(user)))
