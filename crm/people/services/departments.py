"""Departments: their members and managers, and deleting one (moving what uses it elsewhere)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from crm import audit
from crm.extensions import db
from crm.people.models import Department, DepartmentMember, User
from crm.people.services.references import reassign_references, refuse_while_referenced
from crm.people.services.shared import InvalidChange, apply_changes, delete_row, lock_rows


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
        changes = apply_changes(department, {"name": name.strip(), "description": description.strip()})
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


def delete_department(department: Department, actor=None, move_to: Department | None = None) -> int:
    """Delete a department and its memberships; audited; the caller commits. Returns how many records moved.

    While records of plugins use the department (tickets, topics: see
    ``crm_person_references``) the delete is refused with their counts,
    unless ``move_to`` names another department: then they are moved there
    first, in the same transaction.
    """
    if move_to is not None and move_to.id == department.id:
        raise InvalidChange({"move_to": _("Choose another department to move them to.")})
    locked = lock_rows(Department, department.id, *([move_to.id] if move_to is not None else []))
    if move_to is not None and move_to.id not in locked:
        raise InvalidChange({"move_to": _("Choose a department from the list.")})
    moved = reassign_references("department", department, move_to, actor=actor) if move_to is not None else 0
    refuse_while_referenced("department", department, _("Move them to another department first."))
    department_id, name = department.id, department.name
    members = _member_summary(department)[0]
    changes: dict[str, tuple] = {"name": (name, None), "members": (members, None)}
    if move_to is not None:
        changes["moved_to"] = (None, move_to.id)
        changes["moved"] = (None, moved)
    delete_row(department)
    audit.record("department.deleted", "department", department_id, changes, user=actor)
    return moved


def department_managers(department: Department) -> list[User]:
    """The active managers of a department, by name."""
    return sorted((m.user for m in department.members if m.is_manager and m.user.active), key=lambda u: u.name)
