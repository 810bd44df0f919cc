"""Staff ticket desk: the ticket list with bulk actions, the ticket page, replies, notes, edits and files."""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from crm import settings
from crm.extensions import db
from crm.fragments import fragment
from crm.fields import data_fields
from crm.parsing import parse_id, parse_ids, parse_int
from crm.people.models import Company, Contact, User
from crm.storage import send_stored_file
from crm.timeutil import utcnow
from plugins.support import (access, conversation, history_lines, list_rows, list_toolbars, listing, search, services,
                             statuses)
from plugins.support import lookups as lookup_cache
from plugins.support import permissions as perms
from plugins.support.forms import EditTicketForm, NoteForm, ReplyForm
from plugins.support.models import CHANNELS, Attachment, Post, Ticket, Topic
from plugins.support.views import bp


CHANNEL_LABELS = {
    "email": _l("Email"), "portal": _l("Portal"), "public_form": _l("Public form"), "internal": _l("Internal"),
    "chat": _l("Chat"), "api": _l("API"), "phone": _l("Phone"),
}


def channel_label(key: str) -> str:
    """A channel's translated name."""
    label = CHANNEL_LABELS.get(key)
    return str(label) if label is not None else key


def desk_required(view):
    """Anonymous users go to the login page; users who may not use the desk get 403."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        user = current_user._get_current_object()  # one context lookup instead of one per attribute
        if not user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if not access.may_use_desk(user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _lookups() -> dict:
    """The rows the list and ticket pages offer in their selectors (cached per process and generation)."""
    use_services = settings.get("support.use_services")
    rows = lookup_cache.current()
    return {
        "statuses": rows.statuses,
        "priorities": rows.priorities,
        "departments": rows.departments,
        "brands": rows.brands,
        "services": rows.services if use_services else (),
        "use_services": use_services,
        "status_label": statuses.status_label,
        "priority_label": statuses.priority_label,
        "channel_label": channel_label,
        "channels": CHANNELS,
    }


def _waited(ticket: Ticket) -> float | None:
    if ticket.waiting_since is None:
        return None
    return max((utcnow() - ticket.waiting_since).total_seconds(), 0)


# list ----------------------------------------------------------------------------------

@bp.get("/tickets")
@desk_required
def tickets():
    """The staff ticket list (S-3)."""
    user = current_user._get_current_object()
    filters = listing.Filters.from_args(request.args)
    list_fields = data_fields("ticket", "staff_list", viewer=user)
    filters.read_data_fields(request.args, list_fields)
    if filters.invalid:
        flash(_("Some filters were not understood and were ignored."), "error")
    if search.terms(filters.q):  # the chips count within the search, capped
        counted = listing.search_status_counts(user, filters)
        page = listing.ticket_page(user, filters, search_counts=counted)
    else:
        counted = listing.StatusCounts(listing.status_counts(user))
        page = listing.ticket_page(user, filters, status_totals=counted.per_status)
    listing.attach_data_values(page.items, list_fields)
    lookups = _lookups()
    may_edit, may_assign, may_delete = access.can(user, perms.EDIT), access.can(user, perms.ASSIGN), access.can_delete(user)
    # the status chips' address, built once (each chip adds its status); while searching, the chips keep the
    # search (and the other filters) they count within
    chips_url = url_for("support.tickets", **({k: v for k, v in request.args.items() if k not in ("status", "page")}
                                              if search.terms(filters.q) else {}))
    return render_template(
        "support/tickets.html", page=page, filters=filters, counted=counted,
        rows=list_rows.rendered_rows(page.items, list_fields, lookups),
        # the selectors' options and the bulk toolbar are rendered once per locale and configuration
        filter_options=list_toolbars.filter_options(channel_label),
        bulk_toolbar=list_toolbars.bulk_toolbar(may_edit, may_assign, may_delete),
        searching=bool(search.terms(filters.q)), list_fields=list_fields,
        chips_url=chips_url, chips_join="&" if "?" in chips_url else "?",
        status_names={s.id: statuses.status_label(s) for s in lookups["statuses"]},
        may_edit=may_edit, may_assign=may_assign, may_delete=may_delete, sorts=listing.SORTS,
        new_ticket_endpoint="support.new_ticket" if "support.new_ticket" in current_app.view_functions else None,
        **lookups,
    )


@bp.post("/tickets/bulk")
@desk_required
def bulk():
    """Assign, change the status of, or delete the chosen tickets within the user's permissions."""
    back = url_for("support.tickets", **{k: v for k, v in request.args.items()})
    raw_ids = request.form.getlist("ids")
    if not raw_ids or parse_ids(raw_ids) is None:
        flash(_("Choose at least one ticket."), "error")
        return redirect(back)
    action = request.form.get("action", "")
    try:
        if action == "status":
            if not access.can(current_user, perms.EDIT):
                abort(403)
            done = services.bulk_update(current_user._get_current_object(), raw_ids, {"status": request.form.get("status", "")})
        elif action == "assign":
            if not access.can(current_user, perms.ASSIGN):
                abort(403)
            target = request.form.get("assignee", "")
            if target == "none":
                values = {"assignee_user": None, "assignee_department": None}
            elif target[:1] == "u" and parse_id(target[1:]) is not None:
                values = {"assignee_user": parse_id(target[1:])}
            elif target[:1] == "d" and parse_id(target[1:]) is not None:
                values = {"assignee_department": parse_id(target[1:])}
            else:
                raise services.TicketError(_("Choose whom to assign the tickets to."))
            done = services.bulk_update(current_user._get_current_object(), raw_ids, values)
        elif action == "delete":
            if not access.can_delete(current_user):
                abort(403)
            asked = set(parse_ids(raw_ids))
            ids = access.visible_ids(current_user, asked)
            rows = list(db.session.scalars(select(Ticket).where(Ticket.id.in_(ids)))) if ids else []
            deleted = services.delete_tickets(current_user._get_current_object(), rows)
            if deleted or len(asked) == deleted:
                flash(ngettext("%(num)s ticket deleted.", "%(num)s tickets deleted.", deleted), "success")
            _report_skipped(len(asked) - deleted, deleting=True)
            return redirect(back)
        else:
            raise services.TicketError(_("Choose an action."))
    except services.TicketForbidden:
        abort(403)
    except services.TicketError as exc:
        flash(str(exc), "error")
        return redirect(back)
    if done.changed or not (done.unchanged or done.skipped):
        flash(ngettext("%(num)s ticket changed.", "%(num)s tickets changed.", done.changed), "success")
    if done.unchanged:
        flash(ngettext("%(num)s ticket already had this value.", "%(num)s tickets already had this value.",
                       done.unchanged), "info")
    _report_skipped(done.skipped, deleting=False)
    return redirect(back)


