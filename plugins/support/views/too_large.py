"""A post too large for the request limit (413): back to the page it came from, saying why."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from crm import settings
from plugins.support.views import bp


@bp.app_template_global("support_max_file_mb")
def support_max_file_mb() -> int:
    """Template helper: the largest attachment in MB (S-22), for the size check done before sending."""
    return settings.get("support.max_file_size_mb")


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc):
    """The ticket page (or the new-ticket wizard) again with the limits; the sent text cannot be recovered.

    The body of a refused request is never read, so nothing typed comes
    back: the message says so, and the pages check sizes before sending.
    """
    message = _("The files were too large to send (at most %(num)s files of %(mb)s MB each). "
                "Nothing was saved; the text you typed could not be kept, please write it again.",
                num=settings.get("support.max_attachments"), mb=settings.get("support.max_file_size_mb"))
    number = (request.view_args or {}).get("number")
    if number:
        flash(message, "error")
        return redirect(url_for("support.ticket", number=number), code=303)
    if (request.endpoint or "").startswith("support.new_ticket"):
        flash(message, "error")
        return redirect(url_for(request.endpoint, **(request.view_args or {})), code=303)
    return render_template("crm/error.html", code=413, title=message), 413
