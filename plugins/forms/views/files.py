"""File answers, served only to those who may see the answer's ticket (support's access policy)."""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from crm.extensions import db
from crm.storage import send_stored_file
from plugins.forms.models import Answer
from plugins.forms.views import bp


def _actor():
    """The signed-in person as a support actor: a staff user, or a portal customer's contact."""
    user = current_user._get_current_object()
    if not getattr(user, "is_authenticated", False):
        return None
    if getattr(user, "is_customer", False):
        return getattr(user, "contact", None)
    return user


@bp.get("/answers/<int:answer_id>/file")
def answer_file(answer_id: int):
    """Download a file answer; 404 for anyone who may not see its ticket (never saying whether it exists)."""
    from plugins.support import api

    answer = db.session.get(Answer, answer_id)
    actor = _actor()
    if answer is None or actor is None or not isinstance(answer.value, dict) or not answer.value.get("key"):
        abort(404)
    ticket = db.session.get(api.Ticket, answer.ticket_id)
    if ticket is None or not api.can_see(actor, ticket):
        abort(404)
    value = answer.value
    return send_stored_file(value["key"], value.get("filename") or "file", value.get("content_type"))
