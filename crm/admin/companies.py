"""Admin pages: companies (customer accounts) and their customer managers."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from crm.admin.people import delete_then_redirect, matches, paginate, saving, search_term
from crm.admin.views import bp
from crm.extensions import db
from crm.people.forms import CompanyForm
from crm.people.models import Company, Contact
from crm.people.services import delete_company, person_references, save_company, staff_choices


def _company_or_404(company_id: int) -> Company:
    return db.get_or_404(Company, company_id)


@bp.get("/companies")
def companies():
    """Companies by name, 50 a page, with their contact count and customer managers; search by name or domain."""
    term = search_term()
    stmt = select(Company).order_by(Company.name, Company.id)
    if term:
        stmt = stmt.where(matches(term, Company.name, Company.domain))
    page = paginate(stmt)
    ids = [c.id for c in page.items]
    counts = {}
    if ids:
        counts = dict(db.session.execute(
            select(Contact.company_id, func.count(Contact.id)).where(Contact.company_id.in_(ids))
            .group_by(Contact.company_id)
        ).all())
    return render_template("crm/admin/companies.html", page=page, counts=counts, term=term)


def _edit(company: Company | None):
    data = None
    if company is not None and request.method == "GET":
        data = {"name": company.name, "domain": company.domain, "notes": company.notes,
                "managers": [u.id for u in company.managers]}
    form = CompanyForm(data=data)
    current = [u.id for u in company.managers] if company is not None else []
    form.managers.choices = staff_choices(include_ids=current, staff_only=True)
    if form.validate_on_submit():
        with saving(form) as outcome:
            company, changes = save_company(company, name=form.name.data, domain=form.domain.data or "",
                                            notes=form.notes.data or "", manager_ids=form.managers.data or [],
                                            actor=current_user)
        if outcome.saved:
            flash(_("The company %(name)s was saved.", name=company.name) if changes else _("Nothing changed."),
                  "success")
            return redirect(url_for("admin.companies"))
    references = person_references("company", company) if company is not None else []
    return render_template("crm/admin/company_form.html", form=form, company=company, references=references)


@bp.route("/companies/new", methods=["GET", "POST"])
def company_new():
    """Add a company with its customer managers."""
    return _edit(None)


@bp.route("/companies/<int:company_id>", methods=["GET", "POST"])
def company_edit(company_id: int):
    """Change a company and its customer managers."""
    return _edit(_company_or_404(company_id))


@bp.post("/companies/<int:company_id>/delete")
def company_delete(company_id: int):
    """Delete a company; its contacts stay, without a company."""
    company = _company_or_404(company_id)
    return delete_then_redirect(delete_company, company, _("The company %(name)s was deleted.", name=company.name),
                                url_for("admin.company_edit", company_id=company_id), url_for("admin.companies"))