def _report_skipped(skipped: int, deleting: bool) -> None:
    """Tell the agent how many of the chosen tickets were left alone because they may not touch them."""
    if skipped <= 0:
        return
    if deleting:
        message = ngettext("%(num)s ticket was skipped: you may not delete it.",
                           "%(num)s tickets were skipped: you may not delete them.", skipped)
    else:
        message = ngettext("%(num)s ticket was skipped: you may not change it.",
                           "%(num)s tickets were skipped: you may not change them.", skipped)
    flash(message, "error")


# ticket page ----------------------------------------------------------------------------------

def _ticket(number: str) -> Ticket:
    # company managers and user memberships are not shown: leave them to lazy loading
    return access.visible_ticket_or_404(current_user._get_current_object(), number, options=(
        joinedload(Ticket.contact).joinedload(Contact.company).lazyload(Company.managers),
        joinedload(Ticket.company).lazyload(Company.managers),
        joinedload(Ticket.assignee_user).options(lazyload(User.memberships), lazyload(User.role)),
        joinedload(Ticket.topic).lazyload(Topic.department),
        # departments, brands and services are named from the process's lookups (the page's department_names,
        # ...), not joined: fewer joins keep PostgreSQL's planning of this query short
        # tags in a query of their own: SQLite plans the many-to-many LEFT JOIN by scanning every tagged ticket
        selectinload(Ticket.tags),
    ))


def _user_choices(users) -> list[tuple[str, str]]:
    return [("", _("Nobody"))] + [(str(u.id), u.name) for u in users]


def _fill_choices(form: EditTicketForm | None, reply: ReplyForm | None, lookups: dict, users) -> None:
    status_choices = [(str(s.id), statuses.status_label(s)) for s in lookups["statuses"]]
    if reply is not None:
        reply.status.choices = status_choices
    if form is None:
        return
    departments = [("", _("None"))] + [(str(d.id), d.name) for d in lookups["departments"]]
    choices = {
        "status": status_choices,
        "priority": [(str(p.id), statuses.priority_label(p)) for p in lookups["priorities"]],
        "department": departments,
        "assignee_department": departments,
        "assignee_user": _user_choices(users),
        "service": [("", _("None"))] + [(str(s.id), s.name) for s in lookups["services"]],
    }
    for name, values in choices.items():
        field = getattr(form, name, None)
        if field is not None:  # fields hidden from this user were removed
            field.choices = values


def _edit_selects_context(department_id: int | None) -> dict:
    """The context of the edit form's kept selects: a fresh form with the choices for this department."""
    form = EditTicketForm(formdata=None)
    _fill_choices(form, None, _lookups(), access.assignable_users(department_id))
    return {"form": form}


def _upload_limits() -> dict:
    return {"max_attachments": settings.get("support.max_attachments"),
            "allowed_types": ", ".join(settings.get("support.allowed_file_types"))}


