"""The support plugin's labels for the audit log (the ``crm_audit_labels`` hook)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from plugins.support import statuses

ACTIONS = {
    "ticket.created": _l("Ticket opened"),
    "ticket.updated": _l("Ticket changed"),
    "ticket.fields_changed": _l("Ticket data fields changed"),
    "ticket.public_reply": _l("Replied"),
    "ticket.internal_note": _l("Internal note added"),
    "ticket.customer_message": _l("Customer wrote"),
    "ticket.post_deleted": _l("Message deleted"),
    "ticket.deleted": _l("Ticket deleted"),
    "support.company_topics.updated": _l("Company topics changed"),
    "support.template.created": _l("Ticket template created"),
    "support.template.updated": _l("Ticket template changed"),
    "support.template.deleted": _l("Ticket template deleted"),
    "support.canned_reply.created": _l("Canned reply created"),
    "support.canned_reply.updated": _l("Canned reply changed"),
    "support.canned_reply.deleted": _l("Canned reply deleted"),
}
for _kind, _created, _updated, _reordered, _deleted in (
    ("statuses", _l("Status created"), _l("Status changed"), _l("Status moved"), _l("Status deleted")),
    ("priorities", _l("Priority created"), _l("Priority changed"), _l("Priority moved"), _l("Priority deleted")),
    ("brands", _l("Brand created"), _l("Brand changed"), _l("Brand moved"), _l("Brand deleted")),
    ("services", _l("Service created"), _l("Service changed"), _l("Service moved"), _l("Service deleted")),
    ("topics", _l("Topic created"), _l("Topic changed"), _l("Topic moved"), _l("Topic deleted")),
):
    ACTIONS.update({f"support.{_kind}.created": _created, f"support.{_kind}.updated": _updated,
                    f"support.{_kind}.reordered": _reordered, f"support.{_kind}.deleted": _deleted})

OBJECT_TYPES = {
    "ticket": _l("Ticket"),
    "statuses": _l("Status"),
    "priorities": _l("Priority"),
    "brands": _l("Brand"),
    "services": _l("Service"),
    "topics": _l("Topic"),
    "support_ticket_template": _l("Ticket template"),
    "support_canned_reply": _l("Canned reply"),
}

FIELDS = {
    "ticket.subject": _l("Subject"),
    "ticket.status": _l("Status"),
    "ticket.priority": _l("Priority"),
    "ticket.department": _l("Department"),
    "ticket.assignee_user": _l("Assignee"),
    "ticket.assignee_department": _l("Assigned team"),
    "ticket.service": _l("Service"),
    "ticket.topic": _l("Topic"),
    "ticket.brand": _l("Brand"),
    "ticket.tags": _l("Tags"),
    "ticket.channel": _l("Channel"),
    "ticket.post": _l("Message"),
    "ticket.kind": _l("Kind"),
    "support_canned_reply.title": _l("Title"),
    "support_canned_reply.scope": _l("Seen by"),
    "support_canned_reply.department": _l("Department"),
    "support_canned_reply.active": _l("Offered on the ticket page"),
    "support_canned_reply.position": _l("Order"),
    "support_canned_reply.languages": _l("Languages"),
}


def _status(key) -> str:
    row = statuses.status_by_key(str(key))
    if row is not None:
        return statuses.status_label(row)
    label = statuses.STATUS_LABELS.get(str(key))
    return str(label) if label is not None else str(key)


def _priority(key) -> str:
    row = statuses.priority_by_key(str(key))
    if row is not None:
        return statuses.priority_label(row)
    label = statuses.PRIORITY_LABELS.get(str(key))
    return str(label) if label is not None else str(key)


def _channel(key) -> str:
    from plugins.support.views.tickets import channel_label

    return channel_label(str(key))


def _post_kind(key) -> str:
    labels = {"public_reply": pgettext("post kind", "Reply"), "internal_note": _l("Internal note"),
              "customer_message": _l("Customer message")}
    return str(labels.get(str(key), key))


def labels() -> dict:
    """Labels for the support actions, object types, ticket fields and status/priority/channel values."""
    return {
        "actions": ACTIONS,
        "object_types": OBJECT_TYPES,
        "fields": FIELDS,
        "values": {"ticket.status": _status, "ticket.priority": _priority, "ticket.channel": _channel,
                   "ticket.kind": _post_kind},
    }
