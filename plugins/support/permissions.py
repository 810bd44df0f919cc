"""The permissions the support plugin declares; admins grant them to roles."""
from flask_babel import lazy_gettext as _l

from crm import Permission

VIEW = "support.tickets.view"
REPLY = "support.tickets.reply"
EDIT = "support.tickets.edit"
ASSIGN = "support.tickets.assign"
CREATE = "support.tickets.create"
DELETE = "support.tickets.delete"
ADMIN = "support.admin"
CANNED_MANAGE = "support.canned_replies.manage"

PERMISSIONS = [
    Permission(VIEW, _l("See tickets"), _l("Open the ticket list and ticket pages the access rules allow."),
               default_roles=("staff", "member")),
    Permission(REPLY, _l("Reply to tickets"), _l("Write public replies and internal notes."),
               default_roles=("staff", "member")),
    Permission(EDIT, _l("Edit tickets"), _l("Change status, priority, department, service and tags."),
               default_roles=("staff",)),
    Permission(ASSIGN, _l("Assign tickets"), _l("Assign tickets to staff or teams."), default_roles=("staff",)),
    Permission(CREATE, _l("Open tickets for customers"), _l("Open tickets on a customer's behalf."),
               default_roles=("staff",)),
    Permission(DELETE, _l("Delete tickets and replies"),
               _l("Effective for non-admin staff only while the setting allowing it is on."),
               default_roles=("staff",)),
    Permission(ADMIN, _l("Manage support data"), _l("Statuses, priorities, brands, services and topics.")),
    Permission(CANNED_MANAGE, _l("Manage canned replies"),
               _l("Create, edit and delete the canned replies shared with the whole desk or a department.")),
]
