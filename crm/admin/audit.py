"""Admin pages: the audit log, newest first, filtered by action, object type and actor (SPEC H-15)."""
from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from crm.admin.audit_labels import labels
from crm.admin.views import bp
from crm.audit import AuditEntry
from crm.extensions import db

PER_PAGE = 50


def _clean(value: str, length: int) -> str:
    """A filter value without control characters (PostgreSQL refuses NUL) and bounded in length."""
    return "".join(ch for ch in value if ch.isprintable()).strip()[:length]


def audit_filters() -> dict[str, str]:
    """The filters of the current request: ``action``, ``object_type`` and ``actor`` (an email)."""
    return {
        "action": _clean(request.args.get("action", ""), 80),
        "object_type": _clean(request.args.get("object_type", ""), 60),
        "actor": _clean(request.args.get("actor", ""), 200).lower(),
    }


def audit_query(filters: dict[str, str]):
    """The entries matching ``filters``, newest first."""
    stmt = select(AuditEntry)
    if filters["action"]:
        stmt = stmt.where(AuditEntry.action == filters["action"])
    if filters["object_type"]:
        stmt = stmt.where(AuditEntry.object_type == filters["object_type"])
    if filters["actor"]:
        stmt = stmt.where(AuditEntry.actor_label == filters["actor"])
    return stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


@bp.get("/audit")
def audit():
    """The audit log, 50 entries a page; a fixed number of queries whatever the page holds."""
    filters = audit_filters()
    page = db.paginate(audit_query(filters), page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False)
    actions = db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).all()
    object_types = db.session.scalars(
        select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)).all()
    return render_template("crm/admin/audit.html", page=page, filters=filters, actions=actions,
                           object_types=object_types, labels=labels())
