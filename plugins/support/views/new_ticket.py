"""Support pages: the three-step form that opens a ticket (or saves a template) on a customer's behalf (S-30 to S-32).

Every step posts to the server, which keeps the values in a draft
(:mod:`plugins.support.wizard`), so moving between steps and to the callback
tab loses nothing, also without JavaScript. "Next" validates the step;
finishing validates all three and sends the user back to the first step with
errors, shown beside the fields.
"""
from __future__ import annotations

import io
from functools import wraps

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import BuildError

from crm import settings
from crm.database import unit_of_work
from crm.extensions import db
from crm.fields import data_fields
from crm.parsing import parse_id
from plugins.support import access, permissions as perms, ticket_templates, wizard, wizard_forms
from plugins.support.models import Ticket
from plugins.support.views import bp
from plugins.support.wizard import (
    STEPS, Choices, default_subject_hint, open_ticket_from_draft, read_step, validate_step,
)


def creator_required(view):
    """Anonymous users go to the login page; users who may not open tickets for customers get 403."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if not access.can(current_user, perms.CREATE):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _build_form(step: int, values: dict, choices: Choices, errors: dict | None = None, fields=()):
    form = wizard_forms.step_form(step, values, choices, fields)
    if step == 2:
        form.subject.render_kw = {"placeholder": default_subject_hint()}
    for name, message in (errors or {}).items():
        if name in form:
            form[name].errors = [message]
    return form


def _data_fields(values: dict) -> list:
    """The data fields other plugins add to a new ticket (place ``staff_new``) for the topic of step 1."""
    from plugins.support.models import Topic

    topic_id = parse_id(str(values.get("topic_id") or ""))
    topic = db.session.get(Topic, topic_id) if topic_id is not None and topic_id < 2**31 else None
    return data_fields("ticket", "staff_new", topic=topic, ticket=None, viewer=current_user._get_current_object())


def _draft_or_404(draft_id: str) -> wizard.TicketDraft:
    draft = wizard.load_draft(draft_id, current_user)
    if draft is None:
        abort(404)
    return draft


def _step_url(draft, step, **kw):
    return url_for("support.new_ticket_step", draft_id=draft.id, step=step, **kw)


def _list_url() -> str:
    try:
        return url_for("support.tickets")
    except BuildError:  # the ticket list is another module's page
        return url_for("support.new_ticket")


@bp.get("/tickets/new")
@creator_required
def new_ticket():
    """Start the wizard, optionally prefilled from a template (``?template=``) or editing one (``?edit=``)."""
    values = {"action": "ticket"}
    if request.args.get("edit"):
        template = ticket_templates.get_template(request.args["edit"])
        if template is None:
            abort(404)
        if not ticket_templates.can_manage(current_user, template):
            abort(403)
        values = {**template.values, "action": "template", "template_name": template.name,
                  "editing_template_id": template.id}
    elif request.args.get("template"):
        template = ticket_templates.get_template(request.args["template"])
        if template is None:
            abort(404)
        values.update(template.values)
        values["template_id"] = values["applied_template"] = str(template.id)
    draft = wizard.start_draft(current_user, values)
    db.session.commit()
    return redirect(_step_url(draft, 1))


@bp.route("/tickets/new/<draft_id>/<int:step>", methods=["GET", "POST"])
@creator_required
def new_ticket_step(draft_id: str, step: int):
    """Show or post one step; the ``go`` button says where to go next."""
    if step not in STEPS:
        abort(404)
    draft = _draft_or_404(draft_id)
    if draft.ticket_id is not None:  # submitted already (perhaps twice at once): show the ticket it made
        ticket = db.session.get(Ticket, draft.ticket_id)
        flash(_("Ticket %(number)s was already created from this form.", number=ticket.number), "info")
        return redirect(url_for("support.ticket", number=ticket.number))
    choices = Choices()
    errors: dict[str, str] = {}
    if request.method == "GET":
        if request.args.get("check"):
            errors = validate_step(step, draft.values, choices, _data_fields(draft.values) if step == 2 else ())
        return _render(draft, step, choices, errors)

    go = request.form.get("go", "next")
    values = read_step(step, request.form, choices, draft)
    if step == 2:
        values[wizard_forms.DATA_KEY] = wizard_forms.read_data_fields(request.form, _data_fields(draft.values))
    wizard.update_values(draft, values)

    if step == 1 and values.get("template_id") and values["template_id"] != (draft.get("applied_template") or ""):
        template = ticket_templates.get_template(values["template_id"])
        if template is not None:
            _apply_template(draft, template)
            if go == "apply_template":
                db.session.commit()
                flash(_("The template “%(name)s” was applied to all steps.", name=template.name), "success")
                return redirect(_step_url(draft, 1))

    if step == 2:
        file_error = _take_files(draft)
        removed = go.startswith("remove:") and wizard.remove_file(draft, go[len("remove:"):])
        if file_error or removed:
            db.session.commit()
            return _render(draft, 2, choices, {"attachments": file_error} if file_error else {})

    if step == 2 and go in ("find_contact", "use_contact"):
        return _contact_finder(draft, choices, go)
    if go == "cancel":
        wizard.discard_draft(draft)
        db.session.commit()
        flash(_("The new ticket was discarded."), "success")
        return redirect(_list_url())
    if go == "callback":
        db.session.commit()
        return redirect(url_for("support.new_ticket_callback", draft_id=draft.id, step=step))
    if go == "back":
        db.session.commit()
        return redirect(_step_url(draft, max(1, step - 1)))
    if go in ("1", "2", "3"):
        db.session.commit()
        return redirect(_step_url(draft, int(go)))
    if go == "next" and step < 3:
        errors = validate_step(step, draft.values, choices, _data_fields(draft.values) if step == 2 else ())
        db.session.commit()
        if errors:
            return _render(draft, step, choices, errors), 400
        return redirect(_step_url(draft, step + 1))
    if step == 3 and go in ("create", "create_reply", "save_template"):
        return _finish(draft, choices, go)
    db.session.commit()
    return redirect(_step_url(draft, step))


def _contact_finder(draft, choices: Choices, go: str):
    """Step 2 without JavaScript: "Search" lists the matching customers the agent may open tickets for
    (the S-15 rule, as the search-as-you-type endpoint), "Use this customer" fills in their name and email.

    A customer not offered (unknown, or one the agent may not open tickets for) is refused and nothing
    changes.
    """
    from plugins.support.contact_search import MIN_LENGTH, chosen_contact, search_contacts

    query = (request.form.get("contact_query") or "").strip()[:200]
    errors: dict[str, str] = {}
    found = None
    if go == "find_contact":
        if len(query) < MIN_LENGTH:
            errors["contact_query"] = ngettext("Type at least %(num)s character.", "Type at least %(num)s characters.",
                                               MIN_LENGTH)
        else:
            found = search_contacts(current_user._get_current_object(), query)
    else:
        contact = chosen_contact(current_user._get_current_object(), request.form.get("contact_id"))
        if contact is None:
            errors["contact_id"] = _("Choose one of the customers found.")
        else:
            wizard.update_values(draft, {"customer_name": contact.name, "customer_email": contact.email})
    db.session.commit()
    page = _render(draft, 2, choices, errors, contact_query=query, found_contacts=found)
    return (page, 400) if errors else page


def _apply_template(draft, template) -> None:
    """Prefill every step from a template, keeping who the customer is and what this wizard is for."""
    keep = {k: draft.get(k) for k in ("action", "template_name", "editing_template_id", "customer_name",
                                       "customer_email") if draft.get(k) not in (None, "")}
    wizard.replace_values(draft, {**template.values, **keep, "template_id": str(template.id),
                                  "applied_template": str(template.id)})


def _take_files(draft) -> str | None:
    """Check and store the files uploaded in step 2; return a translated error (nothing stored) or None."""
    from plugins.support.attachments import AttachmentRefused, check_uploads

    uploads = [f for f in request.files.getlist("attachments") if f and f.filename]
    if not uploads:
        return None
    limit = settings.get("support.max_attachments")
    if len(draft.files or []) + len(uploads) > limit:
        return ngettext("Attach at most %(num)s file.", "Attach at most %(num)s files.", limit)
    try:
        checked = check_uploads(uploads)
    except AttachmentRefused as exc:
        return str(exc)
    for upload in checked:
        wizard.add_file(draft, io.BytesIO(upload.data), upload.filename, upload.content_type, upload.size)
    return None


class _Undo(Exception):
    """Roll back the template saved with a ticket that could not be opened."""

    def __init__(self, outcome):
        super().__init__()
        self.outcome = outcome


def _finish(draft, choices: Choices, go: str):
    """Validate all steps, then save the template and/or open the ticket, as one unit of work."""
    is_template = draft.get("action") == "template"
    creates_ticket = not is_template or bool(draft.get("also_create"))
    fields = _data_fields(draft.values)
    for step in STEPS:
        errors = validate_step(step, draft.values, choices, fields if step == 2 else ())
        if errors:
            db.session.commit()
            flash(_("Please correct the marked fields."), "error")
            return redirect(_step_url(draft, step, check=1))
    db.session.commit()  # keep the values just posted, whatever happens next
    if is_template:
        editing = ticket_templates.get_template(draft.get("editing_template_id"))
        if editing is not None and not ticket_templates.can_manage(current_user, editing):
            abort(403)
    template = None
    try:
        with unit_of_work():
            if is_template:
                template = _save_template(draft)
            if not creates_ticket:
                wizard.discard_draft(draft)
                outcome = None
            else:
                outcome = open_ticket_from_draft(draft, current_user._get_current_object(),
                                                 reply_now=(go == "create_reply"), choices=choices,
                                                 fields=wizard_forms.answers(draft.values, choices, fields))
                if outcome.errors or outcome.already_created:
                    raise _Undo(outcome)
    except ticket_templates.TemplateInvalid as exc:
        return _render(_draft_or_404(draft.id), 1, choices, exc.errors), 400
    except IntegrityError:  # the same template name was saved a moment ago by someone else
        return _render(_draft_or_404(draft.id), 1, Choices(), {"template_name": _taken()}), 400
    except _Undo as undo:
        outcome = undo.outcome
        if outcome.already_created:
            flash(_("Ticket %(number)s was already created from this form.", number=outcome.ticket.number), "info")
            return redirect(outcome.ticket_url())
        return _render(_draft_or_404(draft.id), outcome.step, Choices(), outcome.errors), 400
    if outcome is None:
        flash(_("The template “%(name)s” was saved.", name=template.name), "success")
        return redirect(url_for("support.ticket_templates"))
    ticket = outcome.ticket
    if template is not None:
        flash(_("The template “%(name)s” was saved and ticket %(number)s was created.", name=template.name,
                number=ticket.number), "success")
    else:
        flash(_("Ticket %(number)s was created.", number=ticket.number), "success")
    return redirect(outcome.ticket_url(reply=(go == "create_reply")))


def _save_template(draft):
    editing = ticket_templates.get_template(draft.get("editing_template_id"))
    if editing is not None:
        return ticket_templates.update_template(editing, draft.get("template_name"), draft.values, current_user)
    template = ticket_templates.save_template(draft.get("template_name"), draft.values, current_user)
    db.session.flush()  # a name taken meanwhile fails here, inside the unit of work
    return template


def _taken() -> str:
    return _("A template with this name already exists.")


def _render(draft, step: int, choices: Choices, errors: dict | None = None, contact_query: str = "",
            found_contacts: list | None = None):
    fields = wizard_forms.wizard_fields(_data_fields(draft.values)) if step == 2 else []
    form = _build_form(step, draft.values, choices, errors, fields)
    return render_template(
        "support/new_ticket.html", draft=draft, step=step, form=form, errors=errors or {}, data_fields=fields,
        contact_query=contact_query, found_contacts=found_contacts,
        is_template=draft.get("action") == "template", editing=draft.get("editing_template_id"),
        steps=[(1, _("Ticket")), (2, _("Customer and content")), (3, _("Assignment"))],
        callback_configured=bool(settings.get("support.callback_url")),
        config_max_files=settings.get("support.max_attachments"),
        config_max_size=settings.get("support.max_file_size_mb"),
    )


# templates ---------------------------------------------------------------


@bp.get("/ticket-templates", endpoint="ticket_templates")
@creator_required
def ticket_templates_list():
    """Every ticket template, with links to use, edit or delete it."""
    templates = ticket_templates.list_templates()
    return render_template("support/new_ticket_templates.html", templates=templates,
                           can_manage=lambda t: ticket_templates.can_manage(current_user, t))


@bp.post("/ticket-templates/<int:template_id>/delete")
@creator_required
def delete_ticket_template(template_id: int):
    """Delete a template: its author or an admin."""
    template = ticket_templates.get_template(template_id)
    if template is None:
        abort(404)
    if not ticket_templates.can_manage(current_user, template):
        abort(403)
    name = template.name
    ticket_templates.delete_template(template, current_user)
    db.session.commit()
    flash(_("The template “%(name)s” was deleted.", name=name), "success")
    return redirect(url_for("support.ticket_templates"))
