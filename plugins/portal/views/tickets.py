"""The customer's tickets: the list, a ticket's page, a new ticket, replies, status changes and files.

Every ticket is found through the customer access policy
(:mod:`plugins.portal.ticket_pages`) and changed only through
``plugins.support.services`` with the customer as the actor, so the portal
can never reach another customer's ticket or a staff-only field.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _

from crm import settings
from crm.fields import form_with_fields
from crm.parsing import parse_id
from crm.storage import send_stored_file
from plugins.portal import conversation, ticket_pages
from plugins.portal.customers import current_customer
from plugins.portal.forms import NewTicketForm, ParametersForm, ReplyForm, StatusForm
from plugins.portal.form_fields import answered, new_ticket_fields
from plugins.portal.sites import current_portal, portal_url
from plugins.portal.views import bp, customer_required
from plugins.support import access, services, statuses, topics


@bp.get("/tickets")
@customer_required
def tickets():
    """The customer's tickets with a state/status filter, a sort order, a search box and pages (P-5)."""
    customer = current_customer()
    filters = ticket_pages.ListFilters.from_args(request.args)
    page = ticket_pages.ticket_list(customer, filters)
    return render_template("portal/tickets.html", page=page, filters=filters,
                           state_choices=ticket_pages.state_choices(), sort_choices=ticket_pages.sort_choices(),
                           status_by_id=ticket_pages.status_map())


def _parameter_choices(customer, ticket) -> dict[str, list[tuple[str, str]]]:
    """The values a customer may pick for each parameter they may change on ``ticket``."""
    editable = ticket_pages.editable_parameters(current_portal())
    choices = {}
    if "priority" in editable:
        choices["priority"] = [(p.key, statuses.priority_label(p)) for p in statuses.priorities()]
    if "topic" in editable:
        offered = [(str(t.id), t.label) for t in topics.offered_topics(customer.contact)]
        if ticket.topic_id is not None and str(ticket.topic_id) not in {v for v, _label in offered}:
            offered.insert(0, (str(ticket.topic_id), ticket.topic.name if ticket.topic else str(ticket.topic_id)))
        choices["topic"] = offered
    return choices


def _parameters_form(customer, ticket, formdata=None) -> ParametersForm | None:
    choices = _parameter_choices(customer, ticket)
    if not choices or not access.may_write_as_customer(customer.actor, ticket):
        return None
    current = {"priority": next((p.key for p in statuses.priorities() if p.id == ticket.priority_id), ""),
               "topic": str(ticket.topic_id or "")}
    form = ParametersForm(formdata=formdata, data=current) if formdata is None else ParametersForm()
    for name in ("priority", "topic"):
        field = getattr(form, name)
        field.choices = choices.get(name, [])
    form.editable = list(choices)
    return form


def _render_ticket(ticket, reply: ReplyForm | None = None, status_code: int = 200,
                   parameters_form: ParametersForm | None = None, fields_form=None):
    from plugins.portal.views.ticket_fields import panel

    customer = current_customer()
    site = current_portal()
    current = ticket_pages.status_map().get(ticket.status_id)
    transitions = []
    for status in statuses.statuses():
        if services.customer_can_set_status(customer.actor, ticket, status):
            transitions.append(status)
    posts, earlier = ticket_pages.visible_posts(ticket, parse_id(request.args.get("before")))
    return render_template(
        "portal/ticket.html", ticket=ticket, posts=posts, conversation=conversation.rendered_posts(ticket, posts),
        earlier=earlier, windowed="before" in request.args,
        descending=settings.get("support.reply_order") == "desc", status=current,
        parameters=ticket_pages.parameter_values(ticket, ticket_pages.visible_parameters(site)),
        reply=reply or ReplyForm(formdata=None), status_form=StatusForm(formdata=None),
        parameters_form=parameters_form or _parameters_form(customer, ticket),
        may_write=access.may_write_as_customer(customer.actor, ticket), transitions=transitions,
        status_label=statuses.status_label, max_attachments=settings.get("support.max_attachments"),
        allowed_types=", ".join(settings.get("support.allowed_file_types")),
        **panel(customer, ticket, fields_form),
    ), status_code


@bp.get("/tickets/<number>")
@customer_required
def ticket(number: str):
    """One of the customer's tickets: the posts they may read, in the reply order, and what they may do."""
    return _render_ticket(ticket_pages.customer_ticket(current_customer(), number))


def _field_error(form, exc: services.TicketError) -> None:
    target = getattr(form, exc.field, None) if exc.field else None
    if target is None or not hasattr(target, "errors"):
        target = form.body
    target.errors = [*list(target.errors or []), str(exc)]


@bp.post("/tickets/<number>/reply")
@customer_required
def reply(number: str):
    """Add the customer's message (an answered or closed ticket reopens; staff are notified)."""
    customer = current_customer()
    ticket = ticket_pages.customer_ticket(customer, number)
    form = ReplyForm()
    if not form.validate():
        return _render_ticket(ticket, reply=form, status_code=400)
    try:
        services.add_customer_message(ticket, form.body.data, author=customer.actor,
                                      attachments=request.files.getlist("attachments"))
    except services.TicketForbidden as exc:
        flash(str(exc), "error")
        return redirect(portal_url(current_portal(), "portal.ticket", number=ticket.number))
    except services.TicketError as exc:
        _field_error(form, exc)
        return _render_ticket(ticket, reply=form, status_code=400)
    flash(_("Your message was sent."), "success")
    return redirect(portal_url(current_portal(), "portal.ticket", number=ticket.number))


