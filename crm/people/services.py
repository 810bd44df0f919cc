"""Creating and finding people; the host's public API for plugins."""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterable

from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from crm import audit, generation
from crm.extensions import db
from crm.people.models import (
    Company, Contact, Department, DepartmentMember, KnownPermission, Role, RolePermission, User,
)
from crm.timeutil import utcnow

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


def create_user(email: str, name: str, password: str | None = None, role: str | Role = "staff", actor=None,
                department_ids: Iterable[int] = ()) -> User:
    """Add a staff user with a built-in or custom role (a role name or row); audited; the caller commits.

    Raises :class:`InvalidChange` when the email is taken (case-insensitive),
    the name is empty or a department id is unknown; ``ValueError`` for an
    unknown role name.
    """
    role_row = role if isinstance(role, Role) else db.session.scalar(select(Role).where(Role.name == role))
    if role_row is None:
        raise ValueError(f"unknown role {role!r}")
    errors = {}
    if email_taken(User, email):
        errors["email"] = _("Another staff account already uses this email address.")
    if not name.strip():
        errors["name"] = _("Enter a name.")
    if errors:
        raise InvalidChange(errors)
    user = User(email=normalize_email(email), name=name.strip(), role=role_row)
    if password:
        user.set_password(password)
        user.password_changed_at = utcnow()
    db.session.add(user)
    db.session.flush()
    changes = {"email": (None, user.email), "name": (None, user.name), "role": (None, role_row.name)}
    departments = _set_memberships(user, department_ids)
    if departments[1]:
        changes["departments"] = departments
    audit.record("user.created", "user", user.id, changes, user=actor)
    return user


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


# --- shared helpers ---------------------------------------------------------------------------


class InvalidChange(ValueError):
    """A change the people rules refuse; nothing was changed.

    ``errors`` maps a form field name (or ``""`` for the whole object) to a
    localized message, so views can show each one beside its field.
    """

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def normalize_email(email: str) -> str:
    """The stored form of an email address: trimmed and lower-case."""
    return email.strip().lower()


def email_taken(model: type, email: str, exclude_id: int | None = None) -> bool:
    """Whether a ``User`` or ``Contact`` other than ``exclude_id`` uses ``email`` (case-insensitive)."""
    stmt = select(model.id).where(func.lower(model.email) == normalize_email(email))
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    return db.session.scalar(stmt.limit(1)) is not None


def _apply(obj: Any, values: dict[str, Any]) -> dict[str, tuple]:
    """Set attributes that differ and return ``{field: (old, new)}`` of those."""
    changes = {}
    for key, new in values.items():
        old = getattr(obj, key)
        if old != new:
            setattr(obj, key, new)
            changes[key] = (old, new)
    return changes


def _check_locale_and_timezone(locale: str | None, timezone: str | None) -> dict[str, str]:
    from crm.i18n import valid_timezone

    errors = {}
    if locale and locale not in current_app.config["LANGUAGES"]:
        errors["locale"] = _("Choose one of the offered languages.")
    if timezone and not valid_timezone(timezone):
        errors["timezone"] = _("Enter a timezone name such as Europe/Istanbul.")
    return errors


def _delete(obj: Any) -> None:
    """Delete a row; refuse (and keep it) when other records still point at it."""
    from sqlalchemy.exc import IntegrityError

    try:
        with db.session.begin_nested():
            db.session.delete(obj)
            db.session.flush()
    except IntegrityError:
        raise InvalidChange({"": _("This record is still in use and cannot be deleted.")}) from None


# --- staff users --------------------------------------------------------------------------------


def password_min_length() -> int:
    """The minimum length of a staff password (setting ``crm.password_min_length``)."""
    from crm import settings

    return settings.get("crm.password_min_length")


def _check_password_length(password: str, field: str = "password") -> None:
    minimum = password_min_length()
    if len(password) < minimum:
        raise InvalidChange({field: _("Use at least %(count)s characters.", count=minimum)})


