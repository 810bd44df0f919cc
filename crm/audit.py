"""The audit log: who changed what, when, from which value to which."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import JSON, Index
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import db
from crm.timeutil import utcnow


class AuditEntry(db.Model):
    """One recorded change; ``changes`` maps a field to ``[old, new]``."""

    __tablename__ = "crm_audit"
    __table_args__ = (Index("ix_crm_audit_object", "object_type", "object_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_label: Mapped[str] = mapped_column(db.String(200), default="", index=True)
    action: Mapped[str] = mapped_column(db.String(80), index=True)
    object_type: Mapped[str] = mapped_column(db.String(60))
    object_id: Mapped[str] = mapped_column(db.String(80))
    changes: Mapped[Any] = mapped_column(JSON, default=dict)


def _jsonable(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def record(action: str, object_type: str, object_id, changes: dict | None = None, user=None) -> AuditEntry:
    """Add an audit entry to the current transaction.

    :param action: a dotted verb, e.g. ``"settings.changed"``, ``"ticket.assigned"``.
    :param object_type: what was changed, e.g. ``"user"``, ``"ticket"``.
    :param object_id: its id or key.
    :param changes: ``{field: (old, new)}``.
    :param user: who did it; defaults to the logged-in user, None for the system.
    """
    if user is None and has_request_context() and getattr(current_user, "is_authenticated", False):
        user = current_user
    entry = AuditEntry(
        actor_id=getattr(user, "id", None) if getattr(user, "is_staff_user", False) else None,
        actor_label=(getattr(user, "email", "") or "") if user is not None else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        changes={k: _jsonable(list(v) if isinstance(v, tuple) else v) for k, v in (changes or {}).items()},
    )
    db.session.add(entry)
    return entry
