"""Inline previews of ticket attachments: images and PDFs only, after content sniffing, with the sandbox kept."""
from __future__ import annotations

from flask import abort, redirect, url_for
from flask_login import current_user
from sqlalchemy import select

from crm.extensions import db
from crm.storage import send_stored_file
from plugins.support import access, previews
from plugins.support.models import Attachment, Ticket
from plugins.support.views import bp
from plugins.support.views.tickets import desk_required


@bp.app_template_global("support_may_preview")
def support_may_preview(attachment) -> bool:
    """Template helper: whether an attachment gets a preview link."""
    return previews.may_preview(attachment)


@bp.app_template_global("support_is_image")
def support_is_image(attachment) -> bool:
    """Template helper: whether an attachment is shown as a thumbnail."""
    return previews.is_image(attachment)


@bp.get("/tickets/<number>/files/<int:attachment_id>/preview")
@desk_required
def attachment_preview(number, attachment_id):
    """Show an attachment of a visible ticket in the browser if its content is an image or a PDF.

    Anything else is sent to the ordinary download. The response keeps the
    headers of every stored file (nosniff, a sandboxing Content Security
    Policy, no caching); only ``Content-Disposition`` becomes ``inline``.
    """
    row = db.session.scalar(
        select(Attachment).join(Ticket, Ticket.id == Attachment.ticket_id)
        .where(Attachment.id == attachment_id, Ticket.number == number, access.visible_tickets(current_user))
    )
    if row is None:
        abort(404)
    try:
        mimetype = previews.sniffed_preview_type(row.storage_key)
    except FileNotFoundError:
        abort(404)
    if mimetype is None:
        return redirect(url_for("support.attachment", number=number, attachment_id=attachment_id))
    return send_stored_file(row.storage_key, row.filename, mimetype=mimetype, as_attachment=False)