def change_password(user: User, password: str, actor=None, reason: str = "changed") -> None:
    """Set a staff user's password (checked against the minimum length) and audit it without the value.

    :param reason: ``"changed"`` (by the user or an admin) or ``"reset"`` (through an emailed link).
    """
    _check_password_length(password)
    old_changed_at = user.password_changed_at
    user.set_password(password)
    user.password_changed_at = utcnow()
    audit.record(f"user.password_{reason}", "user", user.id,
                 {"password": ("***", "***"), "password_changed_at": (old_changed_at, user.password_changed_at)},
                 user=actor)


def update_profile(user: User, name: str, locale: str | None, timezone: str | None) -> dict[str, tuple]:
    """Change a user's own name, language and timezone (empty means the site default); audited."""
    errors = _check_locale_and_timezone(locale, timezone)
    if not name.strip():
        errors["name"] = _("Enter a name.")
    if errors:
        raise InvalidChange(errors)
    changes = _apply(user, {"name": name.strip(), "locale": locale or None, "timezone": timezone or None})
    if changes:
        audit.record("user.profile_changed", "user", user.id, changes, user=user)
    return changes


def active_admin_ids(lock: bool = False) -> list[int]:
    """Ids of the active admins; ``lock`` holds their rows until commit so two admins cannot demote each other at once."""
    stmt = select(User.id).join(Role, User.role_id == Role.id).where(User.active.is_(True), Role.kind == "admin")
    if lock:
        stmt = stmt.with_for_update(of=User)
    return list(db.session.scalars(stmt.order_by(User.id)))


def _would_remove_last_admin(user: User) -> bool:
    return user.active and user.is_admin and active_admin_ids(lock=True) == [user.id]


def _set_memberships(user: User, department_ids: Iterable[int]) -> tuple[list[int], list[int]]:
    """Make ``user`` a member of exactly these departments, keeping manager flags; returns (old, new) ids."""
    wanted = set(department_ids)
    known = set(db.session.scalars(select(Department.id).where(Department.id.in_(wanted)))) if wanted else set()
    if wanted - known:
        raise InvalidChange({"departments": _("Choose departments from the list.")})
    old = sorted(m.department_id for m in user.memberships)
    for membership in list(user.memberships):
        if membership.department_id not in wanted:
            user.memberships.remove(membership)
    for department_id in sorted(wanted - set(old)):
        user.memberships.append(DepartmentMember(department_id=department_id, user_id=user.id))
    return old, sorted(wanted)


def update_user(user: User, *, email: str, name: str, role: Role, department_ids: Iterable[int],
                actor=None) -> dict[str, tuple]:
    """Change a staff user's email, name, role and departments; audited; the caller commits.

    An admin cannot take away their own admin role, and the last active admin
    keeps it: both raise :class:`InvalidChange` and change nothing.
    """
    errors = {}
    if email_taken(User, email, exclude_id=user.id):
        errors["email"] = _("Another staff account already uses this email address.")
    if not name.strip():
        errors["name"] = _("Enter a name.")
    if user.is_admin and role.kind != "admin":
        if actor is not None and getattr(actor, "id", None) == user.id:
            errors["role"] = _("You cannot take away your own admin role.")
        elif _would_remove_last_admin(user):
            errors["role"] = _("This is the last active admin; make someone else admin first.")
    if errors:
        raise InvalidChange(errors)
    old_role = user.role.name
    changes = _apply(user, {"email": normalize_email(email), "name": name.strip()})
    if user.role_id != role.id:
        user.role = role
        changes["role"] = (old_role, role.name)
    departments = _set_memberships(user, department_ids)
    if departments[0] != departments[1]:
        changes["departments"] = departments
    if changes:
        audit.record("user.updated", "user", user.id, changes, user=actor)
    return changes


