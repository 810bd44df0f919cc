"""Roles and their grants: the built-in roles, custom roles, and which permissions each grants."""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable

from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import delete, func, select

from crm import audit, generation
from crm.extensions import db
from crm.people.models import KnownPermission, Role, RolePermission, User
from crm.people.services.shared import InvalidChange, apply_changes, delete_row

BUILTIN_ROLES = {
    "admin": ("admin", _l("Administrator")),
    "staff": ("staff", _l("Staff")),
    "member": ("member", _l("Non-staff member")),
}
CUSTOM_ROLE_KINDS = ("staff", "member")


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
        changes.update(apply_changes(role, {"title": new_title.strip(), "kind": new_kind}))
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
    delete_row(role)
    audit.record("role.deleted", "role", role_id, {"title": (title, None), "permissions": (grants, None)},
                 user=actor)
    generation.bump()
