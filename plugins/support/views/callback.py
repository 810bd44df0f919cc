"""Support pages: the callback tab of the new-ticket form (S-33), showing what the company's system knows.

The tab belongs to a wizard draft, so the values of the three steps stay in
the draft while staff look the customer up; the last answer is kept with the
draft and shown beside every step.
"""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm import settings
from crm.extensions import db
from plugins.support import callback, wizard
from plugins.support.views import bp
from plugins.support.views.new_ticket import creator_required


def _return_step() -> int:
    try:
        step = int(request.values.get("step", 1))
    except ValueError:
        return 1
    return step if step in wizard.STEPS else 1


@bp.route("/tickets/new/<draft_id>/callback", methods=["GET", "POST"])
@creator_required
def new_ticket_callback(draft_id: str):
    """Show the callback tab; posting ``go=fetch`` asks the configured callback about the email given."""
    draft = wizard.load_draft(draft_id, current_user)
    if draft is None:
        abort(404)
    step = _return_step()
    error = ""
    email = (draft.callback or {}).get("email") or draft.get("customer_email") or ""
    if request.method == "POST":
        email = (request.form.get("email") or "").strip()[:254]
        go = request.form.get("go", "fetch")
        if email and not draft.get("customer_email"):
            wizard.update_values(draft, {"customer_email": email})
        if go in ("1", "2", "3"):
            db.session.commit()
            return redirect(url_for("support.new_ticket_step", draft_id=draft.id, step=int(go)))
        if not email:
            error = _("Enter the customer's email address.")
        elif not wizard.valid_email(email):
            error = _("Enter a valid email address.")
        else:
            result = callback.fetch_customer_info(email)
            wizard.set_callback(draft, email, result.as_dict())
        db.session.commit()
        if not error:
            return redirect(url_for("support.new_ticket_callback", draft_id=draft.id, step=step))
    return render_template(
        "support/callback_tab.html", draft=draft, step=step, email=email, error=error,
        configured=bool(settings.get("support.callback_url")), result=draft.callback, callback_configured=True,
        steps=[(1, _("Ticket")), (2, _("Customer and content")), (3, _("Assignment"))],
    ), (400 if error else 200)