def set_user_active(user: User, active: bool, actor=None) -> bool:
    """Deactivate or reactivate a staff user; returns whether anything changed; audited.

    Nobody can deactivate themself, and the last active admin stays active.
    """
    if user.active == active:
        return False
    if not active:
        if actor is not None and getattr(actor, "id", None) == user.id:
            raise InvalidChange({"": _("You cannot deactivate your own account.")})
        if _would_remove_last_admin(user):
            raise InvalidChange({"": _("This is the last active admin; make someone else admin first.")})
    user.active = active
    audit.record("user.reactivated" if active else "user.deactivated", "user", user.id,
                 {"active": (not active, active)}, user=actor)
    return True


def staff_choices(include_ids: Iterable[int] = (), staff_only: bool = False) -> list[tuple[int, str]]:
    """``(id, "Name <email>")`` of active users for pickers, plus ``include_ids`` even if inactive.

    :param staff_only: leave out non-staff members (for customer managers).
    """
    include = set(include_ids)
    condition = User.active.is_(True)
    if include:
        condition = condition | User.id.in_(include)
    stmt = select(User.id, User.name, User.email).join(Role, User.role_id == Role.id).where(condition)
    if staff_only:
        stmt = stmt.where(Role.kind != "member")
    return [(r.id, f"{r.name} <{r.email}>") for r in db.session.execute(stmt.order_by(User.name, User.id))]


# --- roles and grants -------------------------------------------------------------------------

CUSTOM_ROLE_KINDS = ("staff", "member")


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:50] or "role"


def _unique_role_name(title: str) -> str:
    base = _slug(title)
    taken = set(db.session.scalars(select(Role.name).where(Role.name.like(f"{base}%"))))
    name, n = base, 2
    while name in taken or name in BUILTIN_ROLES:
        name, n = f"{base}-{n}", n + 1
    return name


def _check_role(title: str, kind: str, role_id: int | None = None) -> None:
    errors = {}
    clean = title.strip()
    if not clean:
        errors["title"] = _("Enter a title.")
    else:
        stmt = select(Role.id).where(func.lower(Role.title) == clean.lower())
        if role_id is not None:
            stmt = stmt.where(Role.id != role_id)
        builtin_titles = {str(t).lower() for _kind, t in BUILTIN_ROLES.values()}
        if db.session.scalar(stmt.limit(1)) is not None or clean.lower() in builtin_titles:
            errors["title"] = _("Another role already has this title.")
    if kind not in CUSTOM_ROLE_KINDS:
        errors["kind"] = _("Choose staff or non-staff member.")
    if errors:
        raise InvalidChange(errors)


def grantable_permissions() -> dict[str, list]:
    """The permissions of enabled plugins, grouped by owner plugin name (host first), sorted by name."""
    host = current_app.extensions["crm"]
    groups: dict[str, list] = {}
    for name in sorted(host.permissions):
        owner = host.permission_owner[name]
        if host.is_enabled(owner):
            groups.setdefault(owner, []).append(host.permissions[name])
    return dict(sorted(groups.items(), key=lambda item: (item[0] != "crm", item[0])))


def role_permissions(role: Role) -> set[str]:
    """The permission names granted to ``role`` (stored grants; admins hold all implicitly)."""
    return set(db.session.scalars(select(RolePermission.permission).where(RolePermission.role_id == role.id)))


def _set_grants(role: Role, names: Iterable[str]) -> tuple[list[str], list[str]] | None:
    """Grant exactly ``names`` among the enabled plugins' permissions; other grants are kept."""
    if role.kind == "admin":
        raise InvalidChange({"permissions": _("Administrators hold every permission.")})
    scope = {p.name for group in grantable_permissions().values() for p in group}
    wanted = set(names)
    if wanted - scope:
        raise InvalidChange({"permissions": _("Choose permissions from the list.")})
    current = role_permissions(role)
    old = current & scope
    if old == wanted:
        return None
    for name in old - wanted:
        db.session.delete(db.session.get(RolePermission, (role.id, name)))
    for name in wanted - old:
        db.session.add(RolePermission(role_id=role.id, permission=name))
    return sorted(old), sorted(wanted)