def _fresh_reply_form() -> ReplyForm:
    reply = ReplyForm(formdata=None)
    _fill_choices(None, reply, _lookups(), ())
    return reply


def _reply_forms_context() -> dict:
    """The context of the kept reply and note fields: fresh forms, no status chosen (the page marks it)."""
    return {"reply": _fresh_reply_form(), "note": NoteForm(formdata=None), **_upload_limits()}


def _render_ticket(ticket: Ticket, reply: ReplyForm | None = None, note: NoteForm | None = None,
                   edit: EditTicketForm | None = None, status_code: int = 200, fields_form=None):
    user = current_user._get_current_object()
    lookups = _lookups()
    descending = settings.get("support.reply_order") == "desc"
    posts, earlier = conversation.conversation_window(ticket, parse_id(request.args.get("before")), descending)
    history = history_lines.recent_history(ticket.id)
    users = access.assignable_users(ticket.department_id)
    default = lookup_cache.current().status_by_key(settings.get("support.default_reply_status"))
    reply_status = str(default.id) if default else str(ticket.status_id)  # a fresh reply's status
    if reply is None and note is None:
        # fresh forms: their fields come rendered from a fragment kept per locale and configuration
        reply_forms = fragment("support/_ticket_reply_forms.html", _reply_forms_context,
                               counters=list_toolbars.COUNTERS)
    else:
        if reply is None:
            reply = ReplyForm(formdata=None)
            reply.status.data = reply_status
        _fill_choices(None, reply, lookups, ())
        reply_status, note = None, note or NoteForm(formdata=None)  # a sent form shows its own status
        reply_forms = current_app.jinja_env.get_template("support/_ticket_reply_forms.html").make_module(
            {"reply": reply, "note": note, **_upload_limits()})
    edit_selects = None
    if edit is None:
        # a fresh form: its selects come rendered from a fragment kept per locale, configuration and department
        edit_selects = fragment("support/_ticket_edit_selects.html", _edit_selects_context, ticket.department_id,
                                counters=list_toolbars.COUNTERS)
        edit = EditTicketForm(formdata=None)
        edit.status.data = str(ticket.status_id)
        edit.priority.data = str(ticket.priority_id)
        edit.department.data = str(ticket.department_id or "")
        edit.assignee_user.data = str(ticket.assignee_user_id or "")
        edit.assignee_department.data = str(ticket.assignee_department_id or "")
        edit.service.data = str(ticket.service_id or "")
        edit.tags.data = ", ".join(t.name for t in ticket.tags)
        edit.version.data = str(ticket.version)
    _fill_choices(edit, None, lookups, users)
    status_by_id = {s.id: s for s in lookups["statuses"]}
    names = lookup_cache.current()
    may_delete = access.can_delete(user)
    panel = ticket_fields.panel(ticket, user, fields_form)
    return render_template(
        "support/ticket.html", ticket=ticket, posts=posts,
        conversation=conversation.rendered_posts(ticket, posts, may_delete),
        earlier=earlier, descending=descending, windowed="before" in request.args,
        reply_forms=reply_forms, reply_status=reply_status, edit=edit, edit_selects=edit_selects,
        status=status_by_id.get(ticket.status_id), department_names=names.department_names,
        brand_names=names.brand_names, service_names=names.service_names,
        priority=next((p for p in lookups["priorities"] if p.id == ticket.priority_id), None),
        waited=_waited(ticket),
        may_reply=access.can(user, perms.REPLY), may_edit=access.can(user, perms.EDIT),
        may_assign=access.can(user, perms.ASSIGN), may_delete=may_delete,
        history_markup=history_lines.rendered_history(history, panel.get("data_field_labels")),
        **panel, **lookups,
    ), status_code


@bp.get("/tickets/<number>")
@desk_required
def ticket(number):
    """The ticket page (S-4)."""
    return _render_ticket(_ticket(number))


def _files():
    return request.files.getlist("attachments")


@bp.post("/tickets/<number>/reply")
@desk_required
def reply(number):
    """Add a public reply and set the chosen status."""
    ticket = _ticket(number)
    if not access.can(current_user, perms.REPLY):
        abort(403)
    form = ReplyForm()
    _fill_choices(None, form, _lookups(), [])
    if not form.validate():
        return _render_ticket(ticket, reply=form, status_code=400)
    try:
        services.add_reply(ticket, form.body.data, author=current_user._get_current_object(), status=int(form.status.data),
                           attachments=_files())
    except services.TicketForbidden:
        abort(403)
    except services.TicketError as exc:
        _field_error(form, exc)
        return _render_ticket(ticket, reply=form, status_code=400)
    flash(_("Your reply was added."), "success")
    return redirect(url_for("support.ticket", number=ticket.number))


