"""Admin page action: sign a staff user out everywhere (every session and remember cookie ends)."""
from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import ngettext

from crm.admin.views import bp
from crm.auth import sessions
from crm.extensions import db
from crm.people.models import User


@bp.post("/staff/<int:user_id>/sign-out-everywhere")
def staff_sign_out_everywhere(user_id: int):
    """End every session of a staff user on every device, e.g. after a lost laptop."""
    user = db.get_or_404(User, user_id)
    ended = sessions.end_all(user.get_id())
    db.session.commit()
    flash(ngettext("%(name)s was signed out of %(num)d session.", "%(name)s was signed out of %(num)d sessions.",
                   ended, name=user.name), "success")
    return redirect(url_for("admin.staff_edit", user_id=user.id))