@bp.post("/tickets/<number>/parameters")
@customer_required
def set_parameters(number: str):
    """Change the parameters the admin lets customers change (priority, topic) through the support service."""
    customer = current_customer()
    ticket = ticket_pages.customer_ticket(customer, number)
    form = _parameters_form(customer, ticket, formdata=request.form)
    if form is None:
        flash(_("You may not do this."), "error")
        return redirect(portal_url(current_portal(), "portal.ticket", number=ticket.number))
    if not form.validate():
        return _render_ticket(ticket, status_code=400, parameters_form=form)
    wanted, bad = {}, False
    for name in form.editable:
        field = getattr(form, name)
        value = (field.data or "").strip()
        if not value:
            continue
        if value not in {v for v, _label in field.choices}:
            field.errors = [*list(field.errors or []), _("Choose one of the offered values.")]
            bad = True
        else:
            wanted[name] = int(value) if name == "topic" else value
    if bad:
        return _render_ticket(ticket, status_code=400, parameters_form=form)
    try:
        changed = services.update_ticket_as_customer(ticket, wanted, author=customer.actor, allowed=form.editable)
    except services.TicketForbidden:
        flash(_("You may not do this."), "error")
    except services.TicketError as exc:
        target = getattr(form, exc.field) if exc.field in form.editable else form[form.editable[0]]
        target.errors = [*list(target.errors or []), str(exc)]
        return _render_ticket(ticket, status_code=400, parameters_form=form)
    else:
        if changed:
            flash(_("The ticket was updated."), "success")
    return redirect(portal_url(current_portal(), "portal.ticket", number=ticket.number))


@bp.post("/tickets/<number>/status")
@customer_required
def set_status(number: str):
    """Close, reopen, or (when the support setting allows) move the ticket to another status (S-19, P-6)."""
    customer = current_customer()
    ticket = ticket_pages.customer_ticket(customer, number)
    form = StatusForm()
    if not form.validate():
        abort(400)
    target = next((s for s in statuses.statuses() if str(s.id) == form.status.data), None)
    if target is None or not services.customer_can_set_status(customer.actor, ticket, target):
        flash(_("You may not do this."), "error")
        return redirect(portal_url(current_portal(), "portal.ticket", number=ticket.number))
    try:
        services.set_status_as_customer(ticket, target, author=customer.actor)
    except services.TicketForbidden:
        flash(_("You may not do this."), "error")
    else:
        flash(_("The ticket is now “%(status)s”.", status=statuses.status_label(target)), "success")
    return redirect(portal_url(current_portal(), "portal.ticket", number=ticket.number))


@bp.get("/tickets/<number>/files/<int:attachment_id>")
@customer_required
def attachment(number: str, attachment_id: int):
    """Download a file of a post the customer may read, on one of their tickets; 404 for any other."""
    row = ticket_pages.visible_attachment(current_customer(), number, attachment_id)
    if row is None:
        abort(404)
    return send_stored_file(row.storage_key, row.filename)


def _topic_choices(customer) -> list[tuple[str, str]]:
    return [(str(t.id), t.label) for t in topics.offered_topics(customer.contact if customer else None)]


@bp.route("/tickets/new", methods=["GET", "POST"])
@customer_required
def new_ticket():
    """Open a ticket: subject, topic (hidden when there is one), message, attachments and the topic's questions."""
    customer = current_customer()
    site = current_portal()
    choices = _topic_choices(customer)
    topic_id = request.form.get("topic") if request.method == "POST" else None
    if len(choices) == 1:
        topic_id = choices[0][0]
    fields = new_ticket_fields("portal_new", topic_id, customer.actor)
    form = form_with_fields(NewTicketForm, fields)
    form.topic.choices = choices
    if len(choices) == 1 and request.method == "POST":
        form.topic.data = choices[0][0]
    if request.method == "POST" and form.validate():
        try:
            ticket = services.open_ticket(
                form.subject.data, author=customer.actor, contact=customer.contact.id, channel="portal",
                body=form.body.data, topic=int(form.topic.data) if form.topic.data else None, brand=site.brand_id,
                attachments=request.files.getlist("attachments"), notify_customer=True,
                fields=answered(form, fields))
        except services.TicketForbidden as exc:
            flash(str(exc), "error")
        except services.TicketError as exc:
            _field_error(form, exc)
        else:
            flash(_("Your ticket %(number)s was opened.", number=ticket.number), "success")
            return redirect(portal_url(site, "portal.ticket", number=ticket.number))
    status = 400 if request.method == "POST" else 200
    return render_template("portal/new_ticket.html", form=form, single_topic=len(choices) == 1,
                           fields=fields,
                           max_attachments=settings.get("support.max_attachments"),
                           allowed_types=", ".join(settings.get("support.allowed_file_types"))), status
