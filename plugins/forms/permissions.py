"""The permission the forms plugin checks; admins hold it, and may grant it to other roles."""
from flask_babel import lazy_gettext as _l

from crm import Permission

MANAGE = "forms.manage"

PERMISSIONS = [
    Permission(MANAGE, _l("Manage forms and data fields"),
               _l("Build forms and data fields, attach forms to topics, read and export the responses.")),
]
