"""Ticket templates (SPEC S-32): named presets that prefill the three steps of a ticket opened by staff.

A template keeps the values of the steps (brand, topic, status, email
subject, description, priority, assignment and tags), never the customer or
files. Staff who may open tickets may use and save templates; only the author
or an admin edits or deletes one.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _, ngettext
from sqlalchemy import ForeignKey, JSON, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm import audit
from crm.extensions import db
from crm.people.models import User
from crm.timeutil import utcnow

#: The step values a template keeps; anything else given to the services is dropped.
TEMPLATE_FIELDS = (
    "brand_id", "topic_id", "status", "subject", "description",
    "priority", "assign_to", "assignee_user_id", "assignee_department_id", "tags",
    "tag_ids",  # templates saved before tags were typed
)
NAME_MAX = 120


class TicketTemplate(db.Model):
    """A named set of step values for opening tickets on a customer's behalf."""

    __tablename__ = "support_ticket_template"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(NAME_MAX), unique=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="raise_on_sql")


class TemplateInvalid(ValueError):
    """Refused template input; ``errors`` maps field names to translated messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def template_values(values: dict[str, Any]) -> dict[str, Any]:
    """Keep only the step values a template stores."""
    return {k: values[k] for k in TEMPLATE_FIELDS if k in values and values[k] not in (None, "", [])}


def list_templates() -> list[TicketTemplate]:
    """Every template by name, with its author loaded (one query)."""
    from sqlalchemy.orm import joinedload

    return list(db.session.scalars(
        select(TicketTemplate).options(joinedload(TicketTemplate.author)).order_by(TicketTemplate.name)
    ))


def get_template(template_id: Any) -> TicketTemplate | None:
    """The template with this id (any input; a bad id gives None)."""
    try:
        number = int(template_id)
    except (TypeError, ValueError, OverflowError):
        return None
    if not 0 < number < 2 ** 31:
        return None
    return db.session.get(TicketTemplate, number)


def can_manage(user, template: TicketTemplate) -> bool:
    """Whether ``user`` may edit or delete ``template``: its author, or an admin."""
    if not getattr(user, "is_staff_user", False):
        return False
    return user.is_admin or (template.author_id is not None and template.author_id == user.id)


def _clean_name(name: str | None, exclude_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise TemplateInvalid({"template_name": _("Give the template a name.")})
    if len(name) > NAME_MAX:
        raise TemplateInvalid({"template_name": ngettext("Use at most %(num)s character.", "Use at most %(num)s characters.", NAME_MAX)})
    query = select(TicketTemplate.id).where(func.lower(TicketTemplate.name) == name.lower())
    if exclude_id is not None:
        query = query.where(TicketTemplate.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise TemplateInvalid({"template_name": _("A template named “%(name)s” already exists.", name=name)})
    return name


def save_template(name: str, values: dict[str, Any], author) -> TicketTemplate:
    """Add a template (audited); the caller commits. Raises :class:`TemplateInvalid` on a bad or taken name."""
    template = TicketTemplate(name=_clean_name(name), values=template_values(values),
                              author_id=getattr(author, "id", None))
    db.session.add(template)
    db.session.flush()
    audit.record("support.template.created", "support_ticket_template", template.id,
                 {"name": (None, template.name)}, user=author)
    return template


def update_template(template: TicketTemplate, name: str, values: dict[str, Any], user) -> TicketTemplate:
    """Rename a template and replace its values (audited); the caller commits.

    Raises :class:`PermissionError` when ``user`` may not manage it and
    :class:`TemplateInvalid` on a bad or taken name.
    """
    if not can_manage(user, template):
        raise PermissionError("not the template's author")
    new_name = _clean_name(name, exclude_id=template.id)
    new_values = template_values(values)
    changes = {}
    if new_name != template.name:
        changes["name"] = (template.name, new_name)
    if new_values != template.values:
        changes["values"] = (sorted(template.values), sorted(new_values))
    template.name, template.values, template.updated_at = new_name, new_values, utcnow()
    if changes:
        audit.record("support.template.updated", "support_ticket_template", template.id, changes, user=user)
    return template


def delete_template(template: TicketTemplate, user) -> None:
    """Remove a template (audited); the caller commits. Raises :class:`PermissionError` if not allowed."""
    if not can_manage(user, template):
        raise PermissionError("not the template's author")
    audit.record("support.template.deleted", "support_ticket_template", template.id,
                 {"name": (template.name, None)}, user=user)
    db.session.delete(template)
