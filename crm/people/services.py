"""Creating and finding people; the host's public API for plugins."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from crm import audit, generation
from crm.extensions import db
from crm.people.models import Contact, KnownPermission, Role, RolePermission, User

BUILTIN_ROLES = {
    "admin": ("admin", _l("Administrator")),
    "staff": ("staff", _l("Staff")),
    "member": ("member", _l("Non-staff member")),
}


def ensure_builtin_roles() -> dict[str, Role]:
    """Create the admin, staff and member roles and grant new permissions' defaults.

    A permission's ``default_roles`` are granted once, the first time the
    permission is seen (a newly installed plugin's too); after that only
    admins change grants, and a revoked default stays revoked.
    """
    roles = {r.name: r for r in db.session.scalars(select(Role).where(Role.name.in_(BUILTIN_ROLES)))}
    changed = False
    for name, (kind, _title) in BUILTIN_ROLES.items():
        if name not in roles:
            roles[name] = Role(name=name, title="", kind=kind, builtin=True)
            db.session.add(roles[name])
            changed = True
    db.session.flush()
    seen = set(db.session.scalars(select(KnownPermission.name)))
    for permission in current_app.extensions["crm"].permissions.values():
        if permission.name in seen:
            continue
        db.session.add(KnownPermission(name=permission.name))
        for role_name in permission.default_roles:
            if role_name in roles:
                db.session.add(RolePermission(role_id=roles[role_name].id, permission=permission.name))
        changed = True
    if changed:
        db.session.flush()
        generation.bump()
    return roles


def role_title(role: Role) -> str:
    """A role's display name: translated for built-in roles, as entered otherwise."""
    if role.builtin and role.name in BUILTIN_ROLES:
        return str(BUILTIN_ROLES[role.name][1])
    return role.title or role.name


def user_by_email(email: str) -> User | None:
    """The staff user with this email (case-insensitive), or None."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(email: str, name: str, password: str | None = None, role: str = "staff", actor=None) -> User:
    """Add a staff user with a built-in or custom role (by role name); audited; the caller commits."""
    role_row = db.session.scalar(select(Role).where(Role.name == role))
    if role_row is None:
        raise ValueError(f"unknown role {role!r}")
    user = User(email=email.strip().lower(), name=name.strip(), role=role_row)
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", "user", user.id, {"email": (None, user.email), "role": (None, role)}, user=actor)
    return user


def contact_by_email(email: str) -> Contact | None:
    """The contact with this email (case-insensitive), or None."""
    return db.session.scalar(select(Contact).where(func.lower(Contact.email) == email.strip().lower()))


def find_or_create_contact(email: str, name: str = "", actor=None, **fields) -> tuple[Contact, bool]:
    """Return ``(contact, created)`` for an email, creating the contact if unknown (audited)."""
    contact = contact_by_email(email)
    if contact is not None:
        return contact, False
    contact = Contact(email=email.strip().lower(), name=(name or email.split("@")[0]).strip(), **fields)
    db.session.add(contact)
    db.session.flush()
    audit.record("contact.created", "contact", contact.id, {"email": (None, contact.email)}, user=actor)
    return contact, True