def create_role(title: str, kind: str, permissions: Iterable[str] = (), actor=None) -> Role:
    """Add a custom role (kind ``staff`` or ``member``) with its grants; audited; the caller commits."""
    _check_role(title, kind)
    role = Role(name=_unique_role_name(title), title=title.strip(), kind=kind, builtin=False)
    db.session.add(role)
    db.session.flush()
    changes: dict[str, tuple] = {"title": (None, role.title), "kind": (None, kind)}
    grants = _set_grants(role, permissions)
    if grants:
        changes["permissions"] = grants
    audit.record("role.created", "role", role.id, changes, user=actor)
    generation.bump()
    return role


def update_role(role: Role, *, title: str | None = None, kind: str | None = None,
                permissions: Iterable[str] | None = None, actor=None) -> dict[str, tuple]:
    """Change a role's title and kind (custom roles only) and its grants; audited, bumps the generation."""
    changes: dict[str, tuple] = {}
    if title is not None or kind is not None:
        if role.builtin:
            raise InvalidChange({"title": _("Built-in roles keep their title and kind.")})
        new_title = role.title if title is None else title
        new_kind = role.kind if kind is None else kind
        _check_role(new_title, new_kind, role.id)
        changes.update(_apply(role, {"title": new_title.strip(), "kind": new_kind}))
    if permissions is not None:
        grants = _set_grants(role, permissions)
        if grants:
            changes["permissions"] = grants
    if changes:
        audit.record("role.updated", "role", role.id, changes, user=actor)
        generation.bump()
    return changes


def role_in_use(role: Role) -> bool:
    """Whether any staff user holds ``role``."""
    return db.session.scalar(select(User.id).where(User.role_id == role.id).limit(1)) is not None


def delete_role(role: Role, actor=None) -> None:
    """Delete a custom role nobody holds; built-in roles and roles in use raise :class:`InvalidChange`."""
    if role.builtin:
        raise InvalidChange({"": _("Built-in roles cannot be deleted.")})
    if role_in_use(role):
        raise InvalidChange({"": _("Staff users still hold this role; give them another role first.")})
    grants = sorted(role_permissions(role))
    role_id, title = role.id, role.title
    db.session.execute(delete(RolePermission).where(RolePermission.role_id == role_id))
    _delete(role)
    audit.record("role.deleted", "role", role_id, {"title": (title, None), "permissions": (grants, None)},
                 user=actor)
    generation.bump()


# --- departments --------------------------------------------------------------------------------


def _check_department(name: str, department_id: int | None, members: dict[int, bool]) -> None:
    errors = {}
    if not name.strip():
        errors["name"] = _("Enter a name.")
    else:
        stmt = select(Department.id).where(func.lower(Department.name) == name.strip().lower())
        if department_id is not None:
            stmt = stmt.where(Department.id != department_id)
        if db.session.scalar(stmt.limit(1)) is not None:
            errors["name"] = _("Another department already has this name.")
    if members:
        known = set(db.session.scalars(select(User.id).where(User.id.in_(members))))
        if set(members) - known:
            errors["members"] = _("Choose members from the list.")
    if errors:
        raise InvalidChange(errors)


def _member_summary(department: Department) -> tuple[list[int], list[int]]:
    return (sorted(m.user_id for m in department.members),
            sorted(m.user_id for m in department.members if m.is_manager))


def _set_members(department: Department, members: dict[int, bool]) -> None:
    existing = {m.user_id: m for m in department.members}
    for user_id, membership in existing.items():
        if user_id not in members:
            department.members.remove(membership)
        else:
            membership.is_manager = members[user_id]
    for user_id, is_manager in members.items():
        if user_id not in existing:
            department.members.append(DepartmentMember(user_id=user_id, is_manager=is_manager))


