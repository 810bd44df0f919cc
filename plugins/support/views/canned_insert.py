"""Canned replies on the ticket page: the select in the reply form, and inserting a reply's filled-in text.

With JavaScript, the Insert button fetches :func:`canned_reply_text` and puts
the text at the cursor. Without it, the button posts the reply form to
:func:`canned_insert`, which shows the page again with the text appended to
what was typed. Both use the same service, so the text is the same.
"""
from __future__ import annotations

from flask import abort, jsonify, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from plugins.support import access
from plugins.support.canned_replies import service
from plugins.support.forms import ReplyForm
from plugins.support.models import Ticket
from plugins.support.views import bp
from plugins.support.views.tickets import _render_ticket, _ticket, desk_required


@bp.app_template_global("support_canned_choices")
def support_canned_choices() -> list[service.Choice]:
    """The canned replies the viewer may insert (id, title, scope), in one query; none for non-agents."""
    return service.choices(current_user._get_current_object())


def _reply_or_404(user, raw_id):
    if not service.may_use(user):
        abort(404)
    return service.insertable_or_404(user, raw_id)


@bp.get("/tickets/<number>/canned-reply")
@desk_required
def canned_reply_text(number):
    """``{"text": ...}``: canned reply ``?reply=<id>`` filled in for this ticket (404 when either is not the
    viewer's to use)."""
    user = current_user._get_current_object()
    ticket = access.visible_ticket_or_404(user, number, options=(
        joinedload(Ticket.contact), joinedload(Ticket.company), joinedload(Ticket.department)))
    reply = _reply_or_404(user, request.args.get("reply"))
    response = jsonify({"text": service.text_for_ticket(user, reply, ticket)})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/tickets/<number>/canned-reply")
@desk_required
def canned_insert(number):
    """Without JavaScript: the ticket page again, the chosen reply appended to the typed text (nothing saved)."""
    user = current_user._get_current_object()
    ticket = _ticket(number)
    reply = _reply_or_404(user, request.form.get("canned_reply"))
    form = ReplyForm()
    form.body.data = service.append(form.body.data, service.text_for_ticket(user, reply, ticket))
    return _render_ticket(ticket, reply=form)
