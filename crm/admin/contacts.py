"""Admin pages: contacts (customer people)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import aliased

from crm.admin.people import delete_then_redirect, matches, paginate, saving, search_term
from crm.admin.views import bp
from crm.auth.forms import language_choices, timezone_names
from crm.extensions import db
from crm.fields import data_fields, form_with_fields, load_values, save_values, submitted_values
from crm.people.forms import ContactForm
from crm.people.models import Company, Contact
from crm.people.services import CONTACT_FIELDS, delete_contact, person_references, save_contact


def _contact_or_404(contact_id: int) -> Contact:
    return db.get_or_404(Contact, contact_id)


@bp.get("/contacts")
def contacts():
    """Contacts by name, 50 a page; search by name, email or company name."""
    term = search_term()
    stmt = select(Contact).order_by(Contact.name, Contact.id)
    if term:
        company = aliased(Company)
        stmt = stmt.outerjoin(company, Contact.company_id == company.id).where(
            matches(term, Contact.name, Contact.email, company.name))
    return render_template("crm/admin/contacts.html", page=paginate(stmt), term=term)


def _edit(contact: Contact | None):
    data = None
    if request.method == "GET":
        if contact is not None:
            data = {key: getattr(contact, key) for key in CONTACT_FIELDS}
            data["locale"] = data["locale"] or ""
        else:
            data = {"company_id": request.args.get("company", type=int)}
    fields = data_fields("contact", "staff_contact", contact=contact, viewer=current_user._get_current_object())
    stored = load_values("contact", [contact.id], fields)[contact.id] if contact is not None else {}
    form = form_with_fields(ContactForm, fields, values=stored if request.method == "GET" else None, data=data)
    form.company_id.choices = [(None, _("No company"))] + [
        (row.id, row.name) for row in db.session.execute(select(Company.id, Company.name).order_by(Company.name))
    ]
    form.locale.choices = language_choices(_l("Site default"))
    if form.validate_on_submit():
        values = {key: form[key].data for key in CONTACT_FIELDS}
        with saving(form, email=_("Another contact already uses this email address.")) as outcome:
            contact, changes = save_contact(contact, values, actor=current_user)
            answers = submitted_values(form, fields)
            if answers:
                db.session.flush()
                save_values("contact", contact.id, fields, answers, current_user._get_current_object())
            changed = bool(changes) or any(stored.get(name) != value for name, value in answers.items())
        if outcome.saved:
            flash(_("The contact %(name)s was saved.", name=contact.name) if changed else _("Nothing changed."),
                  "success")
            return redirect(url_for("admin.contacts"))
    references = person_references("contact", contact) if contact is not None else []
    return render_template("crm/admin/contact_form.html", form=form, contact=contact, references=references,
                           timezones=timezone_names(), data_fields=fields, data_values=stored)


@bp.route("/contacts/new", methods=["GET", "POST"])
def contact_new():
    """Add a contact."""
    return _edit(None)


@bp.route("/contacts/<int:contact_id>", methods=["GET", "POST"])
def contact_edit(contact_id: int):
    """Change a contact."""
    return _edit(_contact_or_404(contact_id))


@bp.post("/contacts/<int:contact_id>/delete")
def contact_delete(contact_id: int):
    """Delete a contact."""
    contact = _contact_or_404(contact_id)
    return delete_then_redirect(delete_contact, contact, _("The contact %(name)s was deleted.", name=contact.name),
                                url_for("admin.contact_edit", contact_id=contact_id), url_for("admin.contacts"))
