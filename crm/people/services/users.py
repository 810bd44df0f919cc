"""Staff users: creating, finding, changing, deactivating and deleting them."""
from __future__ import annotations

from typing import Iterable

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from crm import audit
from crm.extensions import db
from crm.people.models import CompanyManager, Department, DepartmentMember, Role, User
from crm.people.services.references import refuse_while_referenced
from crm.people.services.shared import (
    InvalidChange, apply_changes, check_locale_and_timezone, delete_row, email_taken, lock_rows, normalize_email,
)
from crm.timeutil import utcnow


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


def update_profile(user: User, name: str, locale: str | None, timezone: str | None) -> dict[str, tuple]:
    """Change a user's own name, language and timezone (empty means the site default); audited."""
    errors = check_locale_and_timezone(locale, timezone)
    if not name.strip():
        errors["name"] = _("Enter a name.")
    if errors:
        raise InvalidChange(errors)
    changes = apply_changes(user, {"name": name.strip(), "locale": locale or None, "timezone": timezone or None})
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


def _is_actor(user: User, actor) -> bool:
    return actor is not None and getattr(actor, "is_staff_user", True) and getattr(actor, "id", None) == user.id


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
        if _is_actor(user, actor):
            errors["role"] = _("You cannot take away your own admin role.")
        elif _would_remove_last_admin(user):
            errors["role"] = _("This is the last active admin; make someone else admin first.")
    if errors:
        raise InvalidChange(errors)
    old_role = user.role.name
    changes = apply_changes(user, {"email": normalize_email(email), "name": name.strip()})
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
        if _is_actor(user, actor):
            raise InvalidChange({"": _("You cannot deactivate your own account.")})
        if _would_remove_last_admin(user):
            raise InvalidChange({"": _("This is the last active admin; make someone else admin first.")})
    user.active = active
    audit.record("user.reactivated" if active else "user.deactivated", "user", user.id,
                 {"active": (not active, active)}, user=actor)
    return True


def delete_user(user: User, actor=None) -> None:
    """Delete a staff user who has left no work behind (e.g. one added by mistake); audited; the caller commits.

    A user whose work other records keep (tickets assigned to them, replies
    they wrote, changes they made: every installed plugin is asked through
    ``crm_person_references``) is refused with the counts: deactivate them
    instead, which stops them signing in and keeps their name on their work.
    Nobody can delete their own account, and the last active admin stays.
    Their department memberships, customer-manager roles and personal rows
    (notifications, drafts) go with them; their sessions end and their
    one-time links stop working.
    """
    if _is_actor(user, actor):
        raise InvalidChange({"": _("You cannot delete your own account.")})
    if _would_remove_last_admin(user):
        raise InvalidChange({"": _("This is the last active admin; make someone else admin first.")})
    lock_rows(User, user.id)
    refuse_while_referenced("user", user, _("Deactivate the account instead: it can no longer sign in, "
                                            "and its work stays under its name."))
    from crm.auth import sessions, tokens

    user_id, email, name = user.id, user.email, user.name
    departments = sorted(user.department_ids)
    # SQLite may give the next account this id again: nothing of this one may sign it in
    sessions.end_all(user.get_id())
    tokens.revoke_all(user.get_id())
    db.session.execute(delete(CompanyManager).where(CompanyManager.user_id == user_id))
    delete_row(user)
    audit.record("user.deleted", "user", user_id,
                 {"email": (email, None), "name": (name, None), "departments": (departments, None)}, user=actor)


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
