"""The staff who may work tickets, as plain rows cached per process until people or configuration change.

The ticket list (bulk "assign to"), the ticket page (assignee choices), the
new-ticket wizard and every assignment check need "the active staff and
their departments". Reading it from the database on every request costs a
query per page; instead it is read once per value of the ``support.roster``
generation counter (bumped by any ORM write to users, roles or department
memberships, see :func:`crm.generation.watch`) and of the configuration
counter (settings such as S-11 and S-17, and role grants).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from crm import generation
from crm.extensions import db
from crm.people.models import DepartmentMember, Role, User

KEY = "support.roster"
generation.watch(KEY, User, Role, DepartmentMember)


@dataclass(frozen=True, slots=True)
class StaffRow:
    """An active staff member as assignment needs them: no password hash, no ORM state."""

    id: int
    name: str
    kind: str  # the role kind: admin, staff or member
    role_id: int
    department_ids: frozenset[int]

    @property
    def is_admin(self) -> bool:
        """Whether the role is an admin role."""
        return self.kind == "admin"


def _load() -> tuple[StaffRow, ...]:
    departments: dict[int, set[int]] = {}
    for user_id, department_id in db.session.execute(select(DepartmentMember.user_id, DepartmentMember.department_id)):
        departments.setdefault(user_id, set()).add(department_id)
    rows = db.session.execute(select(User.id, User.name, Role.kind, User.role_id).join(Role, Role.id == User.role_id)
                              .where(User.active.is_(True)).order_by(User.name, User.id))
    return tuple(StaffRow(uid, name, kind, role_id, frozenset(departments.get(uid, ())))
                 for uid, name, kind, role_id in rows)


@generation.cached(KEY, generation.KEY)
def staff() -> tuple[StaffRow, ...]:
    """Every active staff member (admins, staff and members), by name; cached per process and generation."""
    return _load()
