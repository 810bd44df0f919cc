"""Data fields on the staff ticket page (place ``staff_ticket``): shown, and changed by staff who may edit.

The fields come from other plugins through the host's ``crm_data_fields``
hook; their values are loaded in one query per store and changed through
:func:`plugins.support.services.set_field_values` (history, audit, the
ticket's version).
"""
from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField

from crm.extensions import db
from crm.fields import add_field_error, form_with_fields, submitted_values, values_and_form
from crm.parsing import parse_int
from plugins.support import access, services
from plugins.support import permissions as perms
from plugins.support.services.field_values import ticket_fields
from plugins.support.views import bp
from plugins.support.views.tickets import _render_ticket, _ticket, desk_required


class TicketFieldsForm(FlaskForm):
    """The editable data fields of a ticket (attached per request) and the version the form was shown at."""

    version = HiddenField()


def panel(ticket, user, form: TicketFieldsForm | None = None) -> dict:
    """What the ticket page shows of the data fields: ``data_fields``, ``data_values``, ``fields_form``."""
    fields = ticket_fields(ticket, user, "staff_ticket")
    values, form = values_and_form("ticket", ticket.id, fields, TicketFieldsForm, access.can(user, perms.EDIT), form,
                                   data={"version": str(ticket.version)})
    return {"data_fields": fields, "data_values": values, "fields_form": form,
            "data_field_labels": {f.name[:40]: f.label for f in fields}}


@bp.post("/tickets/<number>/fields")
@desk_required
def set_fields(number):
    """Save the ticket's editable data fields (staff holding ``support.tickets.edit``)."""
    user = current_user._get_current_object()
    ticket = _ticket(number)
    if not access.can(user, perms.EDIT):
        abort(403)
    fields = ticket_fields(ticket, user, "staff_ticket")
    form = form_with_fields(TicketFieldsForm, fields)
    if not form.data_field_names:
        abort(404)
    if not form.validate():
        return _render_ticket(ticket, fields_form=form, status_code=400)
    try:
        changes = services.set_field_values(ticket, submitted_values(form, fields), actor=user,
                                            version=parse_int(form.version.data), fields=fields)
    except services.TicketForbidden:
        abort(403)
    except services.TicketConflict as exc:
        flash(str(exc), "error")
        db.session.expire_all()
        return _render_ticket(_ticket(number), status_code=409)
    except services.TicketError as exc:
        add_field_error(form, exc.field, str(exc))
        return _render_ticket(ticket, fields_form=form, status_code=400)
    flash(_("The ticket was updated.") if changes else _("Nothing was changed."),
          "success" if changes else "info")
    return redirect(url_for("support.ticket", number=number))
