"""Making the people, roles and plugin rows a test needs, through the host's services and plugins' hooks."""
from __future__ import annotations

from typing import Iterable

from crm.extensions import db
from crm.testing.client import PASSWORD


class Factory:
    """Makes rows for tests; every method commits and returns the new row.

    Staff: :meth:`user` (``role`` is ``staff``, ``member``, ``admin`` or a
    custom :class:`~crm.people.models.Role`), :meth:`admin`, :meth:`role`
    with grants; people records: :meth:`department`, :meth:`company`,
    :meth:`contact`; plugins add their own methods through
    ``crm_test_factories`` (support: ``ticket``, through its public API).
    Every account's password is :data:`PASSWORD`.
    """

    def __init__(self, app):
        self.app = app
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def user(self, role="staff", email=None, name=None, password=PASSWORD, departments=(), managed=(), **fields):
        """A staff account with ``role``, member of ``departments`` (managing those in ``managed``)."""
        from crm.people.models import DepartmentMember
        from crm.people.services import create_user

        n = self._next()
        label = role if isinstance(role, str) else role.name
        user = create_user(email or f"{label}{n}@example.com", name or f"{label.title()} {n}", password, role=role)
        for key, value in fields.items():
            setattr(user, key, value)
        for dep in departments:
            db.session.add(DepartmentMember(department_id=dep.id, user_id=user.id, is_manager=dep in managed))
        db.session.commit()
        return user

    def admin(self, **kw):
        """An admin account."""
        return self.user(role="admin", **kw)

    def role(self, title=None, permissions: Iterable[str] = (), kind="staff"):
        """A custom role of ``kind`` (``staff`` or ``member``) granting ``permissions``."""
        from crm.people.services.roles import create_role

        role = create_role(title or f"Role {self._next()}", kind, permissions)
        db.session.commit()
        return role

    def department(self, name=None):
        """A department."""
        from crm.people.models import Department

        dep = Department(name=name or f"Department {self._next()}")
        db.session.add(dep)
        db.session.commit()
        return dep

    def company(self, name=None):
        """A company."""
        from crm.people.models import Company

        company = Company(name=name or f"Company {self._next()}")
        db.session.add(company)
        db.session.commit()
        return company

    def contact(self, email=None, name=None, company=None, **fields):
        """A customer contact, of ``company`` when given."""
        from crm.people.models import Contact

        n = self._next()
        contact = Contact(email=email or f"customer{n}@example.org", name=name or f"Customer {n}",
                          company_id=company.id if company else None, **fields)
        db.session.add(contact)
        db.session.commit()
        return contact

    def __getattr__(self, name: str):
        """A factory method a plugin adds through ``crm_test_factories`` (e.g. support's ``ticket``)."""
        if name.startswith("_"):
            raise AttributeError(name)
        for methods in self.app.extensions["crm"].hook.crm_test_factories():
            if methods and name in methods:
                return lambda *args, **kwargs: methods[name](self, *args, **kwargs)
        raise RuntimeError(f"factory.{name}() comes from a plugin's crm_test_factories and no enabled plugin "
                           f"offers it: load that plugin in app_plugins (factory.ticket needs support)")