@bp.post("/tickets/<number>/note")
@desk_required
def note(number):
    """Add an internal note."""
    ticket = _ticket(number)
    if not access.can(current_user, perms.REPLY):
        abort(403)
    form = NoteForm()
    if not form.validate():
        return _render_ticket(ticket, note=form, status_code=400)
    try:
        services.add_note(ticket, form.body.data, author=current_user._get_current_object(), attachments=_files())
    except services.TicketForbidden:
        abort(403)
    except services.TicketError as exc:
        _field_error(form, exc)
        return _render_ticket(ticket, note=form, status_code=400)
    flash(_("Your note was added."), "success")
    return redirect(url_for("support.ticket", number=ticket.number))


def _field_error(form, exc: services.TicketError) -> None:
    target = getattr(form, exc.field, None) if exc.field else None
    if target is None or not hasattr(target, "errors"):
        target = form.attachments if exc.field == "attachments" and hasattr(form, "attachments") else form.body
    target.errors = list(target.errors or []) + [str(exc)]


@bp.post("/tickets/<number>/edit")
@desk_required
def edit(number):
    """Change status, priority, department, assignees, service and tags; every change goes to the history."""
    ticket = _ticket(number)
    may_edit, may_assign = access.can(current_user, perms.EDIT), access.can(current_user, perms.ASSIGN)
    if not (may_edit or may_assign):
        abort(403)
    form = EditTicketForm()
    lookups = _lookups()
    _fill_choices(form, None, lookups, access.assignable_users())
    # fields the page did not show are not submitted: leave them out of validation
    hidden = [] if lookups["use_services"] and may_edit else ["service"]
    if not may_edit:
        hidden += ["status", "priority", "department", "tags"]
    if not may_assign:
        hidden += ["assignee_user", "assignee_department"]
    for name in hidden:
        delattr(form, name)
    if not form.validate():
        return _render_ticket(ticket, edit=form, status_code=400)
    values = {}
    if may_edit:
        values.update(status=int(form.status.data), priority=int(form.priority.data),
                      department=form.department.data or None, tags=form.tags.data or "")
        if lookups["use_services"]:
            values["service"] = form.service.data or None
    if may_assign:
        values.update(assignee_user=form.assignee_user.data or None,
                      assignee_department=form.assignee_department.data or None)
    try:
        changes = services.update_ticket(ticket, values, actor=current_user._get_current_object(),
                                         version=parse_int(form.version.data))
    except services.TicketForbidden:
        abort(403)
    except services.TicketConflict as exc:
        flash(str(exc), "error")
        return _render_ticket(_ticket(number), status_code=409)
    except services.TicketError as exc:
        target = getattr(form, exc.field or "", None) or form.status
        target.errors = list(target.errors or []) + [str(exc)]
        db.session.expire_all()
        return _render_ticket(_ticket(number), edit=form, status_code=400)
    if changes:
        flash(_("The ticket was updated."), "success")
    else:
        flash(_("Nothing was changed."), "info")
    if not access.can_see(current_user, ticket):
        return redirect(url_for("support.tickets"))
    return redirect(url_for("support.ticket", number=ticket.number))


@bp.post("/tickets/<number>/delete")
@desk_required
def delete(number):
    """Delete the ticket (S-18)."""
    ticket = _ticket(number)
    if not access.can_delete(current_user):
        abort(403)
    services.delete_ticket(ticket, actor=current_user._get_current_object())
    flash(_("Ticket %(number)s was deleted.", number=number), "success")
    return redirect(url_for("support.tickets"))


@bp.post("/tickets/<number>/posts/<int:post_id>/delete")
@desk_required
def delete_post(number, post_id):
    """Delete one reply or note (S-18)."""
    ticket = _ticket(number)
    if not access.can_delete(current_user):
        abort(403)
    post = db.session.scalar(select(Post).where(Post.id == post_id, Post.ticket_id == ticket.id))
    if post is None:
        abort(404)
    services.delete_post(post, actor=current_user._get_current_object())
    flash(_("The message was deleted."), "success")
    return redirect(url_for("support.ticket", number=ticket.number))


@bp.get("/tickets/<number>/files/<int:attachment_id>")
@desk_required
def attachment(number, attachment_id):
    """Serve an attachment of a visible ticket as a download, never inline."""
    row = db.session.scalar(
        select(Attachment).join(Ticket, Ticket.id == Attachment.ticket_id)
        .where(Attachment.id == attachment_id, Ticket.number == number, access.visible_tickets(current_user))
    )
    if row is None:
        abort(404)
    # streamed from any storage backend, with length, nosniff, a sandbox policy and no caching
    return send_stored_file(row.storage_key, row.filename)


from plugins.support.views import ticket_fields  # noqa: E402 (its route; it imports the helpers above)
