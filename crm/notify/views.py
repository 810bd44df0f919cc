"""The notifications pages: a staff user's own notifications, newest first, and marking them read."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from crm.auth.permissions import staff_required
from crm.extensions import db
from crm.notify import inapp

bp = Blueprint("notifications", __name__, url_prefix="/notifications", template_folder="templates")

PER_PAGE = 25


@bp.before_request
@staff_required
def _staff_only():
    """Every notifications route is for signed-in staff; each acts on the user's own rows only."""
    return None


@bp.get("/")
def index():
    """The current user's notifications, newest first, paginated."""
    page = db.paginate(inapp.notifications_for(current_user), page=request.args.get("page", 1, type=int),
                       per_page=PER_PAGE, error_out=False, count=True)
    return render_template("crm/notifications/index.html", page=page)


@bp.post("/<int:notification_id>/read")
def mark_read(notification_id: int):
    """Mark one of the user's notifications read; ``open`` in the form follows its link afterwards."""
    row = inapp.mark_read(current_user, notification_id)
    if row is None:
        abort(404)
    db.session.commit()
    if request.form.get("open") and row.safe_url:
        return redirect(row.safe_url)
    return redirect(url_for("notifications.index", page=request.form.get("page", 1, type=int)))


@bp.post("/read-all")
def mark_all_read():
    """Mark every unread notification of the user read."""
    inapp.mark_all_read(current_user)
    db.session.commit()
    return redirect(url_for("notifications.index"))
