"""Staff users, roles and grants, departments, companies and contacts."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash

from crm.auth.passwords import hash_password
from crm.extensions import db
from crm.timeutil import utcnow

ROLE_KINDS = ("admin", "staff", "member")


class Role(db.Model):
    """A set of granted permissions; ``kind`` says whether holders are admins, staff or non-staff members."""

    __tablename__ = "crm_role"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(60), unique=True)
    title: Mapped[str] = mapped_column(db.String(120), default="")
    kind: Mapped[str] = mapped_column(db.String(10), default="staff")
    builtin: Mapped[bool] = mapped_column(default=False)


class RolePermission(db.Model):
    """A permission granted to a role."""

    __tablename__ = "crm_role_permission"
    role_id: Mapped[int] = mapped_column(ForeignKey("crm_role.id", ondelete="CASCADE"), primary_key=True)
    permission: Mapped[str] = mapped_column(db.String(120), primary_key=True)


class KnownPermission(db.Model):
    """A permission whose default grants were applied once; later grants are the admins' choice."""

    __tablename__ = "crm_known_permission"
    name: Mapped[str] = mapped_column(db.String(120), primary_key=True)


class User(UserMixin, db.Model):
    """A person who works in the CRM: an admin, a staff member or a non-staff member."""

    __tablename__ = "crm_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(db.String(254), unique=True)
    name: Mapped[str] = mapped_column(db.String(200), index=True)
    password_hash: Mapped[str] = mapped_column(db.String(256), default="")
    role_id: Mapped[int] = mapped_column(ForeignKey("crm_role.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(db.String(10))
    timezone: Mapped[str | None] = mapped_column(db.String(60))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()
    password_changed_at: Mapped[datetime | None] = mapped_column()

    role: Mapped[Role] = relationship(lazy="joined")
    memberships: Mapped[list["DepartmentMember"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    is_staff_user = True

    def get_id(self) -> str:
        return f"staff:{self.id}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role.kind == "admin"

    @property
    def is_staff(self) -> bool:
        """Admins and staff; not non-staff members."""
        return self.role.kind in ("admin", "staff")

    @property
    def is_member(self) -> bool:
        """A non-staff member (contractor, light agent)."""
        return self.role.kind == "member"

    @property
    def department_ids(self) -> set[int]:
        return {m.department_id for m in self.memberships}

    @property
    def managed_department_ids(self) -> set[int]:
        return {m.department_id for m in self.memberships if m.is_manager}

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def __repr__(self):
        return f"<User {self.email}>"


class Department(db.Model):
    """A team of staff (support project); tickets are routed to departments."""

    __tablename__ = "crm_department"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(120), unique=True)
    description: Mapped[str] = mapped_column(db.Text, default="")
    members: Mapped[list["DepartmentMember"]] = relationship(
        back_populates="department", cascade="all, delete-orphan"
    )


class DepartmentMember(db.Model):
    """A staff member in a department; managers are members with ``is_manager``."""

    __tablename__ = "crm_department_member"
    department_id: Mapped[int] = mapped_column(ForeignKey("crm_department.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("crm_user.id", ondelete="CASCADE"), primary_key=True, index=True)
    is_manager: Mapped[bool] = mapped_column(default=False)
    department: Mapped[Department] = relationship(back_populates="members")
    user: Mapped[User] = relationship(back_populates="memberships")


class Company(db.Model):
    """A customer account; its contacts are the people who write to support."""

    __tablename__ = "crm_company"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(200), index=True, unique=True)
    domain: Mapped[str] = mapped_column(db.String(200), default="")
    notes: Mapped[str] = mapped_column(db.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    managers: Mapped[list[User]] = relationship(secondary="crm_company_manager", lazy="selectin")


class CompanyManager(db.Model):
    """A staff member who manages a company's account."""

    __tablename__ = "crm_company_manager"
    company_id: Mapped[int] = mapped_column(ForeignKey("crm_company.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("crm_user.id", ondelete="CASCADE"), primary_key=True)


class Contact(db.Model):
    """A customer person; may belong to a company and may log in to a portal."""

    __tablename__ = "crm_contact"
    __table_args__ = (UniqueConstraint("email"), Index("ix_crm_contact_name", "name"))
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("crm_company.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(db.String(200))
    email: Mapped[str] = mapped_column(db.String(254))
    phone: Mapped[str] = mapped_column(db.String(40), default="")
    position: Mapped[str] = mapped_column(db.String(120), default="")
    external_id: Mapped[str | None] = mapped_column(db.String(120), index=True)
    locale: Mapped[str | None] = mapped_column(db.String(10))
    timezone: Mapped[str | None] = mapped_column(db.String(60))
    password_hash: Mapped[str] = mapped_column(db.String(256), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    company: Mapped[Company | None] = relationship(lazy="joined")

    is_staff_user = False

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)