def save_department(department: Department | None, *, name: str, description: str = "",
                    members: dict[int, bool] | None = None, actor=None) -> tuple[Department, dict[str, tuple]]:
    """Create (``department=None``) or change a department with its members; audited; the caller commits.

    :param members: ``{user id: is manager}``; managers are members too. None keeps the members.
    :return: the department and ``{field: (old, new)}``.
    """
    _check_department(name, department.id if department else None, members or {})
    created = department is None
    if created:
        department = Department(name=name.strip(), description=description.strip())
        db.session.add(department)
        old_members: tuple[list[int], list[int]] = ([], [])
        changes: dict[str, tuple] = {"name": (None, department.name), "description": (None, department.description)}
    else:
        old_members = _member_summary(department)
        changes = _apply(department, {"name": name.strip(), "description": description.strip()})
    if members is not None:
        _set_members(department, members)
    db.session.flush()
    new_members = _member_summary(department)
    if old_members[0] != new_members[0]:
        changes["members"] = (old_members[0], new_members[0])
    if old_members[1] != new_members[1]:
        changes["managers"] = (old_members[1], new_members[1])
    if changes:
        audit.record("department.created" if created else "department.updated", "department", department.id,
                     changes, user=actor)
    return department, changes


def delete_department(department: Department, actor=None) -> None:
    """Delete a department and its memberships; refused while other records (tickets) point at it."""
    department_id, name = department.id, department.name
    members = _member_summary(department)[0]
    _delete(department)
    audit.record("department.deleted", "department", department_id, {"name": (name, None), "members": (members, None)},
                 user=actor)


def department_managers(department: Department) -> list[User]:
    """The active managers of a department, by name."""
    return sorted((m.user for m in department.members if m.is_manager and m.user.active), key=lambda u: u.name)


# --- companies ---------------------------------------------------------------------------------

DOMAIN_PATTERN = re.compile(r"^(?=.{1,200}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _check_company(name: str, domain: str, manager_ids: Iterable[int]) -> list[User]:
    errors = {}
    if not name.strip():
        errors["name"] = _("Enter a name.")
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
    managers = _check_company(name, domain, manager_ids)
    values = {"name": name.strip(), "domain": domain.strip().lower(), "notes": notes.strip()}
    created = company is None
    if created:
        company = Company(**values)
        db.session.add(company)
        changes = {key: (None, value) for key, value in values.items()}
        old_managers: list[int] = []
    else:
        old_managers = sorted(u.id for u in company.managers)
        changes = _apply(company, values)
    new_managers = [u.id for u in managers]
    if old_managers != new_managers:
        company.managers = managers
        changes["managers"] = (old_managers, new_managers)
    db.session.flush()
    if changes:
        audit.record("company.created" if created else "company.updated", "company", company.id, changes,
                     user=actor)
    return company, changes


def delete_company(company: Company, actor=None) -> None:
    """Delete a company; its contacts stay, without a company. Refused while other records need it."""
    company_id, name = company.id, company.name
    db.session.execute(update(Contact).where(Contact.company_id == company_id).values(company_id=None))
    _delete(company)
    audit.record("company.deleted", "company", company_id, {"name": (name, None)}, user=actor)


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


# --- contacts ---------------------------------------------------------------------------------

CONTACT_FIELDS = ("name", "email", "phone", "position", "company_id", "locale", "timezone", "external_id")


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
    errors = _check_locale_and_timezone(clean["locale"], clean["timezone"])
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
        changes = _apply(contact, clean)
    db.session.flush()
    if changes:
        audit.record("contact.created" if created else "contact.updated", "contact", contact.id, changes,
                     user=actor)
    return contact, changes


def delete_contact(contact: Contact, actor=None) -> None:
    """Delete a contact; refused while other records (tickets) point at it."""
    contact_id, email = contact.id, contact.email
    _delete(contact)
    audit.record("contact.deleted", "contact", contact_id, {"email": (email, None)}, user=actor)
