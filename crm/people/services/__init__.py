"""Creating, finding, changing and deleting people; the host's public API for plugins.

One module per concern: :mod:`~crm.people.services.users`,
:mod:`~crm.people.services.passwords`, :mod:`~crm.people.services.roles`,
:mod:`~crm.people.services.departments`, :mod:`~crm.people.services.companies`,
:mod:`~crm.people.services.contacts`, what plugins keep that points at people
(:mod:`~crm.people.services.references`) and the shared helpers
(:mod:`~crm.people.services.shared`). Import from this package:
``from crm.people.services import create_user``.
"""
from crm.people.services.companies import DOMAIN_PATTERN, customer_managers, delete_company, save_company
from crm.people.services.contacts import (
    CONTACT_FIELDS, contact_by_email, delete_contact, find_or_create_contact, save_contact,
)
from crm.people.services.departments import delete_department, department_managers, save_department
from crm.people.services.passwords import change_password, check_password_length, password_min_length
from crm.people.services.references import (
    PERSON_KINDS, person_references, reassign_references, references_movable, refuse_while_referenced,
)
from crm.people.services.roles import (
    BUILTIN_ROLES, CUSTOM_ROLE_KINDS, create_role, delete_role, ensure_builtin_roles, grantable_permissions,
    role_in_use, role_permissions, role_title, update_role,
)
from crm.people.services.shared import InvalidChange, email_taken, normalize_email
from crm.people.services.users import (
    active_admin_ids, create_user, delete_user, set_user_active, staff_choices, update_profile, update_user,
    user_by_email,
)

__all__ = [
    "BUILTIN_ROLES", "CONTACT_FIELDS", "CUSTOM_ROLE_KINDS", "DOMAIN_PATTERN", "InvalidChange", "PERSON_KINDS",
    "active_admin_ids", "change_password", "check_password_length", "contact_by_email", "create_role",
    "create_user", "customer_managers", "delete_company", "delete_contact", "delete_department", "delete_role",
    "delete_user", "department_managers", "email_taken", "ensure_builtin_roles", "find_or_create_contact",
    "grantable_permissions", "normalize_email", "password_min_length", "person_references",
    "reassign_references", "references_movable", "refuse_while_referenced", "role_in_use", "role_permissions",
    "role_title", "save_company", "save_contact", "save_department", "set_user_active", "staff_choices",
    "update_profile", "update_role", "update_user", "user_by_email",
]
