"""Data fields on the customer's ticket page (place ``portal_ticket``: "ticket parameters in the customer's account").

The fields come from other plugins through the host's ``crm_data_fields``
hook; the customer sees them all and changes the editable ones while they
may write to the ticket, through
:func:`plugins.support.services.set_field_values` as the actor.
"""
from __future__ import annotations

from flask import flash, redirect
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField

from crm.fields import add_field_error, form_with_fields, submitted_values, values_and_form
from crm.parsing import parse_int
from plugins.portal import ticket_pages
from plugins.portal.customers import current_customer
from plugins.portal.sites import current_portal, portal_url
from plugins.portal.views import bp, customer_required
from plugins.support import access, services


class CustomerFieldsForm(FlaskForm):
    """The ticket's data fields the customer may change (attached per request) and the version shown."""

    version = HiddenField()


def customer_fields(customer, ticket) -> list:
    """The data fields of ``ticket`` on the customer's ticket page."""
    return services.ticket_fields(ticket, customer.actor, "portal_ticket")


def panel(customer, ticket, form: CustomerFieldsForm | None = None) -> dict:
    """What the page shows: ``data_fields``, ``data_values`` and ``fields_form`` (None when nothing is editable)."""
    fields = customer_fields(customer, ticket)
    values, form = values_and_form("ticket", ticket.id, fields, CustomerFieldsForm,
                                   access.may_write_as_customer(customer.actor, ticket), form,
                                   data={"version": str(ticket.version)})
    return {"data_fields": fields, "data_values": values, "fields_form": form}


@bp.post("/tickets/<number>/fields")
@customer_required
def set_ticket_fields(number: str):
    """Save the data fields the customer may change on their ticket."""
    from plugins.portal.views.tickets import _render_ticket

    customer = current_customer()
    ticket = ticket_pages.customer_ticket(customer, number)
    back = redirect(portal_url(current_portal(), "portal.ticket", number=ticket.number))
    fields = customer_fields(customer, ticket)
    form = form_with_fields(CustomerFieldsForm, fields)
    if not form.data_field_names or not access.may_write_as_customer(customer.actor, ticket):
        flash(_("You may not do this."), "error")
        return back
    if not form.validate():
        return _render_ticket(ticket, status_code=400, fields_form=form)
    try:
        changes = services.set_field_values(ticket, submitted_values(form, fields), actor=customer.actor,
                                            version=parse_int(form.version.data), fields=fields)
    except services.TicketForbidden:
        flash(_("You may not do this."), "error")
    except services.TicketConflict as exc:
        flash(str(exc), "error")
    except services.TicketError as exc:
        add_field_error(form, exc.field, str(exc))
        return _render_ticket(ticket, status_code=400, fields_form=form)
    else:
        flash(_("The ticket was updated.") if changes else _("Nothing was changed."),
              "success" if changes else "info")
    return back
