"""Companies (customer accounts), their customer managers, and deleting one."""
from __future__ import annotations

import re
from typing import Iterable

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from crm import audit
from crm.extensions import db
from crm.people.models import Company, Contact, Role, User
from crm.people.services.references import refuse_while_referenced
from crm.people.services.shared import InvalidChange, apply_changes, delete_row, lock_rows

DOMAIN_PATTERN = re.compile(r"^(?=.{1,200}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _name_taken(name: str, company: Company | None) -> bool:
    """Whether another company already has this name (compared without regard to case)."""
    stmt = select(Company.id).where(func.lower(Company.name) == name.strip().lower())
    if company is not None and company.id is not None:
        stmt = stmt.where(Company.id != company.id)
    return db.session.scalar(stmt.limit(1)) is not None


def _check_company(name: str, domain: str, manager_ids: Iterable[int], company: Company | None = None) -> list[User]:
    errors = {}
    if not name.strip():
        errors["name"] = _("Enter a name.")
    elif _name_taken(name, company):
        errors["name"] = _("Another company is already called %(name)s.", name=name.strip())
    if domain.strip() and not DOMAIN_PATTERN.match(domain.strip().lower()):
        errors["domain"] = _("Enter a domain name such as example.com.")
    wanted = set(manager_ids)
    managers = []
    if wanted:
        managers = list(db.session.scalars(
            select(User).join(Role, User.role_id == Role.id).where(User.id.in_(wanted), Role.kind != "member")
        ))
        if len(managers) != len(wanted):
            errors["managers"] = _("Choose customer managers from the staff list.")
    if errors:
        raise InvalidChange(errors)
    return sorted(managers, key=lambda u: u.id)


def save_company(company: Company | None, *, name: str, domain: str = "", notes: str = "",
                 manager_ids: Iterable[int] = (), actor=None) -> tuple[Company, dict[str, tuple]]:
    """Create (``company=None``) or change a company and its customer managers; audited; the caller commits."""
    managers = _check_company(name, domain, manager_ids, company)
    values = {"name": name.strip(), "domain": domain.strip().lower(), "notes": notes.strip()}
    created = company is None
    if created:
        company = Company(**values)
        db.session.add(company)
        changes = {key: (None, value) for key, value in values.items()}
        old_managers: list[int] = []
    else:
        old_managers = sorted(u.id for u in company.managers)
        changes = apply_changes(company, values)
    new_managers = [u.id for u in managers]
    if old_managers != new_managers:
        company.managers = managers
        changes["managers"] = (old_managers, new_managers)
    try:
        with db.session.begin_nested():  # two saves of one new name at once: the database has the last word
            db.session.flush()
    except IntegrityError:
        raise InvalidChange({"name": _("Another company is already called %(name)s.", name=values["name"])}) from None
    if changes:
        audit.record("company.created" if created else "company.updated", "company", company.id, changes,
                     user=actor)
    return company, changes


def delete_company(company: Company, actor=None) -> None:
    """Delete a company; its contacts stay, without a company; audited; the caller commits.

    Refused with the counts while records of plugins (tickets) belong to the
    company (see ``crm_person_references``): they keep their history whole.
    """
    lock_rows(Company, company.id)
    refuse_while_referenced("company", company, _("The company is kept so that their history stays whole."))
    company_id, name = company.id, company.name
    contacts = list(db.session.scalars(select(Contact.id).where(Contact.company_id == company_id)))
    db.session.execute(update(Contact).where(Contact.company_id == company_id).values(company_id=None))
    delete_row(company)
    audit.record("company.deleted", "company", company_id, {"name": (name, None), "contacts": (contacts, None)},
                 user=actor)


def customer_managers(company: Company | None) -> list[User]:
    """The staff who manage a company's account: its own active managers, else the general customer managers.

    The fallback is the setting ``crm.general_customer_managers`` (also used
    for contacts without a company, ``company=None``). Inactive users are
    never returned. Sorted by name.
    """
    from crm import settings

    if company is not None:
        own = [u for u in company.managers if u.active]
        if own:
            return sorted(own, key=lambda u: (u.name, u.id))
    ids = []
    for value in settings.get("crm.general_customer_managers") or []:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            continue
    if not ids:
        return []
    return list(db.session.scalars(
        select(User).where(User.id.in_(ids), User.active.is_(True)).order_by(User.name, User.id)
    ))
