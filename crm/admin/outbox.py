"""Admin pages: outgoing mail that failed, listed with the server's answer, retried or discarded."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext

from crm.admin.views import bp
from crm.extensions import db
from crm.notify import failed
from crm.notify.queue import request_relay

PER_PAGE = 50


def _selected_ids() -> list[int]:
    """The message ids ticked in the form; anything but plain ASCII digits is left out."""
    values = request.form.getlist("ids")[:failed.MAX_BATCH]
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 10]


def _back():
    return redirect(url_for("admin.outbox", page=request.form.get("page", 1, type=int)))


@bp.get("/outbox")
def outbox():
    """Failed outgoing messages, the most recently tried first, 50 a page."""
    page = db.paginate(failed.failed_messages(), page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False)
    return render_template("crm/admin/outbox.html", page=page, recipients=failed.recipients,
                           subject=failed.subject)


@bp.post("/outbox/retry")
def outbox_retry():
    """Send the ticked failed messages again from the first attempt."""
    ids = _selected_ids()
    if not ids:
        flash(_("Choose at least one message."), "error")
        return _back()
    rows = failed.retry(ids)
    db.session.commit()
    if rows:
        request_relay()
    flash(ngettext("%(num)s message will be sent again.", "%(num)s messages will be sent again.", len(rows)),
          "success")
    return _back()


@bp.post("/outbox/discard")
def outbox_discard():
    """Delete the ticked failed messages for good."""
    ids = _selected_ids()
    if not ids:
        flash(_("Choose at least one message."), "error")
        return _back()
    count = failed.discard(ids)
    db.session.commit()
    flash(ngettext("%(num)s message was discarded.", "%(num)s messages were discarded.", count), "success")
    return _back()
